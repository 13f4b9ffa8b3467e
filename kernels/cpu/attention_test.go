package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

// attentionShape is the geometry of one attention test case.
type attentionShape struct{ batch, seqQ, seqK, heads, kvHeads, headDim int }

func (s attentionShape) String() string {
	return fmt.Sprintf("b%d_sq%d_sk%d_h%d_kv%d_d%d", s.batch, s.seqQ, s.seqK, s.heads, s.kvHeads, s.headDim)
}

// dims returns the tensor shape of seq positions and heads in the layout.
func (s attentionShape) dims(layout runtime.Layout, seq, heads int) []int {
	if layout == runtime.BHSD {
		return []int{s.batch, heads, seq, s.headDim}
	}
	return []int{s.batch, seq, heads, s.headDim}
}

// offset returns the element index of (b, pos, h, 0) in a tensor of the
// layout with seq positions and heads.
func (s attentionShape) offset(layout runtime.Layout, seq, heads, b, pos, h int) int {
	if layout == runtime.BHSD {
		return ((b*heads+h)*seq + pos) * s.headDim
	}
	return ((b*seq+pos)*heads + h) * s.headDim
}

// naiveAttention is the float64 reference: softmax(scale·q·kᵀ)·v per
// batch and head, the causal mask aligned to the end of the keys.
func naiveAttention(s attentionShape, layout runtime.Layout, q, k, v []float64, scale float64, causal bool) []float64 {
	out := make([]float64, len(q))
	group := s.heads / s.kvHeads
	for b := range s.batch {
		for h := range s.heads {
			for i := range s.seqQ {
				qo := s.offset(layout, s.seqQ, s.heads, b, i, h)
				n := s.seqK
				if causal {
					n = min(s.seqK, max(0, i+s.seqK-s.seqQ+1))
				}
				scores := make([]float64, n)
				best := math.Inf(-1)
				for j := range n {
					ko := s.offset(layout, s.seqK, s.kvHeads, b, j, h/group)
					for x := range s.headDim {
						scores[j] += q[qo+x] * k[ko+x]
					}
					scores[j] *= scale
					best = math.Max(best, scores[j])
				}
				sum := 0.0
				for j := range n {
					scores[j] = math.Exp(scores[j] - best)
					sum += scores[j]
				}
				for j := range n {
					vo := s.offset(layout, s.seqK, s.kvHeads, b, j, h/group)
					for x := range s.headDim {
						out[qo+x] += scores[j] / sum * v[vo+x]
					}
				}
			}
		}
	}
	return out
}

// attentionKernels are the four attention kernels under test.
var attentionKernels = []struct {
	name   string
	fn     func(q, k, v, out runtime.Tensor, scale float32) error
	causal bool
}{
	{"AttentionCausal", AttentionCausal, true},
	{"AttentionCausalTiled", AttentionCausalTiled, true},
	{"AttentionFull", AttentionFull, false},
	{"AttentionFullTiled", AttentionFullTiled, false},
}

func TestAttentionMatchesReference(t *testing.T) {
	shapes := []attentionShape{
		{1, 1, 1, 1, 1, 1},
		{2, 5, 5, 4, 2, 8},
		{1, 3, 7, 6, 3, 16},    // decode-like: fewer queries than keys
		{2, 17, 33, 4, 1, 24},  // multi-query attention
		{1, 70, 70, 2, 2, 40},  // several key tiles and query blocks
		{1, 7, 3, 2, 1, 8},     // more queries than keys: early causal rows see nothing
		{1, 9, 130, 8, 2, 13},  // odd head_dim, keys spanning three tiles
		{3, 40, 40, 16, 16, 8}, // many heads, one query block per head group
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kern := range attentionKernels {
		for _, s := range shapes {
			for _, layout := range []runtime.Layout{runtime.BSHD, runtime.BHSD} {
				for _, dt := range dtypes {
					t.Run(fmt.Sprintf("%s/%v/%v/%v", kern.name, s, layout, dt), func(t *testing.T) {
						q, qv := randomTensor(t, rng, dt, layout, 1, s.dims(layout, s.seqQ, s.heads)...)
						k, kv := randomTensor(t, rng, dt, layout, 1, s.dims(layout, s.seqK, s.kvHeads)...)
						v, vv := randomTensor(t, rng, dt, layout, 1, s.dims(layout, s.seqK, s.kvHeads)...)
						out := newTensor(t, dt, layout, s.dims(layout, s.seqQ, s.heads)...)
						if err := kern.fn(q, k, v, out, 0); err != nil {
							t.Fatal(err)
						}
						assertClose(t, out, naiveAttention(s, layout, qv, kv, vv, 1/math.Sqrt(float64(s.headDim)), kern.causal))
					})
				}
			}
		}
	}
}

func TestAttentionExplicitScale(t *testing.T) {
	s := attentionShape{2, 6, 9, 4, 2, 16}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kern := range attentionKernels {
		t.Run(kern.name, func(t *testing.T) {
			q, qv := randomTensor(t, rng, runtime.Float32, runtime.BSHD, 2, s.dims(runtime.BSHD, s.seqQ, s.heads)...)
			k, kv := randomTensor(t, rng, runtime.Float32, runtime.BSHD, 2, s.dims(runtime.BSHD, s.seqK, s.kvHeads)...)
			v, vv := randomTensor(t, rng, runtime.Float32, runtime.BSHD, 2, s.dims(runtime.BSHD, s.seqK, s.kvHeads)...)
			out := newTensor(t, runtime.Float32, runtime.BSHD, s.dims(runtime.BSHD, s.seqQ, s.heads)...)
			if err := kern.fn(q, k, v, out, 0.7); err != nil {
				t.Fatal(err)
			}
			assertClose(t, out, naiveAttention(s, runtime.BSHD, qv, kv, vv, float64(float32(0.7)), kern.causal))
		})
	}
}
