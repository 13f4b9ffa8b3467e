// Package testptx is the cuda.ptx_package of the golden manifests: PTX
// modules declaring their cuda kernels' entry points with the parameter
// types the generated C header gives them. The kernels do nothing; launch
// tests run them on the fake driver (runtime/cuda/cudatest), which records
// the argument bytes each launch packs.
package testptx

import (
	"embed"

	"github.com/layerzero/lzgen/runtime/cuda"
)

//go:embed ptx
var ptxFS embed.FS

// PTX serves ptx/<module>.ptx for each module <module>.cu of the goldens.
var PTX = cuda.NewModuleSet(ptxFS, "ptx")
