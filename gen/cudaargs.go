package gen

// How a cuda kernel's arguments cross from Go to the kernel. The launch
// wrapper packs each argument into a local of goType and the C header
// declares the parameter as cType; both come from this one table, so the
// bytes the wrapper hands cuLaunchKernel are the ones the kernel reads.

// cudaArgType is one row of the table.
type cudaArgType struct {
	goType string // the Go type of the packed local
	cType  string // the C parameter type in lz_kernels.h
}

// cudaArgTypeOf maps an argument expression's type to its packing: tensors
// as device pointers, float32 as float, float64 as double, int64 as long
// long, and every other integer, enum (dtype, layout, platform) and bool as
// a 32-bit int.
func cudaArgTypeOf(t valueType) cudaArgType {
	switch t {
	case vTensor:
		return cudaArgType{"uintptr", "void*"}
	case vFloat32:
		return cudaArgType{"float32", "float"}
	case vFloat64:
		return cudaArgType{"float64", "double"}
	case vInt64:
		return cudaArgType{"int64", "long long"}
	}
	return cudaArgType{"int32", "int"}
}
