// Package noop holds kernels that do nothing, so that the dispatch
// benchmarks measure dispatch and not arithmetic.
package noop

import "github.com/layerzero/lzgen/runtime"

// Attention accepts attention arguments and returns at once.
//
//go:noinline
func Attention(q, k, v, out runtime.Tensor, scale float32) error { return nil }
