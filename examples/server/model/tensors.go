package model

import (
	"fmt"

	"github.com/layerzero/lzgen/runtime"
)

// tensors wraps float32 buffers as tensors, keeping the first error so that
// a forward pass (or newWeights) checks once after building all of them.
type tensors struct{ err error }

// matrix wraps data as a row-major [rows, cols] tensor; nil data allocates a
// zeroed buffer.
func (t *tensors) matrix(data []float32, rows, cols int) runtime.Tensor {
	if data == nil {
		data = make([]float32, rows*cols)
	}
	return t.wrap(runtime.LayoutRowMajor, data, rows, cols)
}

// heads views a [batch*seq, heads*headDim] matrix as a BSHD tensor
// [batch, seq, heads, headDim] over the same memory.
func (t *tensors) heads(m runtime.Tensor, batch, seq, heads, headDim int) runtime.Tensor {
	return t.wrap(runtime.BSHD, m.Float32s(), batch, seq, heads, headDim)
}

// wrap describes data as a contiguous tensor of the layout and shape; after
// the first error it returns the zero Tensor.
func (t *tensors) wrap(layout runtime.Layout, data []float32, shape ...int) runtime.Tensor {
	if t.err != nil {
		return runtime.Tensor{}
	}
	tn, err := runtime.FromFloat32(layout, data, shape...)
	if err != nil {
		t.err = fmt.Errorf("model tensor %v: %w", shape, err)
	}
	return tn
}
