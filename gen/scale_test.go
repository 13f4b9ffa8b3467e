package gen

import (
	"fmt"
	"strings"
	"testing"
)

// largeManifest has n kernels spread over n/100 operations, each kernel
// with distinct constraints.
func largeManifest(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\npackage: large\noperations:\n")
	ops := max(1, n/100)
	for o := range ops {
		fmt.Fprintf(&b, "  op%d:\n    params: [{name: x, type: tensor}, {name: alpha, type: float32}]\n    context: {dtype: x.DType(), batch_size: x.Rows(), head_dim: x.Dim(-1)}\n    reference: k%d\n", o, o)
	}
	b.WriteString("kernels:\n")
	for k := range n {
		fmt.Fprintf(&b, "  k%d:\n    op: op%d\n    backend: cpu\n    priority: %d\n    when: {batch_size: {max: %d}, head_dim: {multiple: 8}}\n    cpu: {func: example.com/kernels.K%d}\n", k, k%ops, k, k+1, k)
	}
	return []byte(b.String())
}

// BenchmarkGenerate10000Kernels measures a 10,000-kernel manifest (DESIGN §7:
// at most 2 s).
func BenchmarkGenerate10000Kernels(b *testing.B) {
	src := largeManifest(10000)
	b.ResetTimer()
	for b.Loop() {
		out, diags := Generate(Input{Manifest: "kernels.yaml", Source: src, ImportPath: "example.com/large"})
		if diags.HasErrors() || len(out.Files) == 0 {
			b.Fatalf("generation failed:\n%s", diags)
		}
	}
}
