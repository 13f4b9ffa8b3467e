// Command lzgen compiles a kernel manifest (kernels.yaml) into Go static
// dispatchers, the registration table the lzgen runtime uses, and a C header
// for CUDA kernels. It is meant for go:generate:
//
//	//go:generate go run github.com/layerzero/lzgen/cmd/lzgen -manifest kernels.yaml
//
// Usage:
//
//	lzgen -manifest kernels.yaml [-out dir] [-cuda-header path] [-check]
//	lzgen explain -manifest kernels.yaml -op name [-ctx field=value,...] [-rules rules.yaml] [-assume-cuda]
//	lzgen vet-rules -manifest kernels.yaml [-strict] rules.yaml [more.yaml ...]
//	lzgen -version
//
// explain prints what the runtime engine would do for one call: every kernel
// of the operation, accepted or rejected with reasons, and the try order
// (DYNAMIC mode, or CONFIG mode under -rules). -assume-cuda explains as on a
// machine with a CUDA driver. vet-rules checks rules files against the
// manifest and prints their errors and warnings.
//
// Exit codes: 0 success, 1 diagnostics (or stale files with -check, rules
// errors, or warnings with vet-rules -strict), 2 usage.
package main

import (
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
