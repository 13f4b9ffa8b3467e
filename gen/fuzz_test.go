package gen

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzManifest: no input panics the generator, and every diagnostic of a
// failed run carries a valid position.
func FuzzManifest(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(goldenDir, "*", "kernels.yaml"))
	paths = append(paths, "../examples/quickstart/kernels/kernels.yaml")
	for _, p := range paths {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte("version: 1\npackage: p\noperations: {o: {params: [{name: x, type: tensor}], context: {head_dim: \"x.Dim(-1) / (x.Rows() % 3)\"}, reference: k}}\nkernels: {k: {op: o, backend: cpu, cpu: {func: a/b.C}}}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		_, diags := Generate(Input{Manifest: "kernels.yaml", Source: src, ImportPath: "example.com/out", CUDAHeader: "h/lz.h"})
		for _, d := range diags {
			if !d.Pos.Valid() {
				t.Errorf("diagnostic without a valid position: %q", d.String())
			}
		}
	})
}
