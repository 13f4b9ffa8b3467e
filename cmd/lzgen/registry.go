package main

import (
	"fmt"
	"io"
	"os"

	"github.com/layerzero/lzgen/gen"
	"github.com/layerzero/lzgen/runtime"
)

// loadRegistry compiles the manifest at path into its registration table
// for the subcommands that reason about selection offline. It prints the
// manifest's diagnostics, positioned at path as the user gave it; ok is
// false when there were errors.
func loadRegistry(path string, stderr io.Writer) (reg *runtime.Registry, ok bool) {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "lzgen: %v\n", err)
		return nil, false
	}
	reg, diags := gen.BuildRegistry(path, src)
	for i := range diags {
		diags[i].Pos.File = path
	}
	fmt.Fprint(stderr, diags.String())
	return reg, !diags.HasErrors()
}
