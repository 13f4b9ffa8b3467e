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

// do dispatches step name of op by calling call, a Result variant of the
// Dispatcher, and records the kernel that served it. After the first error
// later steps are neither dispatched nor recorded, so a failed pass stops
// there instead of running the rest of the block on a missing output (and
// counting those calls in the engine's telemetry); the block checks err
// before it uses a step's output.
func (s *stepper) do(name, op string, call func() (runtime.Result, error)) {
	if s.err != nil {
		return
	}
	res, err := call()
	if err != nil {
		s.err = fmt.Errorf("step %s (%s): %w", name, op, err)
		return
	}
	s.steps = append(s.steps, Step{Name: name, Op: op, Kernel: res.KernelName, Fallback: res.Fallback, Cached: res.Cached})
}
