package runtime

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// Sizes and strides that overflow int are rejected with a clear error, not
// wrapped around into a small tensor whose kernels would read out of bounds.
func TestTensorRejectsOverflowingShapesAndStrides(t *testing.T) {
	for _, shape := range [][]int{{math.MaxInt/2 + 1, 2}, {1 << 31, 1 << 31, 1 << 31}} {
		_, err := New(Float32, LayoutRowMajor, shape...)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "too large") {
			t.Errorf("New(%v): err %v, want a too-large ErrInvalidArgument", shape, err)
		}
	}
	x, err := New(Float32, LayoutRowMajor, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	// 2*(MaxInt/2+1) wraps to a negative offset that a plain bounds check passes.
	if _, err := x.WithStrides(math.MaxInt/2+1, 1); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("overflowing stride: err %v, want an overflow ErrInvalidArgument", err)
	}
	if _, err := x.WithStrides(5, 1); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("stride past the storage: err %v, want ErrInvalidArgument", err)
	}
	y, err := x.WithStrides(1, 3) // the transpose's view: in bounds
	if err != nil {
		t.Fatal(err)
	}
	expectEqual(t, []int{1, 3}, []int{y.Stride(0), y.Stride(1)})
	expectEqual(t, false, y.IsContiguous())
}
