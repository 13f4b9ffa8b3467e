package model

import "github.com/layerzero/lzgen/runtime"

// Ops is the slice of the generated Dispatcher the block calls: the per-call
// Result variants, so that every response can say which kernel served each
// step. The generated *kernels.Dispatcher implements it.
type Ops interface {
	NormRmsResult(x, weight, out runtime.Tensor, eps float32) (runtime.Result, error)
	MatmulResult(a, b, out runtime.Tensor) (runtime.Result, error)
	PosencRopeResult(x, cos, sin, out runtime.Tensor, interleaved bool) (runtime.Result, error)
	AttentionCausalResult(q, k, v, out runtime.Tensor, scale float32) (runtime.Result, error)
	ActivationSwigluResult(gate, up, out runtime.Tensor) (runtime.Result, error)
}
