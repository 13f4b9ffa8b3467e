package model

import (
	"fmt"
	"math"

	"github.com/layerzero/lzgen/runtime"
)

// Block is one transformer block with seeded random weights. It is immutable
// after New and safe for concurrent forward passes.
type Block struct {
	cfg      Config
	w        weights
	cos, sin []float32 // RoPE tables, [MaxSeq, HeadDim/2]
}

// New builds a block of the given sizes.
func New(c Config) (*Block, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("model config: %w", err)
	}
	w, err := newWeights(c)
	if err != nil {
		return nil, err
	}
	b := &Block{cfg: c, w: w}
	b.cos, b.sin = ropeTables(c.MaxSeq, c.HeadDim, c.RopeBase)
	return b, nil
}

// Config returns the sizes the block was built with.
func (b *Block) Config() Config { return b.cfg }

// Forward runs the block over hidden states x, [batch, seq, hidden]
// row-major, and returns the new hidden states of the same shape and the
// kernel that served each step:
//
//	h = x + Wo·attention(rope(Wq·norm(x)), rope(Wk·norm(x)), Wv·norm(x))
//	y = h + Wdown·swiglu(Wgate·norm(h), Wup·norm(h))
//
// The residual additions are plain Go loops: the manifest has no add op.
func (b *Block) Forward(ops Ops, x []float32, batch, seq int) ([]float32, []Step, error) {
	c := b.cfg
	if batch <= 0 || seq <= 0 || seq > c.MaxSeq || len(x) != batch*seq*c.Hidden {
		return nil, nil, fmt.Errorf("%w: forward of %d floats as batch %d, seq %d (max %d), hidden %d",
			runtime.ErrInvalidArgument, len(x), batch, seq, c.MaxSeq, c.Hidden)
	}
	rows, attnWidth, kvWidth, half := batch*seq, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim, c.HeadDim/2
	var t tensors
	in := t.matrix(x, rows, c.Hidden)
	normed := t.matrix(nil, rows, c.Hidden)
	q, k, v := t.matrix(nil, rows, attnWidth), t.matrix(nil, rows, kvWidth), t.matrix(nil, rows, kvWidth)
	qh, kh, vh := t.heads(q, batch, seq, c.Heads, c.HeadDim), t.heads(k, batch, seq, c.KVHeads, c.HeadDim), t.heads(v, batch, seq, c.KVHeads, c.HeadDim)
	qr, kr := t.heads(t.matrix(nil, rows, attnWidth), batch, seq, c.Heads, c.HeadDim), t.heads(t.matrix(nil, rows, kvWidth), batch, seq, c.KVHeads, c.HeadDim)
	cos, sin := t.matrix(b.cos[:seq*half], seq, half), t.matrix(b.sin[:seq*half], seq, half)
	attn := t.matrix(nil, rows, attnWidth)
	attnHeads := t.heads(attn, batch, seq, c.Heads, c.HeadDim)
	proj, out := t.matrix(nil, rows, c.Hidden), t.matrix(nil, rows, c.Hidden)
	gate, up, act := t.matrix(nil, rows, c.FFN), t.matrix(nil, rows, c.FFN), t.matrix(nil, rows, c.FFN)
	if t.err != nil {
		return nil, nil, t.err
	}

	run := stepper{steps: make([]Step, 0, 13)}
	run.do("attn_norm", opNormRMS, func() (runtime.Result, error) { return ops.NormRmsResult(in, b.w.attnNorm, normed, c.Eps) })
	run.do("q_proj", opMatmul, func() (runtime.Result, error) { return ops.MatmulResult(normed, b.w.wq, q) })
	run.do("k_proj", opMatmul, func() (runtime.Result, error) { return ops.MatmulResult(normed, b.w.wk, k) })
	run.do("v_proj", opMatmul, func() (runtime.Result, error) { return ops.MatmulResult(normed, b.w.wv, v) })
	run.do("q_rope", opRoPE, func() (runtime.Result, error) { return ops.PosencRopeResult(qh, cos, sin, qr, false) })
	run.do("k_rope", opRoPE, func() (runtime.Result, error) { return ops.PosencRopeResult(kh, cos, sin, kr, false) })
	scale := float32(1 / math.Sqrt(float64(c.HeadDim)))
	run.do("attention", opAttention, func() (runtime.Result, error) { return ops.AttentionCausalResult(qr, kr, vh, attnHeads, scale) })
	run.do("o_proj", opMatmul, func() (runtime.Result, error) { return ops.MatmulResult(attn, b.w.wo, proj) })
	if run.err != nil {
		return nil, run.steps, run.err
	}
	hidden := addInto(proj.Float32s(), x) // proj now holds h, the residual stream
	run.do("mlp_norm", opNormRMS, func() (runtime.Result, error) { return ops.NormRmsResult(proj, b.w.mlpNorm, normed, c.Eps) })
	run.do("gate_proj", opMatmul, func() (runtime.Result, error) { return ops.MatmulResult(normed, b.w.wGate, gate) })
	run.do("up_proj", opMatmul, func() (runtime.Result, error) { return ops.MatmulResult(normed, b.w.wUp, up) })
	run.do("swiglu", opSwiGLU, func() (runtime.Result, error) { return ops.ActivationSwigluResult(gate, up, act) })
	run.do("down_proj", opMatmul, func() (runtime.Result, error) { return ops.MatmulResult(act, b.w.wDown, out) })
	if run.err != nil {
		return nil, run.steps, run.err
	}
	return addInto(out.Float32s(), hidden), run.steps, nil
}

// addInto adds src to dst element-wise (the residual connection) and returns dst.
func addInto(dst, src []float32) []float32 {
	for i := range dst {
		dst[i] += src[i]
	}
	return dst
}
