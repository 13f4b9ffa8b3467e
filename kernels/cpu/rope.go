package cpu

import "github.com/layerzero/lzgen/runtime"

// RoPE applies rotary position embeddings to x, a BSHD or BHSD tensor of
// any dtype: each pair (a, b) of a head row at position p is rotated by the
// angle whose cosine and sine are cos[p][i] and sin[p][i], giving
// (a·cos - b·sin, b·cos + a·sin). The pairs are (i, i + head_dim/2) in the
// standard (GPT-NeoX) form and (2i, 2i+1) when interleaved (GPT-J). cos and
// sin are float32 [seq_len, head_dim/2]; out has x's shape, layout and
// dtype and may be x itself.
func RoPE(x, cos, sin, out runtime.Tensor, interleaved bool) error {
	xo, oo := operand{"x", x}, operand{"out", out}
	if err := checkOperands(xo, oo); err != nil {
		return err
	}
	if l := x.Layout(); l != runtime.BSHD && l != runtime.BHSD {
		return invalid("x", "layout %v; RoPE needs BSHD or BHSD", l)
	}
	if out.Layout() != x.Layout() {
		return invalid("out", "layout %v differs from x's %v", out.Layout(), x.Layout())
	}
	if err := checkSameShape(oo, xo); err != nil {
		return err
	}
	d, seq := x.HeadDim(), x.SeqLen()
	if d%2 != 0 {
		return invalid("x", "head_dim %d is odd; rotary pairs need an even head_dim", d)
	}
	for _, table := range []operand{{"cos", cos}, {"sin", sin}} {
		if err := checkHost(table.name, table.t); err != nil {
			return err
		}
		if err := checkFloat32(table); err != nil {
			return err
		}
		if table.t.Rank() != 2 || table.t.Dim(0) != seq || table.t.Dim(1) != d/2 {
			return invalid(table.name, "shape %v; want [%d %d] (seq_len, head_dim/2)", table.t.Shape(), seq, d/2)
		}
	}
	xs, os, cs, ss := storageOf(x), storageOf(out), cos.Float32s(), sin.Float32s()
	half := d / 2
	// The first element of pair i is at i·step, the second at i·step + gap.
	step, gap := 1, half
	if interleaved {
		step, gap = 2, 1
	}
	positionOf := func(row int) int { return (row / x.Heads()) % seq }
	if x.Layout() == runtime.BHSD {
		positionOf = func(row int) int { return row % seq }
	}
	parallel(x.Numel()/d, 3*d, func(lo, hi int) {
		scratch := getScratch(2 * d)
		defer putScratch(scratch)
		buf := *scratch
		for r := lo; r < hi; r++ {
			pos := positionOf(r)
			c, s := cs[pos*half:(pos+1)*half], ss[pos*half:(pos+1)*half]
			in := xs.load(r*d, d, buf)
			o := os.target(r*d, d, buf[d:])
			for i := range half {
				a, b := in[i*step], in[i*step+gap]
				o[i*step] = a*c[i] - b*s[i]
				o[i*step+gap] = b*c[i] + a*s[i]
			}
			os.store(r*d, o)
		}
	})
	return nil
}
