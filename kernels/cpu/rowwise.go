package cpu

import (
	"math"

	"github.com/layerzero/lzgen/runtime"
)

// rowwise is a validated call of a kernel that transforms each row of x's
// last dimension independently (RMSNorm, LayerNorm).
type rowwise struct {
	x, out     storage
	rows, cols int
}

// newRowwise validates x, out of x's shape, and per-column params (weight,
// bias) of shape [hidden], all in x's dtype.
func newRowwise(x, out runtime.Tensor, params ...operand) (rowwise, error) {
	xo, oo := operand{"x", x}, operand{"out", out}
	if err := checkOperands(append([]operand{xo, oo}, params...)...); err != nil {
		return rowwise{}, err
	}
	if err := checkSameShape(oo, xo); err != nil {
		return rowwise{}, err
	}
	for _, p := range params {
		if p.t.Rank() != 1 || p.t.Dim(0) != x.Cols() {
			return rowwise{}, invalid(p.name, "shape %v; want [%d], x's last dimension", p.t.Shape(), x.Cols())
		}
	}
	return rowwise{x: storageOf(x), out: storageOf(out), rows: x.Rows(), cols: x.Cols()}, nil
}

// newNorm validates a normalisation call: the operands as newRowwise
// does, and eps, which must be finite and >= 0.
func newNorm(x, out runtime.Tensor, eps float32, params ...operand) (rowwise, error) {
	if !(eps >= 0) || math.IsInf(float64(eps), 0) {
		return rowwise{}, invalid("eps", "%v; want a finite value >= 0", eps)
	}
	return newRowwise(x, out, params...)
}
