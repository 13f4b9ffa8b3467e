// Package kernels is the dispatch benchmarks' generated package: lzgen
// compiles kernels.yaml (no-op kernels) into the static dispatcher, the
// registration table and the engine-backed Dispatcher that ./bench measures.
package kernels

//go:generate go run github.com/layerzero/lzgen/cmd/lzgen -manifest kernels.yaml
