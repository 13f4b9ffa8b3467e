package goldenrun

import (
	"errors"
	"testing"

	"github.com/layerzero/lzgen/runtime"
	"github.com/layerzero/lzgen/runtime/cuda"
	attention "github.com/layerzero/lzgen/testdata/golden/attention/out"
	basic "github.com/layerzero/lzgen/testdata/golden/basic/out"
	policy "github.com/layerzero/lzgen/testdata/golden/policy/out"
	"github.com/layerzero/lzgen/testdata/golden/testkernels"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func tensor(t testing.TB, dt runtime.DType, layout runtime.Layout, shape ...int) runtime.Tensor {
	t.Helper()
	x, err := runtime.New(dt, layout, shape...)
	require.NoError(t, err)
	return x
}

func deviceTensor(t testing.TB, dt runtime.DType, layout runtime.Layout, shape ...int) runtime.Tensor {
	t.Helper()
	x, err := runtime.FromDevice(0x1000, 0, dt, layout, shape...)
	require.NoError(t, err)
	return x
}

var errBroken = errors.New("kernel broken")

func TestBasicSelectsByContext(t *testing.T) {
	cases := []struct {
		name  string
		dtype runtime.DType
		rows  int
		want  string
	}{
		{"fp16 small batch takes the fast kernel", runtime.Float16, 8, "ScaleFast"},
		{"bf16 at the batch limit", runtime.BFloat16, 64, "ScaleFast"},
		{"fp16 above the fast kernel's batch max", runtime.Float16, 65, "ScaleWide"},
		{"fp32 large batch takes the wide kernel", runtime.Float32, 16, "ScaleWide"},
		{"fp32 small batch falls to the reference", runtime.Float32, 15, "ScaleRef"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testkernels.Reset()
			x := tensor(t, tc.dtype, runtime.LayoutRowMajor, tc.rows, 4)
			require.NoError(t, basic.Scale(x, x, 2))
			assert.Equal(t, []string{tc.want}, testkernels.Calls())
		})
	}
}

func TestBasicFallback(t *testing.T) {
	x := tensor(t, runtime.Float16, runtime.LayoutRowMajor, 32, 4)

	testkernels.Reset()
	testkernels.Fail("ScaleFast", errBroken)
	require.NoError(t, basic.Scale(x, x, 2))
	assert.Equal(t, []string{"ScaleFast", "ScaleWide"}, testkernels.Calls(), "the next fitting kernel runs")

	testkernels.Reset()
	testkernels.Fail("ScaleFast", errBroken)
	small := tensor(t, runtime.Float16, runtime.LayoutRowMajor, 4, 4)
	require.NoError(t, basic.Scale(small, small, 2))
	assert.Equal(t, []string{"ScaleFast", "ScaleRef"}, testkernels.Calls(), "kernels that do not fit are skipped")

	testkernels.Reset()
	for _, k := range []string{"ScaleFast", "ScaleWide", "ScaleRef"} {
		testkernels.Fail(k, errBroken)
	}
	err := basic.Scale(x, x, 2)
	var exhausted *runtime.FallbackExhaustedError
	require.ErrorAs(t, err, &exhausted)
	assert.Equal(t, "scale", exhausted.Op)
	require.Len(t, exhausted.Attempts, 3)
	assert.Equal(t, []string{"scale_fast", "scale_wide", "scale_ref"},
		[]string{exhausted.Attempts[0].Kernel, exhausted.Attempts[1].Kernel, exhausted.Attempts[2].Kernel})
	assert.ErrorIs(t, err, errBroken)
}

func TestBasicCallerErrorReturnsAtOnce(t *testing.T) {
	testkernels.Reset()
	bad := errors.Join(runtime.ErrInvalidArgument, errors.New("shape mismatch"))
	testkernels.Fail("ScaleFast", bad)
	x := tensor(t, runtime.Float16, runtime.LayoutRowMajor, 32, 4)
	err := basic.Scale(x, x, 2)
	assert.ErrorIs(t, err, runtime.ErrInvalidArgument)
	assert.Equal(t, []string{"ScaleFast"}, testkernels.Calls())
}

func TestBasicNoKernel(t *testing.T) {
	testkernels.Reset()
	x := deviceTensor(t, runtime.Float32, runtime.LayoutRowMajor, 4, 4)
	err := basic.Scale(x, x, 2)
	var none *runtime.NoKernelError
	require.ErrorAs(t, err, &none)
	assert.ErrorIs(t, err, runtime.ErrNoKernel)
	require.Len(t, none.Rejections, 3)
	for _, r := range none.Rejections {
		assert.True(t, r.Reasons.Has(runtime.PlatformMismatch), r.Kernel)
	}
	assert.Empty(t, testkernels.Calls())
}

func TestAttentionSelectsByContext(t *testing.T) {
	cases := []struct {
		name   string
		layout runtime.Layout
		q, k   []int
		want   string
	}{
		{"GQA with an aligned head_dim takes the tiled kernel", runtime.BSHD, []int{2, 64, 8, 64}, []int{2, 64, 2, 64}, "AttnTiled"},
		{"unaligned head_dim, short sequence, no GQA", runtime.BSHD, []int{2, 16, 4, 12}, []int{2, 16, 4, 12}, "AttnSmall"},
		{"unaligned head_dim in BHSD needs the reference", runtime.BHSD, []int{2, 4, 16, 12}, []int{2, 4, 16, 12}, "AttnRef"},
		{"unaligned GQA needs the reference", runtime.BSHD, []int{2, 16, 8, 12}, []int{2, 16, 2, 12}, "AttnRef"},
		{"a long sequence rules out the small kernel", runtime.BSHD, []int{1, 200, 4, 12}, []int{1, 200, 4, 12}, "AttnRef"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testkernels.Reset()
			q := tensor(t, runtime.Float32, tc.layout, tc.q...)
			k := tensor(t, runtime.Float32, tc.layout, tc.k...)
			require.NoError(t, attention.Attention(q, k, k, q, 0.125, 0))
			assert.Equal(t, []string{tc.want}, testkernels.Calls())
		})
	}
}

func TestAttentionCUDAKernelFallsBackWithoutDriver(t *testing.T) {
	if cuda.Available() {
		t.Skip("a CUDA driver is present")
	}
	testkernels.Reset()
	q := deviceTensor(t, runtime.Float16, runtime.BSHD, 2, 64, 8, 64)

	err := attention.Attention(q, q, q, q, 0.125, 0)
	var none *runtime.NoKernelError
	require.ErrorAs(t, err, &none, "SM 0 is too old for the flash kernel")

	runtime.SetDeviceSM(0, 80)
	t.Cleanup(func() { runtime.SetDeviceSM(0, 0) })
	err = attention.Attention(q, q, q, q, 0.125, 0)
	var exhausted *runtime.FallbackExhaustedError
	require.ErrorAs(t, err, &exhausted, "the launch fails and no other kernel accepts device tensors")
	assert.ErrorIs(t, err, cuda.ErrNoDriver)
	assert.Equal(t, "attn_flash", exhausted.Attempts[0].Kernel)
}

func TestPolicyBakedOrder(t *testing.T) {
	testkernels.Reset()
	wide := tensor(t, runtime.Float32, runtime.LayoutRowMajor, 32, 4)
	require.NoError(t, policy.Scale(wide, wide, 1))
	assert.Equal(t, []string{"ScaleWide"}, testkernels.Calls(), "the lock comes first")

	testkernels.Reset()
	testkernels.Fail("ScaleWide", errBroken)
	require.NoError(t, policy.Scale(wide, wide, 1))
	assert.Equal(t, []string{"ScaleWide", "Panics", "ScaleRef"}, testkernels.Calls(),
		"the chain follows the lock; a panicking kernel counts as a failure")

	testkernels.Reset()
	require.NoError(t, policy.ScaleFused(wide, wide, 1))
	assert.Equal(t, []string{"ScaleRef"}, testkernels.Calls(), "the denied kernel never runs")
}

func TestRegistryInvoke(t *testing.T) {
	testkernels.Reset()
	x := tensor(t, runtime.Float32, runtime.LayoutRowMajor, 4, 4)
	require.NoError(t, basic.Registry.Invoke(basic.KernelScaleWide, &basic.ScaleArgs{X: x, Out: x, Alpha: 1}))
	assert.Equal(t, []string{"ScaleWide"}, testkernels.Calls())
	assert.ErrorIs(t, basic.Registry.Invoke(basic.KernelScaleWide, "not args"), runtime.ErrInvalidArgument)
	assert.ErrorIs(t, policy.Registry.Invoke(policy.KernelFusedRef, &policy.ScaleArgs{X: x, Out: x}), runtime.ErrInvalidArgument,
		"a kernel of another op")
	var panicked *runtime.PanicError
	require.ErrorAs(t, policy.Registry.Invoke(policy.KernelScalePanics, &policy.ScaleArgs{X: x, Out: x}), &panicked)
	assert.Equal(t, "kernel bug", panicked.Value)
}

func TestStaticDispatcherMode(t *testing.T) {
	d, err := basic.NewDispatcher(runtime.WithMode(runtime.ModeStatic))
	require.NoError(t, err)
	defer d.Close()
	testkernels.Reset()
	x := tensor(t, runtime.Float16, runtime.LayoutRowMajor, 8, 4)
	require.NoError(t, d.Scale(x, x, 2))
	assert.Equal(t, []string{"ScaleFast"}, testkernels.Calls())
}
