package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

// ropeTables returns float32 cos and sin tables [seq, headDim/2] for the
// usual frequencies base^(-2i/headDim), and their stored values.
func ropeTables(t *testing.T, seq, headDim int) (cos, sin runtime.Tensor, cv, sv []float64) {
	cos = newTensor(t, runtime.Float32, runtime.LayoutRowMajor, seq, headDim/2)
	sin = newTensor(t, runtime.Float32, runtime.LayoutRowMajor, seq, headDim/2)
	angles := make([]float64, seq*headDim/2)
	for p := range seq {
		for i := range headDim / 2 {
			angles[p*headDim/2+i] = float64(p) * math.Pow(10000, -2*float64(i)/float64(headDim))
		}
	}
	c, s := make([]float64, len(angles)), make([]float64, len(angles))
	for i, a := range angles {
		c[i], s[i] = math.Cos(a), math.Sin(a)
	}
	fill(cos, c)
	fill(sin, s)
	return cos, sin, values(cos), values(sin)
}

// naiveRoPE is the float64 reference of RoPE.
func naiveRoPE(s attentionShape, layout runtime.Layout, x, cos, sin []float64, interleaved bool) []float64 {
	out := make([]float64, len(x))
	half := s.headDim / 2
	for b := range s.batch {
		for p := range s.seqQ {
			for h := range s.heads {
				o := s.offset(layout, s.seqQ, s.heads, b, p, h)
				for i := range half {
					first, second := o+i, o+i+half
					if interleaved {
						first, second = o+2*i, o+2*i+1
					}
					c, sn := cos[p*half+i], sin[p*half+i]
					out[first] = x[first]*c - x[second]*sn
					out[second] = x[second]*c + x[first]*sn
				}
			}
		}
	}
	return out
}

func TestRoPEMatchesReference(t *testing.T) {
	shapes := []attentionShape{{1, 1, 0, 1, 0, 2}, {2, 5, 0, 3, 0, 8}, {1, 33, 0, 4, 0, 64}, {2, 7, 0, 2, 0, 6}, {2, 64, 0, 4, 0, 64}}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range shapes {
		for _, layout := range []runtime.Layout{runtime.BSHD, runtime.BHSD} {
			for _, dt := range dtypes {
				for _, interleaved := range []bool{false, true} {
					for _, inPlace := range []bool{false, true} {
						name := fmt.Sprintf("b%d_s%d_h%d_d%d/%v/%v/interleaved=%v/inplace=%v", s.batch, s.seqQ, s.heads, s.headDim, layout, dt, interleaved, inPlace)
						t.Run(name, func(t *testing.T) {
							x, xv := randomTensor(t, rng, dt, layout, 2, s.dims(layout, s.seqQ, s.heads)...)
							cos, sin, cv, sv := ropeTables(t, s.seqQ, s.headDim)
							out := x
							if !inPlace {
								out = newTensor(t, dt, layout, s.dims(layout, s.seqQ, s.heads)...)
							}
							if err := RoPE(x, cos, sin, out, interleaved); err != nil {
								t.Fatal(err)
							}
							assertClose(t, out, naiveRoPE(s, layout, xv, cv, sv, interleaved))
						})
					}
				}
			}
		}
	}
}
