package cpu

import "github.com/layerzero/lzgen/runtime"

// swigluChunk is the number of elements one SwiGLU work item converts and
// computes at a time.
const swigluChunk = 1024

// SwiGLU computes the gated activation out = silu(gate)·up element by
// element, where silu(g) = g / (1 + e^-g). gate, up and out have one shape
// and one dtype (any rank); out may be gate or up itself.
func SwiGLU(gate, up, out runtime.Tensor) error {
	gateOp, upOp, outOp := operand{"gate", gate}, operand{"up", up}, operand{"out", out}
	if err := checkOperands(gateOp, upOp, outOp); err != nil {
		return err
	}
	if err := checkSameShape(upOp, gateOp); err != nil {
		return err
	}
	if err := checkSameShape(outOp, gateOp); err != nil {
		return err
	}
	gs, us, os, total := storageOf(gate), storageOf(up), storageOf(out), gate.Numel()
	parallel((total+swigluChunk-1)/swigluChunk, 20*swigluChunk, func(lo, hi int) {
		scratch := getScratch(3 * swigluChunk)
		defer putScratch(scratch)
		buf := *scratch
		for c := lo; c < hi; c++ {
			off := c * swigluChunk
			n := min(swigluChunk, total-off)
			g, u := gs.load(off, n, buf), us.load(off, n, buf[swigluChunk:])
			o := os.target(off, n, buf[2*swigluChunk:])
			for i, x := range g {
				o[i] = x / (1 + exp32(-x)) * u[i]
			}
			os.store(off, o)
		}
	})
	return nil
}
