//go:build gpu

package kcuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/layerzero/lzgen/kernels/cpu"
	"github.com/layerzero/lzgen/runtime"
)

// The GPU tests run every CUDA kernel on device 0 and compare it with the
// CPU reference kernel on the same (dtype-rounded) inputs:
//
//	go test -tags gpu ./kernels/cuda

var allDTypes = []runtime.DType{runtime.Float32, runtime.Float16, runtime.BFloat16}

func TestGPUSwiGLU(t *testing.T) {
	requireGPU(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dt := range allDTypes {
		for _, n := range []int{1, 255, 1024, 1025, 3 * 4097} {
			t.Run(fmt.Sprintf("%v/n=%d", dt, n), func(t *testing.T) {
				gate, up := randomTensor(t, rng, dt, runtime.LayoutRowMajor, n), randomTensor(t, rng, dt, runtime.LayoutRowMajor, n)
				want := zeros(t, dt, runtime.LayoutRowMajor, n)
				if err := cpu.SwiGLU(gate, up, want); err != nil {
					t.Fatal(err)
				}
				got := zeros(t, dt, runtime.LayoutRowMajor, n)
				out := toDevice(t, got)
				launch(t, "swiglu.cu", "lz_swiglu", dim3(ceilDiv(n, 1024), 1, 1), dim3(256, 1, 1),
					toDevice(t, gate), toDevice(t, up), out, int32(dt), int32(n))
				toHost(t, out, got)
				t.Logf("max error %.3g", compare(t, got, want))
			})
		}
	}
}

func TestGPURMSNorm(t *testing.T) {
	requireGPU(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dt := range allDTypes {
		for _, shape := range [][2]int{{1, 7}, {5, 1000}, {33, 4096}} {
			rows, cols := shape[0], shape[1]
			t.Run(fmt.Sprintf("%v/%dx%d", dt, rows, cols), func(t *testing.T) {
				x, w := randomTensor(t, rng, dt, runtime.LayoutRowMajor, rows, cols), randomTensor(t, rng, dt, runtime.LayoutRowMajor, cols)
				const eps = 1e-6
				want := zeros(t, dt, runtime.LayoutRowMajor, rows, cols)
				if err := cpu.RMSNorm(x, w, want, eps); err != nil {
					t.Fatal(err)
				}
				got := zeros(t, dt, runtime.LayoutRowMajor, rows, cols)
				out := toDevice(t, got)
				launch(t, "norm.cu", "lz_rms_norm", dim3(rows, 1, 1), dim3(256, 1, 1),
					toDevice(t, x), toDevice(t, w), out, float32(eps), int32(dt), int32(rows), int32(cols))
				toHost(t, out, got)
				t.Logf("max error %.3g", compare(t, got, want))
			})
		}
	}
}

// ropeTables returns float32 cos and sin tables [seq, dim/2] for base 10000.
func ropeTables(t *testing.T, seq, dim int) (cos, sin runtime.Tensor) {
	cos = zeros(t, runtime.Float32, runtime.LayoutRowMajor, seq, dim/2)
	sin = zeros(t, runtime.Float32, runtime.LayoutRowMajor, seq, dim/2)
	angle := func(i int) float64 {
		pos, k := i/(dim/2), i%(dim/2)
		return float64(pos) * math.Pow(10000, -2*float64(k)/float64(dim))
	}
	setValues(cos, func(i int) float32 { return float32(math.Cos(angle(i))) })
	setValues(sin, func(i int) float32 { return float32(math.Sin(angle(i))) })
	return cos, sin
}

func TestGPURoPE(t *testing.T) {
	requireGPU(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, dt := range allDTypes {
		for _, s := range [][4]int{{1, 1, 1, 2}, {2, 17, 3, 64}, {1, 33, 8, 128}} {
			for _, interleaved := range []bool{false, true} {
				b, seq, h, d := s[0], s[1], s[2], s[3]
				t.Run(fmt.Sprintf("%v/%v/interleaved=%v", dt, s, interleaved), func(t *testing.T) {
					x := randomTensor(t, rng, dt, runtime.BSHD, b, seq, h, d)
					cos, sin := ropeTables(t, seq, d)
					want := zeros(t, dt, runtime.BSHD, b, seq, h, d)
					if err := cpu.RoPE(x, cos, sin, want, interleaved); err != nil {
						t.Fatal(err)
					}
					got := zeros(t, dt, runtime.BSHD, b, seq, h, d)
					out := toDevice(t, got)
					flag := int32(0)
					if interleaved {
						flag = 1
					}
					launch(t, "rope.cu", "lz_rope", dim3(seq, b, 1), dim3(128, 1, 1),
						toDevice(t, x), toDevice(t, cos), toDevice(t, sin), out, flag, int32(dt), int32(b), int32(seq), int32(h), int32(d))
					toHost(t, out, got)
					t.Logf("max error %.3g", compare(t, got, want))
				})
			}
		}
	}
}

func TestGPUAttention(t *testing.T) {
	requireGPU(t)
	rng := rand.New(rand.NewPCG(7, 8))
	type shape struct{ batch, seqQ, seqK, heads, kvHeads int }
	shapes := []shape{{1, 1, 1, 1, 1}, {2, 65, 65, 4, 2}, {1, 17, 130, 8, 8}, {1, 100, 100, 4, 1}, {3, 1, 77, 2, 2}}
	for _, causal := range []bool{true, false} {
		entry, ref := "lz_attention_full", cpu.AttentionFull
		if causal {
			entry, ref = "lz_attention_causal", cpu.AttentionCausal
		}
		for _, dt := range []runtime.DType{runtime.Float16, runtime.BFloat16} {
			for _, d := range []int{64, 128} {
				for _, s := range shapes {
					t.Run(fmt.Sprintf("%s/%v/d=%d/%+v", entry, dt, d, s), func(t *testing.T) {
						q := randomTensor(t, rng, dt, runtime.BSHD, s.batch, s.seqQ, s.heads, d)
						k := randomTensor(t, rng, dt, runtime.BSHD, s.batch, s.seqK, s.kvHeads, d)
						v := randomTensor(t, rng, dt, runtime.BSHD, s.batch, s.seqK, s.kvHeads, d)
						want := zeros(t, dt, runtime.BSHD, s.batch, s.seqQ, s.heads, d)
						if err := ref(q, k, v, want, 0); err != nil {
							t.Fatal(err)
						}
						got := zeros(t, dt, runtime.BSHD, s.batch, s.seqQ, s.heads, d)
						out := toDevice(t, got)
						launch(t, "attention.cu", entry, dim3(ceilDiv(s.seqQ, 64), s.heads, s.batch), dim3(128, 1, 1),
							toDevice(t, q), toDevice(t, k), toDevice(t, v), out, float32(0), int32(dt),
							int32(s.batch), int32(s.seqQ), int32(s.seqK), int32(s.heads), int32(s.kvHeads), int32(d))
						toHost(t, out, got)
						t.Logf("max error %.3g", compare(t, got, want))
					})
				}
			}
		}
	}
}
