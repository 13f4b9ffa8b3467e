package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

// reportFlops adds a GFLOP/s metric for a kernel doing flops per iteration.
func reportFlops(b *testing.B, flops float64) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkAttention compares the reference and tiled kernels side by side
// at LLM shapes: a small prefill, a decode step, and the full-size prefill
// (batch 2, 512 tokens, 32 heads over 8 KV heads, head_dim 128).
func BenchmarkAttention(b *testing.B) {
	shapes := []struct {
		name string
		attentionShape
		dt runtime.DType
	}{
		{"small", attentionShape{1, 128, 128, 8, 2, 64}, runtime.Float32},
		{"small-fp16", attentionShape{1, 128, 128, 8, 2, 64}, runtime.Float16},
		{"decode", attentionShape{2, 1, 512, 32, 8, 128}, runtime.Float32},
		{"llm", attentionShape{2, 512, 512, 32, 8, 128}, runtime.Float32},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range shapes {
		q, _ := randomTensor(b, rng, s.dt, runtime.BSHD, 1, s.dims(runtime.BSHD, s.seqQ, s.heads)...)
		k, _ := randomTensor(b, rng, s.dt, runtime.BSHD, 1, s.dims(runtime.BSHD, s.seqK, s.kvHeads)...)
		v, _ := randomTensor(b, rng, s.dt, runtime.BSHD, 1, s.dims(runtime.BSHD, s.seqK, s.kvHeads)...)
		out := newTensor(b, s.dt, runtime.BSHD, s.dims(runtime.BSHD, s.seqQ, s.heads)...)
		for _, kern := range attentionKernels {
			b.Run(fmt.Sprintf("%s/%s", s.name, kern.name), func(b *testing.B) {
				for b.Loop() {
					if err := kern.fn(q, k, v, out, 0); err != nil {
						b.Fatal(err)
					}
				}
				pairs := float64(s.seqQ) * float64(s.seqK)
				if kern.causal && s.seqQ > 1 {
					pairs /= 2
				}
				reportFlops(b, 4*pairs*float64(s.batch*s.heads*s.headDim))
			})
		}
	}
}

// BenchmarkRMSNorm compares RMSNorm with RMSNormF32 on 1024 rows of 4096.
func BenchmarkRMSNorm(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	x, _ := randomTensor(b, rng, runtime.Float32, runtime.LayoutRowMajor, 1, 1024, 4096)
	w, _ := randomTensor(b, rng, runtime.Float32, runtime.LayoutRowMajor, 1, 4096)
	out := newTensor(b, runtime.Float32, runtime.LayoutRowMajor, 1024, 4096)
	for _, kern := range []struct {
		name string
		fn   func(x, weight, out runtime.Tensor, eps float32) error
	}{{"RMSNorm", RMSNorm}, {"RMSNormF32", RMSNormF32}} {
		b.Run(kern.name, func(b *testing.B) {
			b.SetBytes(int64(3 * 4 * x.Numel()))
			for b.Loop() {
				if err := kern.fn(x, w, out, 1e-5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMatmul compares Matmul with MatmulBlocked on a 512×1024 by
// 1024×1024 float32 product.
func BenchmarkMatmul(b *testing.B) {
	const m, k, n = 512, 1024, 1024
	rng := rand.New(rand.NewPCG(3, 3))
	x, _ := randomTensor(b, rng, runtime.Float32, runtime.LayoutRowMajor, 1, m, k)
	y, _ := randomTensor(b, rng, runtime.Float32, runtime.LayoutRowMajor, 1, k, n)
	out := newTensor(b, runtime.Float32, runtime.LayoutRowMajor, m, n)
	for _, kern := range []struct {
		name string
		fn   func(a, b, out runtime.Tensor) error
	}{{"Matmul", Matmul}, {"MatmulBlocked", MatmulBlocked}} {
		b.Run(kern.name, func(b *testing.B) {
			for b.Loop() {
				if err := kern.fn(x, y, out); err != nil {
					b.Fatal(err)
				}
			}
			reportFlops(b, 2*m*k*n)
		})
	}
}

// BenchmarkElementwise measures the single-kernel operations at a batch of
// 2×512 tokens: LayerNorm and SwiGLU over hidden 4096, RoPE over 32 heads
// of 128, in float32 and bfloat16.
func BenchmarkElementwise(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, dt := range []runtime.DType{runtime.Float32, runtime.BFloat16} {
		x, _ := randomTensor(b, rng, dt, runtime.LayoutRowMajor, 1, 1024, 4096)
		y, _ := randomTensor(b, rng, dt, runtime.LayoutRowMajor, 1, 1024, 4096)
		w, _ := randomTensor(b, rng, dt, runtime.LayoutRowMajor, 1, 4096)
		out := newTensor(b, dt, runtime.LayoutRowMajor, 1024, 4096)
		heads, _ := randomTensor(b, rng, dt, runtime.BSHD, 1, 2, 512, 32, 128)
		headsOut := newTensor(b, dt, runtime.BSHD, 2, 512, 32, 128)
		cos, _ := randomTensor(b, rng, runtime.Float32, runtime.LayoutRowMajor, 1, 512, 64)
		calls := map[string]func() error{
			"LayerNorm": func() error { return LayerNorm(x, w, w, out, 1e-5) },
			"SwiGLU":    func() error { return SwiGLU(x, y, out) },
			"RoPE":      func() error { return RoPE(heads, cos, cos, headsOut, false) },
		}
		for _, name := range []string{"LayerNorm", "SwiGLU", "RoPE"} {
			b.Run(fmt.Sprintf("%s/%v", name, dt), func(b *testing.B) {
				b.SetBytes(int64(2 * dt.Size() * x.Numel()))
				for b.Loop() {
					if err := calls[name](); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
