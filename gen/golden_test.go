package gen

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const goldenDir = "../testdata/golden"

// loader is shared by every case so go/packages loads the test kernels once.
var loader = sync.OnceValue(func() *PackageLoader { return NewPackageLoader(".") })

// goldenInput is how the golden tests run the generator on a case: the
// output goes to <case>/out, a real package of the module, so the success
// cases compile and gen/goldenrun dispatches through them.
func goldenInput(t testing.TB, name string, funcs FuncResolver) Input {
	t.Helper()
	dir := filepath.Join(goldenDir, name)
	src, err := os.ReadFile(filepath.Join(dir, "kernels.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return Input{
		Manifest:   filepath.Join(dir, "kernels.yaml"),
		Source:     src,
		OutDir:     filepath.Join(dir, "out"),
		ImportPath: "github.com/layerzero/lzgen/testdata/golden/" + name + "/out",
		CUDAHeader: "lz_kernels.h",
		Funcs:      funcs,
	}
}

func goldenCases(t *testing.T) []string {
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(goldenDir, e.Name(), "kernels.yaml")); err == nil {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestGolden generates every case and compares the output byte for byte:
// the Go files and C header of success cases (under out/), the diagnostics
// of error cases (stderr.txt).
func TestGolden(t *testing.T) {
	names := goldenCases(t)
	if len(names) < 12 {
		t.Fatalf("only %d golden cases, want at least 12", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			in := goldenInput(t, name, loader())
			out, diags := Generate(in)
			stderrPath := filepath.Join(goldenDir, name, "stderr.txt")
			if diags.HasErrors() {
				compareGolden(t, stderrPath, []byte(diags.String()))
				if _, err := os.Stat(in.OutDir); err == nil {
					t.Errorf("error case %s has an out/ directory", name)
				}
				return
			}
			if _, err := os.Stat(stderrPath); err == nil {
				t.Errorf("success case has a stderr.txt; diagnostics:\n%s", diags)
			}
			if len(diags) > 0 {
				t.Errorf("unexpected warnings:\n%s", diags)
			}
			for file, content := range out.Files {
				compareGolden(t, filepath.Join(in.OutDir, file), content)
			}
			entries, _ := os.ReadDir(in.OutDir)
			for _, e := range entries {
				if _, ok := out.Files[e.Name()]; !ok && !strings.HasSuffix(e.Name(), "_test.go") {
					if *update {
						os.Remove(filepath.Join(in.OutDir, e.Name()))
						continue
					}
					t.Errorf("%s is not generated any more (run go test ./gen -update)", e.Name())
				}
			}
		})
	}
}

// compareGolden checks got against the golden file at path, rewriting it
// with -update.
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./gen -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the generated output (run go test ./gen -update if the change is intended):\n%s", path, lineDiff(want, got))
	}
}

// lineDiff shows the first differing lines of want and got with context.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	for j := max(0, i-2); j < i; j++ {
		fmt.Fprintf(&b, "  %4d  %s\n", j+1, w[j])
	}
	for j := i; j < min(len(w), i+5); j++ {
		fmt.Fprintf(&b, "- %4d  %s\n", j+1, w[j])
	}
	for j := i; j < min(len(g), i+5); j++ {
		fmt.Fprintf(&b, "+ %4d  %s\n", j+1, g[j])
	}
	return b.String()
}

// TestGenerateDeterministic generates every golden case and the quickstart
// manifest twice and requires identical diagnostics and bytes.
func TestGenerateDeterministic(t *testing.T) {
	const quickstart = "../examples/quickstart/kernels/kernels.yaml"
	src, err := os.ReadFile(quickstart)
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]Input{"quickstart": {Manifest: quickstart, Source: src, OutDir: filepath.Dir(quickstart),
		ImportPath: "github.com/layerzero/lzgen/examples/quickstart/kernels", CUDAHeader: "../../../kernels/cuda/lz_kernels.h"}}
	for _, name := range goldenCases(t) {
		inputs[name] = goldenInput(t, name, nil)
	}
	for name, in := range inputs {
		first, d1 := Generate(in)
		second, d2 := Generate(in)
		if d1.String() != d2.String() {
			t.Errorf("%s: diagnostics differ between runs", name)
		}
		if name == "quickstart" && (d1.HasErrors() || len(first.Files) == 0) {
			t.Fatalf("the quickstart manifest does not generate:\n%s", d1)
		}
		keys := slices.Sorted(maps.Keys(first.Files))
		if !slices.Equal(keys, slices.Sorted(maps.Keys(second.Files))) {
			t.Errorf("%s: file sets differ between runs", name)
		}
		for _, k := range keys {
			if !bytes.Equal(first.Files[k], second.Files[k]) {
				t.Errorf("%s: %s differs between runs", name, k)
			}
		}
	}
}
