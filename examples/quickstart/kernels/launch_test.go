package kernels_test

import (
	"testing"

	"github.com/layerzero/lzgen/examples/quickstart/kernels"
	"github.com/layerzero/lzgen/runtime"
	"github.com/layerzero/lzgen/runtime/cuda"
	"github.com/layerzero/lzgen/runtime/cuda/cudatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the quickstart's cuda kernels on the fake driver, which
// publishes an SM 9.0 device to the engine as the real driver would, loads
// the PTX that kernels/cuda embeds and records each launch.

// le is v's bytes as a launch records them.
func le(t testing.TB, v any) []byte { return cudatest.ArgBytes(t, v) }

func ptrArg(t testing.TB, x runtime.Tensor) []byte { return le(t, uint64(x.DevicePtr())) }

// onlyLaunch returns the one launch recorded since the driver was installed.
func onlyLaunch(t *testing.T, drv *cudatest.Driver) cudatest.Launch {
	t.Helper()
	launches := drv.Launches()
	require.Len(t, launches, 1)
	return launches[0]
}

func TestAttentionCausalLaunchesTheFlashKernel(t *testing.T) {
	drv := cudatest.Install(t)
	q := drv.DeviceTensor(t, runtime.BFloat16, runtime.BSHD, 2, 100, 8, 64)
	kv := drv.DeviceTensor(t, runtime.BFloat16, runtime.BSHD, 2, 130, 2, 64) // GQA: 2 KV heads
	out := drv.DeviceTensor(t, runtime.BFloat16, runtime.BSHD, 2, 100, 8, 64)

	require.NoError(t, kernels.AttentionCausal(q, kv, kv, out, 0.125))

	l := onlyLaunch(t, drv)
	assert.Equal(t, "lz_attention_causal", l.Kernel)
	assert.Equal(t, cuda.Dim3{X: 2, Y: 8, Z: 2}, l.Grid, "[ceil_div(seq_len_q, 64), num_heads, batch_size]")
	assert.Equal(t, cuda.Dim3{X: 128, Y: 1, Z: 1}, l.Block)
	assert.Zero(t, l.SharedMem)
	assert.Equal(t, [][]byte{
		ptrArg(t, q), ptrArg(t, kv), ptrArg(t, kv), ptrArg(t, out),
		le(t, float32(0.125)), le(t, int32(runtime.BFloat16)),
		le(t, int32(2)), le(t, int32(100)), le(t, int32(130)), // batch, seq_len_q, seq_len_k
		le(t, int32(8)), le(t, int32(2)), le(t, int32(64)), // heads, kv heads, head_dim
	}, l.Args)
}

func TestNormRopeSwiGLULaunch(t *testing.T) {
	drv := cudatest.Install(t)
	x := drv.DeviceTensor(t, runtime.Float16, runtime.LayoutRowMajor, 5, 384)
	w := drv.DeviceTensor(t, runtime.Float16, runtime.LayoutRowMajor, 384)
	require.NoError(t, kernels.NormRms(x, w, x, 1e-5))
	l := onlyLaunch(t, drv)
	assert.Equal(t, "lz_rms_norm", l.Kernel)
	assert.Equal(t, cuda.Dim3{X: 5, Y: 1, Z: 1}, l.Grid)
	assert.Equal(t, cuda.Dim3{X: 256, Y: 1, Z: 1}, l.Block)
	assert.Equal(t, [][]byte{ptrArg(t, x), ptrArg(t, w), ptrArg(t, x), le(t, float32(1e-5)),
		le(t, int32(runtime.Float16)), le(t, int32(5)), le(t, int32(384))}, l.Args)

	drv = cudatest.Install(t)
	h := drv.DeviceTensor(t, runtime.BFloat16, runtime.BSHD, 1, 7, 4, 32)
	cs := drv.DeviceTensor(t, runtime.Float32, runtime.LayoutRowMajor, 7, 16)
	require.NoError(t, kernels.PosencRope(h, cs, cs, h, true))
	l = onlyLaunch(t, drv)
	assert.Equal(t, "lz_rope", l.Kernel)
	assert.Equal(t, cuda.Dim3{X: 7, Y: 1, Z: 1}, l.Grid, "[seq_len_q, batch_size, 1]")
	assert.Equal(t, [][]byte{ptrArg(t, h), ptrArg(t, cs), ptrArg(t, cs), ptrArg(t, h), le(t, int32(1)),
		le(t, int32(runtime.BFloat16)), le(t, int32(1)), le(t, int32(7)), le(t, int32(4)), le(t, int32(32))}, l.Args)

	drv = cudatest.Install(t)
	g := drv.DeviceTensor(t, runtime.Float32, runtime.LayoutRowMajor, 3, 1000)
	require.NoError(t, kernels.ActivationSwiglu(g, g, g))
	l = onlyLaunch(t, drv)
	assert.Equal(t, "lz_swiglu", l.Kernel)
	assert.Equal(t, cuda.Dim3{X: 3, Y: 1, Z: 1}, l.Grid, "ceil_div(3000, 1024)")
	assert.Equal(t, [][]byte{ptrArg(t, g), ptrArg(t, g), ptrArg(t, g), le(t, int32(runtime.Float32)), le(t, int32(3000))}, l.Args)
}

// TestDispatcherSelectsCUDAOnAGPU: with the driver's devices published
// (CUDA available, SM 90), the engine picks the flash kernel for device
// tensors, and the launch it records is the static path's.
func TestDispatcherSelectsCUDAOnAGPU(t *testing.T) {
	drv := cudatest.Install(t)
	require.True(t, runtime.CUDAAvailable())
	require.EqualValues(t, 90, runtime.DeviceSM(0))
	q := drv.DeviceTensor(t, runtime.Float16, runtime.BSHD, 1, 64, 4, 128)

	d, err := kernels.NewDispatcher(runtime.WithMode(runtime.ModeDynamic))
	require.NoError(t, err)
	defer d.Close()
	res, err := d.AttentionFullResult(q, q, q, q, 0)
	require.NoError(t, err)
	assert.Equal(t, "attention_full_flash_sm80", res.KernelName)
	l := onlyLaunch(t, drv)
	assert.Equal(t, "lz_attention_full", l.Kernel)
	assert.Equal(t, cuda.Dim3{X: 1, Y: 4, Z: 1}, l.Grid)
	assert.Equal(t, le(t, int32(128)), l.Args[11], "head_dim")
}
