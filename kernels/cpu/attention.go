package cpu

import (
	"math"

	"github.com/layerzero/lzgen/runtime"
)

// headStrides locates rows of head_dim elements in a BSHD or BHSD tensor.
type headStrides struct{ batch, seq, head int }

func headStridesOf(t runtime.Tensor) headStrides {
	if t.Layout() == runtime.BHSD {
		return headStrides{batch: t.Stride(0), seq: t.Stride(2), head: t.Stride(1)}
	}
	return headStrides{batch: t.Stride(0), seq: t.Stride(1), head: t.Stride(2)}
}

// row returns the element offset of the head_dim row of (batch b, position
// pos, head h).
func (s headStrides) row(b, pos, h int) int { return b*s.batch + pos*s.seq + h*s.head }

// attention is one validated attention call: the operands' storage and
// geometry, shared by the reference and the tiled kernels.
type attention struct {
	q, k, v, out            storage
	qRows, kvRows           headStrides // out is laid out like q, v like k
	batch, seqQ, seqK       int
	heads, kvHeads, headDim int
	group                   int     // query heads per KV head
	scale                   float32 // applied to q·k
	causal                  bool
}

// newAttention validates an attention call. q, k, v and out must be host
// tensors of one dtype and one layout (BSHD or BHSD); k and v have the same
// shape; out has q's shape; q's heads are a multiple of k's (GQA).
func newAttention(q, k, v, out runtime.Tensor, scale float32, causal bool) (attention, error) {
	ops := []operand{{"q", q}, {"k", k}, {"v", v}, {"out", out}}
	if err := checkOperands(ops...); err != nil {
		return attention{}, err
	}
	if l := q.Layout(); l != runtime.BSHD && l != runtime.BHSD {
		return attention{}, invalid("q", "layout %v; attention needs BSHD or BHSD", l)
	}
	for _, op := range ops[1:] {
		if op.t.Layout() != q.Layout() {
			return attention{}, invalid(op.name, "layout %v differs from q's %v", op.t.Layout(), q.Layout())
		}
	}
	if err := checkSameShape(ops[3], ops[0]); err != nil {
		return attention{}, err
	}
	if err := checkSameShape(ops[2], ops[1]); err != nil {
		return attention{}, err
	}
	switch {
	case k.Batch() != q.Batch():
		return attention{}, invalid("k", "batch %d differs from q's %d", k.Batch(), q.Batch())
	case k.HeadDim() != q.HeadDim():
		return attention{}, invalid("k", "head_dim %d differs from q's %d", k.HeadDim(), q.HeadDim())
	case q.Heads()%k.Heads() != 0:
		return attention{}, invalid("k", "%d KV heads do not divide q's %d heads", k.Heads(), q.Heads())
	case math.IsNaN(float64(scale)) || math.IsInf(float64(scale), 0):
		return attention{}, invalid("scale", "%v is not finite", scale)
	}
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(q.HeadDim())))
	}
	return attention{
		q: storageOf(q), k: storageOf(k), v: storageOf(v), out: storageOf(out),
		qRows: headStridesOf(q), kvRows: headStridesOf(k),
		batch: q.Batch(), seqQ: q.SeqLen(), seqK: k.SeqLen(),
		heads: q.Heads(), kvHeads: k.Heads(), headDim: q.HeadDim(),
		group: q.Heads() / k.Heads(), scale: scale, causal: causal,
	}, nil
}

// keyLimit returns how many keys query i attends to. Causal attention
// aligns the queries with the end of the keys (query i sees keys
// j <= i + seqK - seqQ), as flash-attention does for decoding; a query
// that sees no key at all gets a zero output row.
func (a *attention) keyLimit(i int) int {
	if !a.causal {
		return a.seqK
	}
	return min(a.seqK, max(0, i+a.seqK-a.seqQ+1))
}

// AttentionCausal is the reference causal attention kernel:
// out = softmax(scale·q·kᵀ + causal mask)·v for every batch and head,
// computed plainly one query at a time. q, k, v, out are BSHD or BHSD (all
// the same layout and dtype: float32, float16 or bfloat16); k and v may have
// fewer heads than q (grouped-query attention: query head h reads KV head
// h/(heads/kv_heads)); seq_len_q may be shorter than seq_len_k, the queries
// then being the last positions. scale 0 means 1/sqrt(head_dim).
func AttentionCausal(q, k, v, out runtime.Tensor, scale float32) error {
	return attend(q, k, v, out, scale, true, (*attention).runReference)
}

// AttentionFull is the reference attention kernel without a mask; see
// AttentionCausal for the arguments.
func AttentionFull(q, k, v, out runtime.Tensor, scale float32) error {
	return attend(q, k, v, out, scale, false, (*attention).runReference)
}

// attend validates an attention call and computes it with run.
func attend(q, k, v, out runtime.Tensor, scale float32, causal bool, run func(*attention)) error {
	a, err := newAttention(q, k, v, out, scale, causal)
	if err != nil {
		return err
	}
	run(&a)
	return nil
}

// runReference computes the attention one (batch, head) per work item and
// one query at a time: scores, softmax, weighted sum of values.
func (a *attention) runReference() {
	d := a.headDim
	parallel(a.batch*a.heads, 4*a.seqQ*a.seqK*d, func(lo, hi int) {
		scratch := getScratch(a.seqK + 4*d)
		defer putScratch(scratch)
		buf := *scratch
		scores, qBuf, kBuf, acc := buf[:a.seqK], buf[a.seqK:][:d], buf[a.seqK+d:][:d], buf[a.seqK+2*d:][:d]
		vBuf := buf[a.seqK+3*d:][:d]
		for item := lo; item < hi; item++ {
			b, h := item/a.heads, item%a.heads
			kvh := h / a.group
			for i := range a.seqQ {
				qRow := a.q.load(a.qRows.row(b, i, h), d, qBuf)
				n := a.keyLimit(i)
				best := float32(math.Inf(-1))
				for j := range n {
					kRow := a.k.load(a.kvRows.row(b, j, kvh), d, kBuf)
					var s float32
					for x := range d {
						s += qRow[x] * kRow[x]
					}
					scores[j] = s * a.scale
					best = max(best, scores[j])
				}
				clear(acc)
				var sum float32
				for j := range n {
					p := exp32(scores[j] - best)
					sum += p
					vRow := a.v.load(a.kvRows.row(b, j, kvh), d, vBuf)
					for x := range d {
						acc[x] += p * vRow[x]
					}
				}
				a.storeRow(b, i, h, acc, sum)
			}
		}
	})
}

// storeRow writes acc/sum as the output row of (b, i, h); a zero sum (a
// query that sees no key) writes zeros. acc is left unspecified.
func (a *attention) storeRow(b, i, h int, acc []float32, sum float32) {
	var inv float32
	if sum > 0 {
		inv = 1 / sum
	}
	off := a.qRows.row(b, i, h)
	o := a.out.target(off, len(acc), acc)
	for x, v := range acc {
		o[x] = v * inv
	}
	a.out.store(off, o)
}
