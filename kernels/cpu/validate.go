package cpu

import (
	"fmt"

	"github.com/layerzero/lzgen/runtime"
)

// invalid returns an error wrapping runtime.ErrInvalidArgument that names
// the offending parameter, e.g. "invalid argument: k: 3 heads do not divide 8".
func invalid(param, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", runtime.ErrInvalidArgument, param, fmt.Sprintf(format, args...))
}

// checkHost rejects tensors a CPU kernel cannot read: the zero Tensor,
// device memory, and non-contiguous strides.
func checkHost(param string, t runtime.Tensor) error {
	switch {
	case t.IsZero():
		return invalid(param, "tensor is missing (zero value)")
	case t.OnDevice():
		return invalid(param, "%v is in device memory; CPU kernels need host tensors", t)
	case !t.IsContiguous():
		return invalid(param, "%v is not contiguous", t)
	}
	return nil
}

// operand is a named kernel argument, for validation messages.
type operand struct {
	name string
	t    runtime.Tensor
}

// checkOperands checks that every operand is a readable host tensor of the
// first operand's dtype.
func checkOperands(ops ...operand) error {
	for _, op := range ops {
		if err := checkHost(op.name, op.t); err != nil {
			return err
		}
		if op.t.DType() != ops[0].t.DType() {
			return invalid(op.name, "dtype %v differs from %s's %v", op.t.DType(), ops[0].name, ops[0].t.DType())
		}
	}
	return nil
}

// checkSameShape checks that got has exactly the shape of want.
func checkSameShape(got, want operand) error {
	if !sameShape(got.t, want.t) {
		return invalid(got.name, "shape %v differs from %s's %v", got.t.Shape(), want.name, want.t.Shape())
	}
	return nil
}

// checkFloat32 rejects operands of the float32-only fast kernels in other dtypes.
func checkFloat32(op operand) error {
	if op.t.DType() != runtime.Float32 {
		return invalid(op.name, "dtype %v; this kernel handles float32 only", op.t.DType())
	}
	return nil
}

// sameShape reports whether a and b have the same dimensions (without
// allocating, unlike comparing Shape()s).
func sameShape(a, b runtime.Tensor) bool {
	if a.Rank() != b.Rank() {
		return false
	}
	for i := range a.Rank() {
		if a.Dim(i) != b.Dim(i) {
			return false
		}
	}
	return true
}
