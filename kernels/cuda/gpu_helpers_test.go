//go:build gpu

package kcuda

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/layerzero/lzgen/runtime"
	"github.com/layerzero/lzgen/runtime/cuda"
)

// The helpers of the GPU tests: random host tensors, copies to and from the
// device, and launches packed as generated wrappers pack them.

// tolerance is the largest accepted |gpu - cpu| / max(1, |cpu|) per dtype.
var tolerance = map[runtime.DType]float64{runtime.Float32: 1e-5, runtime.Float16: 1e-3, runtime.BFloat16: 1e-2}

// zeros returns a zeroed host tensor, failing the test on a bad shape.
func zeros(t testing.TB, dt runtime.DType, layout runtime.Layout, shape ...int) runtime.Tensor {
	t.Helper()
	x, err := runtime.New(dt, layout, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// randomTensor returns a host tensor of values uniform in [-1, 1), rounded
// to dt.
func randomTensor(t testing.TB, rng *rand.Rand, dt runtime.DType, layout runtime.Layout, shape ...int) runtime.Tensor {
	t.Helper()
	x := zeros(t, dt, layout, shape...)
	setValues(x, func(int) float32 { return rng.Float32()*2 - 1 })
	return x
}

func setValues(x runtime.Tensor, f func(i int) float32) {
	switch x.DType() {
	case runtime.Float32:
		for i := range x.Float32s() {
			x.Float32s()[i] = f(i)
		}
	case runtime.Float16:
		for i := range x.Uint16s() {
			x.Uint16s()[i] = runtime.Float32ToFloat16(f(i))
		}
	case runtime.BFloat16:
		for i := range x.Uint16s() {
			x.Uint16s()[i] = runtime.Float32ToBFloat16(f(i))
		}
	}
}

func values(x runtime.Tensor) []float32 {
	out := make([]float32, x.Numel())
	for i := range out {
		switch x.DType() {
		case runtime.Float32:
			out[i] = x.Float32s()[i]
		case runtime.Float16:
			out[i] = runtime.Float16ToFloat32(x.Uint16s()[i])
		case runtime.BFloat16:
			out[i] = runtime.BFloat16ToFloat32(x.Uint16s()[i])
		}
	}
	return out
}

// toDevice copies host to a new device tensor on device 0, freed when the
// test ends.
func toDevice(t testing.TB, host runtime.Tensor) runtime.Tensor {
	t.Helper()
	buf, err := cuda.Alloc(0, len(host.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = buf.Free() })
	if err := buf.CopyFrom(host.Bytes()); err != nil {
		t.Fatal(err)
	}
	dev, err := runtime.FromDevice(buf.Ptr, 0, host.DType(), host.Layout(), host.Shape()...)
	if err != nil {
		t.Fatal(err)
	}
	return dev
}

// toHost copies a device tensor into dst, a host tensor of the same shape.
func toHost(t testing.TB, dev, dst runtime.Tensor) {
	t.Helper()
	if err := cuda.Synchronize(0); err != nil {
		t.Fatal(err)
	}
	buf := cuda.Buffer{Device: 0, Ptr: dev.DevicePtr(), Size: len(dst.Bytes())}
	if err := buf.CopyTo(dst.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// launch starts entry of module with args packed as the generated wrappers
// pack them: tensors as device pointers, float32 as float, int32 as int.
func launch(t testing.TB, module, entry string, grid, block cuda.Dim3, args ...any) {
	t.Helper()
	fn, err := PTX.Ref(module, entry).Get()
	if err != nil {
		t.Fatal(err)
	}
	ptrs := make([]unsafe.Pointer, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case runtime.Tensor:
			p := v.DevicePtr()
			ptrs[i] = unsafe.Pointer(&p)
		case float32:
			ptrs[i] = unsafe.Pointer(&v)
		case int32:
			ptrs[i] = unsafe.Pointer(&v)
		default:
			t.Fatalf("argument %d: unsupported type %T", i, a)
		}
	}
	if err := fn.Launch(grid, block, 0, ptrs); err != nil {
		t.Fatal(err)
	}
}

// compare fails the test when got and want differ by more than dt's
// tolerance, and returns the largest error seen.
func compare(t *testing.T, got, want runtime.Tensor) float64 {
	t.Helper()
	g, w := values(got), values(want)
	worst, at := 0.0, 0
	for i := range w {
		e := math.Abs(float64(g[i])-float64(w[i])) / math.Max(1, math.Abs(float64(w[i])))
		if e > worst || math.IsNaN(e) {
			worst, at = e, i
		}
	}
	if tol := tolerance[want.DType()]; !(worst <= tol) {
		t.Errorf("max error %.3g at element %d (gpu %v, cpu %v) exceeds %v's %g", worst, at, g[at], w[at], want.DType(), tol)
	}
	return worst
}

func dim3(x, y, z int) cuda.Dim3 { return cuda.Dim3{X: uint32(x), Y: uint32(y), Z: uint32(z)} }

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func requireGPU(t testing.TB) {
	t.Helper()
	if !cuda.Available() {
		t.Fatal("the gpu tests need a CUDA driver and a GPU")
	}
}
