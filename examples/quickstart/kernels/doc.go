// Package kernels is the quickstart's generated dispatch package: lzgen
// compiles kernels.yaml into static dispatchers (AttentionCausal, RMSNorm,
// ...), the registration table Registry and the engine-backed Dispatcher.
package kernels

//go:generate go run github.com/layerzero/lzgen/cmd/lzgen -manifest kernels.yaml -cuda-header ../../../kernels/cuda/lz_kernels.h
