// Package kcuda ships lzgen's CUDA kernels as PTX: the .cu sources in this
// directory are compiled by `make ptx` (build-ptx.sh) into ptx/, which is
// embedded here and loaded through runtime/cuda on first use. Generated
// launch wrappers resolve their kernels with PTX.Ref.
package kcuda

import (
	"embed"

	"github.com/layerzero/lzgen/runtime/cuda"
)

//go:embed ptx
var ptxFS embed.FS

// PTX is every module of this directory, as <module>.ptx under ptx/.
var PTX = cuda.NewModuleSet(ptxFS, "ptx")
