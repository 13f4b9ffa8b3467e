package goldenrun

import (
	"sync/atomic"
	"testing"

	"github.com/layerzero/lzgen/runtime"
	"github.com/layerzero/lzgen/runtime/cuda"
	"github.com/layerzero/lzgen/runtime/cuda/cudatest"
	cudalaunch "github.com/layerzero/lzgen/testdata/golden/cuda/out"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// le is v's bytes as a launch records them.
func le(t testing.TB, v any) []byte { return cudatest.ArgBytes(t, v) }

// TestLaunchPacksEveryArgumentType dispatches the golden cuda case on the
// fake driver and checks the recorded launch: the PTX entry, the grid,
// block and shared memory computed from the manifest's expressions, and
// every argument's bytes in manifest order, sized as the PTX declares
// (float64 and int64 8-byte aligned after a float32).
func TestLaunchPacksEveryArgumentType(t *testing.T) {
	drv := cudatest.Install(t) // an SM 9.0 device: blend_fused (min_sm 80) fits fp16
	x := drv.DeviceTensor(t, runtime.Float16, runtime.LayoutRowMajor, 6, 32)
	out := drv.DeviceTensor(t, runtime.Float16, runtime.LayoutRowMajor, 6, 32)

	require.NoError(t, cudalaunch.Blend(x, out, 1.5, 2.25, 1<<40, true, 3))

	launches := drv.Launches()
	require.Len(t, launches, 1)
	l := launches[0]
	assert.Equal(t, "lz_blend_fused", l.Kernel)
	assert.Equal(t, 0, l.Device)
	assert.Equal(t, cuda.Dim3{X: 2, Y: 4, Z: 1}, l.Grid, "ceil_div(batch_size, 4) = ceil(6/4), group + 1")
	assert.Equal(t, cuda.Dim3{X: 32, Y: 4, Z: 1}, l.Block, "head_dim = x.Cols()")
	assert.Equal(t, uint32(32*4*2), l.SharedMem, "head_dim * 4 * 2")
	want := [][]byte{
		le(t, uint64(x.DevicePtr())), le(t, uint64(out.DevicePtr())),
		le(t, float32(1.5)), le(t, float64(2.25)), le(t, int64(1<<40)),
		le(t, int32(1)), // flip
		le(t, int32(3)), // group
		le(t, int32(runtime.Float16)), le(t, int32(runtime.LayoutRowMajor)),
		le(t, int32(1)),  // is_causal (= flip)
		le(t, int32(1)),  // true
		le(t, int32(90)), // sm of the fake H100
		le(t, int32(6)),  // batch_size = x.Rows()
		le(t, int32(64)), // x.Cols() * 2
		le(t, int32(7)),
	}
	assert.Equal(t, want, l.Args)
}

// TestLaunchWithoutContext: a kernel whose expressions read no context
// field launches on its first tensor's device with params and accessors.
func TestLaunchWithoutContext(t *testing.T) {
	drv := cudatest.Install(t)
	x := drv.DeviceTensor(t, runtime.Float32, runtime.LayoutRowMajor, 3, 100) // fp32: blend_fused rejects it
	out := drv.DeviceTensor(t, runtime.Float32, runtime.LayoutRowMajor, 3, 100)

	require.NoError(t, cudalaunch.Blend(x, out, -0.5, 0, 0, false, 0))

	launches := drv.Launches()
	require.Len(t, launches, 1)
	l := launches[0]
	assert.Equal(t, "lz_blend_plain", l.Kernel)
	assert.Equal(t, cuda.Dim3{X: 2, Y: 1, Z: 1}, l.Grid, "ceil_div(x.Numel(), 256) = ceil(300/256)")
	assert.Equal(t, cuda.Dim3{X: 256, Y: 1, Z: 1}, l.Block)
	assert.Zero(t, l.SharedMem)
	assert.Equal(t, [][]byte{le(t, uint64(x.DevicePtr())), le(t, uint64(out.DevicePtr())), le(t, float32(-0.5)), le(t, int32(300))}, l.Args)
}

// TestLaunchThroughTheEngine: the Dispatcher's invoke path reaches the
// same wrapper, and a failing launch falls back to the next kernel.
func TestLaunchThroughTheEngine(t *testing.T) {
	drv := cudatest.Install(t)
	x := drv.DeviceTensor(t, runtime.BFloat16, runtime.LayoutRowMajor, 4, 16)
	d, err := cudalaunch.NewDispatcher(runtime.WithMode(runtime.ModeDynamic), runtime.WithLogger(nil))
	require.NoError(t, err)
	defer d.Close()

	res, err := d.BlendResult(x, x, 1, 1, 1, false, 1)
	require.NoError(t, err)
	assert.Equal(t, "blend_fused", res.KernelName)

	drv.OnLaunch = func(l cudatest.Launch) error {
		if l.Kernel == "lz_blend_fused" {
			return &cuda.Error{Call: "cuLaunchKernel", Code: 700, Name: "CUDA_ERROR_ILLEGAL_ADDRESS", Detail: "fake"}
		}
		return nil
	}
	res, err = d.BlendResult(x, x, 1, 1, 1, false, 1)
	require.NoError(t, err)
	assert.Equal(t, "blend_plain", res.KernelName)
	assert.True(t, res.Fallback)
	var kernels []string
	for _, l := range drv.Launches() {
		kernels = append(kernels, l.Kernel)
	}
	assert.Equal(t, []string{"lz_blend_fused", "lz_blend_fused", "lz_blend_plain"}, kernels)
}

// countingDriver is the fake driver without the recording, so that
// AllocsPerRun sees only what the generated code and runtime/cuda allocate.
type countingDriver struct {
	*cudatest.Driver
	launches atomic.Int64
}

func (d *countingDriver) Launch(int, cuda.Func, cuda.LaunchConfig, cuda.Params) error {
	d.launches.Add(1)
	return nil
}

// TestLaunchDoesNotAllocate: a static dispatch that launches a cuda kernel
// (context, packing, the argument array, cuda.Function.Launch) allocates
// nothing once the kernel is resolved.
func TestLaunchDoesNotAllocate(t *testing.T) {
	drv := &countingDriver{Driver: cudatest.New(1)}
	t.Cleanup(cuda.SetDriver(drv))
	x := drv.Driver.DeviceTensor(t, runtime.Float16, runtime.LayoutRowMajor, 6, 32)
	allocs := testing.AllocsPerRun(1000, func() {
		if err := cudalaunch.Blend(x, x, 1.5, 2.25, 7, true, 3); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "allocations per launch")
	assert.EqualValues(t, 1001, drv.launches.Load(), "every call launched (AllocsPerRun adds a warm-up run)")
}
