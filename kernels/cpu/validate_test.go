package cpu

import (
	"errors"
	"strings"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

func TestInvalidArguments(t *testing.T) {
	f32, f16, bf16 := runtime.Float32, runtime.Float16, runtime.BFloat16
	bshd, bhsd, rowMajor := runtime.BSHD, runtime.BHSD, runtime.LayoutRowMajor
	tensor := func(dt runtime.DType, layout runtime.Layout, shape ...int) runtime.Tensor {
		return newTensor(t, dt, layout, shape...)
	}
	device, err := runtime.FromDevice(0x1000, 0, f32, bshd, 1, 4, 2, 8)
	if err != nil {
		t.Fatal(err)
	}
	transposed, err := tensor(f32, rowMajor, 2, 3).WithStrides(1, 2)
	if err != nil {
		t.Fatal(err)
	}
	q := tensor(f32, bshd, 1, 4, 4, 8)
	kv := tensor(f32, bshd, 1, 6, 2, 8)
	x, w := tensor(f32, rowMajor, 3, 8), tensor(f32, rowMajor, 8)
	rx := tensor(f32, bshd, 1, 4, 2, 8)
	table := tensor(f32, rowMajor, 4, 4)
	nan := float32(0)
	nan /= nan

	cases := []struct {
		name  string
		call  func() error
		param string // the parameter the message must name
		words string // a phrase the message must contain
	}{
		{"attention zero q", func() error { return AttentionCausal(runtime.Tensor{}, kv, kv, q, 0) }, "q", "missing"},
		{"attention device k", func() error { return AttentionFull(q, device, kv, q, 0) }, "k", "device memory"},
		{"attention dtype mismatch", func() error {
			return AttentionCausalTiled(q, kv, tensor(f16, bshd, 1, 6, 2, 8), tensor(f32, bshd, 1, 4, 4, 8), 0)
		}, "v", "dtype float16"},
		{"attention layout mismatch", func() error {
			return AttentionFullTiled(q, kv, tensor(f32, bhsd, 1, 2, 6, 8), tensor(f32, bshd, 1, 4, 4, 8), 0)
		}, "v", "layout BHSD"},
		{"attention row-major q", func() error {
			return AttentionCausal(tensor(f32, rowMajor, 1, 4, 4, 8), tensor(f32, rowMajor, 1, 6, 2, 8), tensor(f32, rowMajor, 1, 6, 2, 8), tensor(f32, rowMajor, 1, 4, 4, 8), 0)
		}, "q", "BSHD or BHSD"},
		{"attention out shape", func() error { return AttentionCausal(q, kv, kv, tensor(f32, bshd, 1, 4, 4, 4), 0) }, "out", "shape"},
		{"attention v shape", func() error {
			return AttentionCausal(q, kv, tensor(f32, bshd, 1, 5, 2, 8), tensor(f32, bshd, 1, 4, 4, 8), 0)
		}, "v", "shape"},
		{"attention batch", func() error {
			k := tensor(f32, bshd, 2, 6, 2, 8)
			return AttentionFull(q, k, k, tensor(f32, bshd, 1, 4, 4, 8), 0)
		}, "k", "batch 2"},
		{"attention head_dim", func() error {
			k := tensor(f32, bshd, 1, 6, 2, 16)
			return AttentionFull(q, k, k, tensor(f32, bshd, 1, 4, 4, 8), 0)
		}, "k", "head_dim 16"},
		{"attention kv heads", func() error {
			k := tensor(f32, bshd, 1, 6, 3, 8)
			return AttentionFullTiled(q, k, k, tensor(f32, bshd, 1, 4, 4, 8), 0)
		}, "k", "do not divide"},
		{"attention scale", func() error { return AttentionCausal(q, kv, kv, tensor(f32, bshd, 1, 4, 4, 8), nan) }, "scale", "not finite"},
		{"rmsnorm weight shape", func() error { return RMSNorm(x, tensor(f32, rowMajor, 7), x, 1e-5) }, "weight", "want [8]"},
		{"rmsnorm weight dtype", func() error { return RMSNorm(x, tensor(bf16, rowMajor, 8), x, 1e-5) }, "weight", "dtype bfloat16"},
		{"rmsnorm out shape", func() error { return RMSNorm(x, w, tensor(f32, rowMajor, 8, 3), 1e-5) }, "out", "shape"},
		{"rmsnorm eps", func() error { return RMSNorm(x, w, x, -1) }, "eps", "finite value >= 0"},
		{"rmsnorm non-contiguous", func() error { return RMSNorm(transposed, tensor(f32, rowMajor, 3), transposed, 1e-5) }, "x", "not contiguous"},
		{"rmsnorm f32 only", func() error {
			return RMSNormF32(tensor(f16, rowMajor, 3, 8), tensor(f16, rowMajor, 8), tensor(f16, rowMajor, 3, 8), 1e-5)
		}, "x", "float32 only"},
		{"layernorm missing bias", func() error { return LayerNorm(x, w, runtime.Tensor{}, x, 1e-5) }, "bias", "missing"},
		{"layernorm eps", func() error { return LayerNorm(x, w, w, x, nan) }, "eps", "finite"},
		{"rope odd head_dim", func() error {
			odd := tensor(f32, bshd, 1, 4, 2, 7)
			return RoPE(odd, table, table, odd, false)
		}, "x", "odd"},
		{"rope cos shape", func() error { return RoPE(rx, tensor(f32, rowMajor, 3, 4), table, rx, false) }, "cos", "want [4 4]"},
		{"rope sin dtype", func() error { return RoPE(rx, table, tensor(f16, rowMajor, 4, 4), rx, true) }, "sin", "float32 only"},
		{"rope row-major x", func() error {
			flat := tensor(f32, rowMajor, 4, 16)
			return RoPE(flat, table, table, flat, false)
		}, "x", "BSHD or BHSD"},
		{"rope out layout", func() error { return RoPE(rx, table, table, tensor(f32, bhsd, 1, 4, 2, 8), false) }, "out", "layout BHSD"},
		{"swiglu up shape", func() error { return SwiGLU(x, tensor(f32, rowMajor, 3, 9), x) }, "up", "shape"},
		{"swiglu out dtype", func() error { return SwiGLU(x, x, tensor(f16, rowMajor, 3, 8)) }, "out", "dtype float16"},
		{"swiglu device out", func() error { return SwiGLU(q, q, device) }, "out", "device memory"},
		{"matmul rank", func() error { return Matmul(tensor(f32, rowMajor, 2, 3, 4), x, x) }, "a", "rank 3"},
		{"matmul inner", func() error { return Matmul(x, tensor(f32, rowMajor, 7, 2), tensor(f32, rowMajor, 3, 2)) }, "b", "want 8 rows"},
		{"matmul out", func() error { return Matmul(x, tensor(f32, rowMajor, 8, 2), tensor(f32, rowMajor, 3, 3)) }, "out", "want [3 2]"},
		{"matmul blocked f32 only", func() error {
			return MatmulBlocked(tensor(bf16, rowMajor, 3, 8), tensor(bf16, rowMajor, 8, 2), tensor(bf16, rowMajor, 3, 2))
		}, "a", "float32 only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if !errors.Is(err, runtime.ErrInvalidArgument) {
				t.Fatalf("got %v, want an error wrapping runtime.ErrInvalidArgument", err)
			}
			if msg := err.Error(); !strings.Contains(msg, ": "+c.param+": ") || !strings.Contains(msg, c.words) {
				t.Errorf("message %q should name %q and say %q", msg, c.param, c.words)
			}
		})
	}
}
