package gen

import (
	"strings"
	"testing"
)

// ptxManifest is a one-kernel cuda manifest with the given top-level cuda
// section (none when empty).
func ptxManifest(section string) string {
	return "version: 1\npackage: p\n" + section +
		"operations: {o: {params: [{name: x, type: tensor}], reference: k}}\n" +
		"kernels: {k: {op: o, backend: cuda, cuda: {module: k.cu, entry: lz_k, args: [x], grid: [1, 1, 1], block: [32, 1, 1]}}}\n"
}

func TestPTXPackageDiagnostics(t *testing.T) {
	cases := []struct {
		name, section, want string
	}{
		{"missing", "", "kernels.yaml:4:11: kernel k has backend cuda, but the manifest has no top-level cuda section"},
		{"empty", "cuda: {}\n", "kernels.yaml:3:1: the cuda section needs ptx_package"},
		{"not a path", "cuda: {ptx_package: \"a b\"}\n", `kernels.yaml:3:21: "a b" is not a Go import path`},
		{"misspelt", "cuda: {ptx_pkg: a/b}\n", `kernels.yaml:3:8: unknown key "ptx_pkg" in cuda`},
		{"not a string", "cuda: {ptx_package: [a]}\n", "kernels.yaml:3:21: cuda.ptx_package must be a non-empty string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, diags := Generate(Input{Manifest: "kernels.yaml", Source: []byte(ptxManifest(tc.section)), ImportPath: "example.com/p"})
			if !diags.HasErrors() || out.Files != nil {
				t.Fatalf("no error; diagnostics:\n%s", diags)
			}
			if !strings.Contains(diags.String(), tc.want) {
				t.Errorf("diagnostics do not contain %q:\n%s", tc.want, diags)
			}
		})
	}
	if _, diags := Generate(Input{Manifest: "kernels.yaml", Source: []byte(ptxManifest("cuda: {ptx_package: a/b}\n")), ImportPath: "example.com/p"}); diags.HasErrors() {
		t.Errorf("a valid cuda section is rejected:\n%s", diags)
	}
}
