//go:build gpu

package cuda_test

import (
	"bytes"
	"testing"

	"github.com/layerzero/lzgen/runtime"
	"github.com/layerzero/lzgen/runtime/cuda"
)

// TestRealDriver exercises libcuda.so.1 on a machine with a GPU:
//
//	go test -tags gpu ./runtime/cuda
func TestRealDriver(t *testing.T) {
	if !cuda.Available() {
		t.Fatal("no CUDA driver or device")
	}
	if !runtime.CUDAAvailable() {
		t.Error("runtime.CUDAAvailable() = false with a driver loaded")
	}
	major, err := cuda.DeviceAttribute(0, cuda.AttrComputeCapabilityMajor)
	if err != nil {
		t.Fatal(err)
	}
	minor, _ := cuda.DeviceAttribute(0, cuda.AttrComputeCapabilityMinor)
	if sm := runtime.DeviceSM(0); sm != int32(major*10+minor) || sm < 50 {
		t.Errorf("runtime.DeviceSM(0) = %d, driver says %d.%d", sm, major, minor)
	}
	buf, err := cuda.Alloc(0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Free()
	in := bytes.Repeat([]byte("lzgen"), 1<<18)[:1<<20]
	out := make([]byte, len(in))
	if err := buf.CopyFrom(in); err != nil {
		t.Fatal(err)
	}
	if err := buf.CopyTo(out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(in, out) {
		t.Error("device memory round trip changed the data")
	}
	s, err := cuda.NewStream(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Synchronize(); err != nil {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}
