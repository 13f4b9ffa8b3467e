package model

import (
	"fmt"

	"github.com/layerzero/lzgen/runtime"
)

// The manifest operations the block dispatches.
const (
	opNormRMS   = "norm.rms"
	opMatmul    = "matmul"
	opRoPE      = "posenc.rope"
	opAttention = "attention.causal"
	opSwiGLU    = "activation.swiglu"
)

// stepper records the steps of a forward pass and stops at the first error,
// so the block reads as a straight list of dispatches.
type stepper struct {
	steps []Step
	err   error
}

// do returns the recorder for step name of op; call it with a Result
// variant's two return values. The first error is kept and later steps are
// not recorded; the block checks err before it uses a step's output.
func (s *stepper) do(name, op string) func(runtime.Result, error) {
	return func(res runtime.Result, err error) {
		if s.err != nil {
			return
		}
		if err != nil {
			s.err = fmt.Errorf("step %s (%s): %w", name, op, err)
			return
		}
		s.steps = append(s.steps, Step{Name: name, Op: op, Kernel: res.KernelName, Fallback: res.Fallback, Cached: res.Cached})
	}
}
