package cuda_test

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"unsafe"

	lzruntime "github.com/layerzero/lzgen/runtime"
	"github.com/layerzero/lzgen/runtime/cuda"
	"github.com/layerzero/lzgen/runtime/cuda/cudatest"
)

// testModules serves testdata/norm.ptx, which declares lz_rms_norm as nvcc
// does for (void* x, void* weight, void* out, float eps, int dtype, int rows,
// int cols).
func testModules() *cuda.ModuleSet { return cuda.NewModuleSet(os.DirFS("testdata"), ".") }

// launchNorm is what lzgen generates for the rms_norm_cuda kernel.
func launchNorm(ref *cuda.FunctionRef, x, w, out uintptr, eps float32, dtype, rows, cols int32) error {
	fn, err := ref.Get()
	if err != nil {
		return err
	}
	args := [...]unsafe.Pointer{unsafe.Pointer(&x), unsafe.Pointer(&w), unsafe.Pointer(&out),
		unsafe.Pointer(&eps), unsafe.Pointer(&dtype), unsafe.Pointer(&rows), unsafe.Pointer(&cols)}
	return fn.Launch(cuda.Dim3{X: uint32(rows), Y: 1, Z: 1}, cuda.Dim3{X: 256, Y: 1, Z: 1}, 512, args[:])
}

func TestLaunchRecordsArgumentsInOrder(t *testing.T) {
	fake := cudatest.Install(t)
	ref := testModules().Ref("norm.cu", "lz_rms_norm")
	if err := launchNorm(ref, 0x1000, 0x2000, 0x3000, 1e-6, 2, 33, 4096); err != nil {
		t.Fatal(err)
	}
	got := fake.Launches()
	if len(got) != 1 {
		t.Fatalf("recorded %d launches, want 1", len(got))
	}
	l := got[0]
	if l.Kernel != "lz_rms_norm" || l.Grid != (cuda.Dim3{X: 33, Y: 1, Z: 1}) || l.Block != (cuda.Dim3{X: 256, Y: 1, Z: 1}) || l.SharedMem != 512 {
		t.Errorf("launch = %s grid %v block %v shared %d, want lz_rms_norm grid {33 1 1} block {256 1 1} shared 512",
			l.Kernel, l.Grid, l.Block, l.SharedMem)
	}
	wantSizes := []int{8, 8, 8, 4, 4, 4, 4}
	if len(l.Args) != len(wantSizes) {
		t.Fatalf("recorded %d arguments, want %d", len(l.Args), len(wantSizes))
	}
	for i, a := range l.Args {
		if len(a) != wantSizes[i] {
			t.Errorf("argument %d has %d bytes, want %d", i, len(a), wantSizes[i])
		}
	}
	if l.Ptr(0) != 0x1000 || l.Ptr(1) != 0x2000 || l.Ptr(2) != 0x3000 {
		t.Errorf("pointers = %#x %#x %#x, want 0x1000 0x2000 0x3000", l.Ptr(0), l.Ptr(1), l.Ptr(2))
	}
	if l.Float32(3) != 1e-6 || l.Int32(4) != 2 || l.Int32(5) != 33 || l.Int32(6) != 4096 {
		t.Errorf("scalars = %v %d %d %d, want 1e-06 2 33 4096", l.Float32(3), l.Int32(4), l.Int32(5), l.Int32(6))
	}
	if bits := binary.LittleEndian.Uint32(l.Args[3]); bits != math.Float32bits(1e-6) {
		t.Errorf("eps bits = %#x, want %#x", bits, math.Float32bits(1e-6))
	}
}

func TestLaunchRejectsBadCalls(t *testing.T) {
	cudatest.Install(t)
	fn, err := testModules().Ref("norm.cu", "lz_rms_norm").Get()
	if err != nil {
		t.Fatal(err)
	}
	var x uintptr
	one := cuda.Dim3{X: 1, Y: 1, Z: 1}
	for _, tc := range []struct {
		name        string
		grid, block cuda.Dim3
		args        []unsafe.Pointer
		want        string
	}{
		{"too few arguments", one, one, []unsafe.Pointer{unsafe.Pointer(&x)}, "takes 7 arguments, got 1"},
		{"nil argument", one, one, make([]unsafe.Pointer, 7), "argument 0 is a nil pointer"},
		{"empty grid", cuda.Dim3{X: 0, Y: 1, Z: 1}, one, nil, "empty launch grid"},
	} {
		args := tc.args
		if args == nil {
			args = make([]unsafe.Pointer, 7)
		}
		if err := fn.Launch(tc.grid, tc.block, 0, args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestLaunchErrorIsWrapped(t *testing.T) {
	fake := cudatest.Install(t)
	failure := &cuda.Error{Call: "cuLaunchKernel", Code: 719, Name: "CUDA_ERROR_LAUNCH_FAILED", Detail: "unspecified launch failure"}
	fake.OnLaunch = func(cudatest.Launch) error { return failure }
	err := launchNorm(testModules().Ref("norm.cu", "lz_rms_norm"), 1, 2, 3, 0, 1, 1, 1)
	var cuErr *cuda.Error
	if !errors.As(err, &cuErr) || cuErr.Code != 719 || !strings.Contains(err.Error(), "norm.cu:lz_rms_norm") {
		t.Errorf("error = %v, want a wrapped *cuda.Error 719 naming norm.cu:lz_rms_norm", err)
	}
}

func TestFunctionRefErrors(t *testing.T) {
	cudatest.Install(t)
	set := testModules()
	if _, err := set.Ref("attention.cu", "lz_attention_causal").Get(); !errors.Is(err, cuda.ErrNoPTX) {
		t.Errorf("module without PTX: error = %v, want ErrNoPTX", err)
	}
	if _, err := set.Ref("norm.cu", "lz_layer_norm").Get(); err == nil || !strings.Contains(err.Error(), "has no kernel lz_layer_norm") {
		t.Errorf("missing entry: error = %v, want it to name the kernel", err)
	}
	if _, err := set.Ref("norm.cu", "lz_rms_norm").On(3); err == nil || !strings.Contains(err.Error(), "CUDA_ERROR_INVALID_DEVICE") {
		t.Errorf("device 3 of 1: error = %v, want CUDA_ERROR_INVALID_DEVICE", err)
	}
	if _, err := set.Ref("norm.cu", "lz_rms_norm").On(-1); err == nil || !strings.Contains(err.Error(), "negative device ordinal -1") {
		t.Errorf("device -1: error = %v, want it to name the negative ordinal", err)
	}
}

// TestSetDriverPublishesDevices checks what the dispatch engine learns from
// an installed driver: CUDA availability and each device's compute
// capability, both undone when the previous driver comes back.
func TestSetDriverPublishesDevices(t *testing.T) {
	wasAvailable, sm0, sm1 := lzruntime.CUDAAvailable(), lzruntime.DeviceSM(0), lzruntime.DeviceSM(1)
	fake := cudatest.New(2)
	fake.SetAttribute(cuda.AttrComputeCapabilityMajor, 8)
	fake.SetAttribute(cuda.AttrComputeCapabilityMinor, 6)
	restore := cuda.SetDriver(fake)
	available, got0, got1 := lzruntime.CUDAAvailable(), lzruntime.DeviceSM(0), lzruntime.DeviceSM(1)
	restore()
	if !available || got0 != 86 || got1 != 86 {
		t.Errorf("with two sm_86 devices: CUDAAvailable %v, DeviceSM(0) %d, DeviceSM(1) %d; want true, 86, 86", available, got0, got1)
	}
	if a, s0, s1 := lzruntime.CUDAAvailable(), lzruntime.DeviceSM(0), lzruntime.DeviceSM(1); a != wasAvailable || s0 != sm0 || s1 != sm1 {
		t.Errorf("after restore: CUDAAvailable %v, DeviceSM %d %d; want the previous %v, %d %d", a, s0, s1, wasAvailable, sm0, sm1)
	}
}

func TestFunctionRefFollowsDriverSwap(t *testing.T) {
	first := cudatest.Install(t)
	ref := testModules().Ref("norm.cu", "lz_rms_norm")
	if err := launchNorm(ref, 1, 2, 3, 0, 1, 1, 1); err != nil {
		t.Fatal(err)
	}
	second := cudatest.New(1)
	restore := cuda.SetDriver(second)
	if err := launchNorm(ref, 1, 2, 3, 0, 1, 1, 1); err != nil {
		t.Fatal(err)
	}
	restore()
	if n1, n2 := len(first.Launches()), len(second.Launches()); n1 != 1 || n2 != 1 {
		t.Errorf("launches: first driver %d, second %d; want 1 each (a stale handle went to the wrong driver)", n1, n2)
	}
}

func TestDeviceMemoryRoundTrip(t *testing.T) {
	cudatest.Install(t)
	buf, err := cuda.Alloc(0, 16)
	if err != nil {
		t.Fatal(err)
	}
	in := []byte("0123456789abcdef")
	if err := buf.CopyFrom(in); err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 16)
	if err := buf.CopyTo(out); err != nil {
		t.Fatal(err)
	}
	if string(out) != string(in) {
		t.Errorf("read back %q, want %q", out, in)
	}
	if err := buf.CopyFrom(make([]byte, 17)); err == nil {
		t.Error("copying 17 bytes into a 16-byte buffer succeeded")
	}
	if err := buf.Free(); err != nil {
		t.Fatal(err)
	}
	if err := buf.Free(); err == nil {
		t.Error("double free succeeded")
	}
}

// TestConcurrentLaunchesKeepTheirArguments launches from many goroutines at
// once: every recorded launch must carry its own caller's arguments, never a
// neighbour's from a shared buffer.
func TestConcurrentLaunchesKeepTheirArguments(t *testing.T) {
	fake := cudatest.Install(t)
	ref := testModules().Ref("norm.cu", "lz_rms_norm")
	const goroutines, launches = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range launches {
				id := int32(g*launches + i)
				if err := launchNorm(ref, uintptr(id), uintptr(id), uintptr(id), float32(id), id, id+1, id); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got := fake.Launches()
	if len(got) != goroutines*launches {
		t.Fatalf("recorded %d launches, want %d", len(got), goroutines*launches)
	}
	seen := map[int32]bool{}
	for _, l := range got {
		id := l.Int32(4)
		if l.Ptr(0) != uintptr(id) || l.Ptr(2) != uintptr(id) || l.Float32(3) != float32(id) || l.Int32(6) != id || l.Grid.X != uint32(id+1) {
			t.Fatalf("launch %d has mixed arguments: %v", id, l.Args)
		}
		seen[id] = true
	}
	if len(seen) != goroutines*launches {
		t.Errorf("%d distinct launches, want %d", len(seen), goroutines*launches)
	}
}

// countingDriver is the fake without recording, so that measurements see
// only what Function.Launch itself costs.
type countingDriver struct {
	*cudatest.Driver
	launches int
}

func (d *countingDriver) Launch(int, cuda.Func, cuda.LaunchConfig, cuda.Params) error {
	d.launches++
	return nil
}

func TestLaunchDoesNotAllocate(t *testing.T) {
	d := &countingDriver{Driver: cudatest.New(1)}
	t.Cleanup(cuda.SetDriver(d))
	ref := testModules().Ref("norm.cu", "lz_rms_norm")
	allocs := testing.AllocsPerRun(100, func() {
		if err := launchNorm(ref, 1, 2, 3, 1e-5, 2, 8, 64); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Get+Launch allocates %v times per call, want 0", allocs)
	}
	if d.launches < 100 {
		t.Errorf("driver saw %d launches, want at least 100", d.launches)
	}
}

// BenchmarkLaunch measures the Go side of a launch: resolving the kernel
// and packing seven arguments, with a driver that does nothing.
func BenchmarkLaunch(b *testing.B) {
	d := &countingDriver{Driver: cudatest.New(1)}
	b.Cleanup(cuda.SetDriver(d))
	ref := testModules().Ref("norm.cu", "lz_rms_norm")
	b.ReportAllocs()
	for b.Loop() {
		if err := launchNorm(ref, 1, 2, 3, 1e-5, 2, 8, 64); err != nil {
			b.Fatal(err)
		}
	}
}
