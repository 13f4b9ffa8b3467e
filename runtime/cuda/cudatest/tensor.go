package cudatest

import (
	"encoding/binary"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

// DeviceTensor allocates fake device memory on device 0 for a contiguous
// tensor of the given shape and describes it with runtime.FromDevice, so
// tests can dispatch device tensors to cuda kernels.
func (d *Driver) DeviceTensor(t testing.TB, dt runtime.DType, layout runtime.Layout, shape ...int) runtime.Tensor {
	t.Helper()
	n := dt.Size()
	for _, dim := range shape {
		n *= dim
	}
	ptr, err := d.Alloc(0, n)
	if err != nil {
		t.Fatal(err)
	}
	x, err := runtime.FromDevice(ptr, 0, dt, layout, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// ArgBytes returns v's little-endian bytes, what Launch.Args holds for a
// kernel parameter of v's fixed-size type (a device pointer as uint64).
func ArgBytes(t testing.TB, v any) []byte {
	t.Helper()
	b, err := binary.Append(nil, binary.LittleEndian, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
