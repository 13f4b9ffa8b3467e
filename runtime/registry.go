package runtime

// EnforceVersion is used by generated code to fail compilation against an
// incompatible runtime: a negative constant does not convert to it.
//
//	const _ = runtime.EnforceVersion(1 - runtime.MinGenVersion)
//	const _ = runtime.EnforceVersion(runtime.MaxGenVersion - 1)
type EnforceVersion uint

// The range of generated-code versions this runtime supports. Generated code
// states the version it was written for; lzgen -version prints it.
const (
	GenVersion    = 1 // what this lzgen emits
	MinGenVersion = 1
	MaxGenVersion = 1
)

// KernelInfo describes one kernel of the registration table.
type KernelInfo struct {
	Name        string
	Op          OpID
	Backend     Platform
	Priority    int32
	Constraints Constraints
	Impl        string // "importpath.Func" for cpu, "module.cu:entry" for cuda
	Pos         string // where the manifest declares it, "kernels.yaml:12:3"
}

// OpInfo describes one operation of the registration table.
type OpInfo struct {
	Name      string
	Reference KernelID
	Kernels   []KernelID // every kernel of the op, highest priority first, ties in manifest order
}

// Registry is the registration table lzgen generates: every operation and
// kernel with constraints as data, and an index-based invoke. Kernel and op
// ids are dense indexes into Kernels and Ops.
type Registry struct {
	Manifest string // the manifest path relative to the generated package
	Ops      []OpInfo
	Kernels  []KernelInfo
	Policy   string // the manifest's dispatch section in the rules-file format; "" when absent
	// Invoke calls kernel id with args, a pointer to the generated Args
	// struct of the kernel's operation. It recovers kernel panics as errors.
	Invoke func(id KernelID, args any) error
}

// OpByName returns the id of the named operation.
func (r *Registry) OpByName(name string) (OpID, bool) {
	for i := range r.Ops {
		if r.Ops[i].Name == name {
			return OpID(i), true
		}
	}
	return 0, false
}

// KernelByName returns the id of the named kernel.
func (r *Registry) KernelByName(name string) (KernelID, bool) {
	for i := range r.Kernels {
		if r.Kernels[i].Name == name {
			return KernelID(i), true
		}
	}
	return 0, false
}
