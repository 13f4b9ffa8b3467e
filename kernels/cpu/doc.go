// Package cpu holds lzgen's pure-Go kernels: attention (causal and full,
// reference and tiled), RMSNorm, LayerNorm, RoPE, SwiGLU and matmul. They
// are the portable fallback behind every operation and the numerical
// reference the CUDA kernels are tested against.
//
// Every kernel takes host tensors of float32, float16 or bfloat16 storage
// (all tensors of a call in the same dtype unless documented otherwise),
// accumulates in float32, splits its work over runtime.GOMAXPROCS
// goroutines, and returns an error wrapping runtime.ErrInvalidArgument that
// names the offending parameter when the inputs do not fit.
//
// Aliasing: the row-wise kernels (RMSNorm, RMSNormF32, LayerNorm, RoPE,
// SwiGLU) may write out in place over their main input (out identical to x,
// or to gate or up); any other overlap between out and an input, and any
// overlap at all for attention and matmul, gives undefined results.
package cpu
