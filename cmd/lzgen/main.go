// Command lzgen compiles a kernel manifest (kernels.yaml) into Go static
// dispatchers, the registration table the lzgen runtime uses, and a C header
// for CUDA kernels. It is meant for go:generate:
//
//	//go:generate go run github.com/layerzero/lzgen/cmd/lzgen -manifest kernels.yaml
//
// Usage:
//
//	lzgen -manifest kernels.yaml [-out dir] [-cuda-header path] [-check]
//	lzgen -version
//
// Exit codes: 0 success, 1 diagnostics (or stale files with -check), 2 usage.
package main

import (
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
