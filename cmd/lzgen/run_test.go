package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerzero/lzgen/gen"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cudaOnly is a manifest whose kernels are all cuda, so the CLI runs in a
// throwaway module that loads no kernel package besides its PTX package.
const cudaOnly = `version: 1
package: tiny
cuda: {ptx_package: example.com/tiny/ptx}
operations:
  scale:
    params: [{name: x, type: tensor}, {name: alpha, type: float32}]
    context: {batch_size: x.Rows()}
    reference: scale_cuda
kernels:
  scale_cuda:
    op: scale
    backend: cuda
    cuda: {module: scale.cu, entry: lz_scale, args: [x, alpha, batch_size], grid: [batch_size, 1, 1], block: [32, 1, 1]}
`

// tempModule lays out a throwaway module example.com/tiny that uses this
// repository's lzgen (its go.mod is the repository's requirements plus a
// replace directive) and has a PTX package, ptx, whose PTX variable the
// generator checks; it writes manifest to k/kernels.yaml and returns that
// path.
func tempModule(t *testing.T, manifest string) string {
	t.Helper()
	dir := t.TempDir()
	repo, err := filepath.Abs("../..")
	require.NoError(t, err)
	repoMod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	require.NoError(t, err)
	goSum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	require.NoError(t, err)
	_, requirements, ok := strings.Cut(string(repoMod), "\n")
	require.True(t, ok)
	goMod := "module example.com/tiny\n" + requirements +
		"\nrequire github.com/layerzero/lzgen v0.0.0\n\nreplace github.com/layerzero/lzgen => " + repo + "\n"
	ptx := "package ptx\n\nimport \"github.com/layerzero/lzgen/runtime/cuda\"\n\nvar PTX = cuda.NewModuleSet(nil, \"ptx\")\n"
	for name, content := range map[string]string{"go.mod": goMod, "go.sum": string(goSum), "ptx/ptx.go": ptx, "k/kernels.yaml": manifest} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return filepath.Join(dir, "k", "kernels.yaml")
}

func lzgen(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestWriteThenCheck(t *testing.T) {
	manifest := tempModule(t, cudaOnly)
	dir := filepath.Dir(manifest)

	code, _, stderr := lzgen("-manifest", manifest, "-check")
	assert.Equal(t, exitFail, code, "nothing generated yet: stale")
	assert.Contains(t, stderr, "is stale")

	code, _, stderr = lzgen("-manifest", manifest, "-cuda-header", "cuda/lz_kernels.h")
	require.Equal(t, exitOK, code, stderr)
	for _, f := range []string{gen.StaticFile, gen.RegistryFile, gen.DispatcherFile, "cuda/lz_kernels.h"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	static, err := os.ReadFile(filepath.Join(dir, gen.StaticFile))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(static), gen.HeaderLine+"\n// source: kernels.yaml\n"))
	assert.Contains(t, string(static), "package tiny")

	code, _, stderr = lzgen("-manifest", manifest, "-cuda-header", "cuda/lz_kernels.h", "-check")
	assert.Equal(t, exitOK, code, "fresh files pass -check: %s", stderr)

	info, err := os.Stat(filepath.Join(dir, gen.StaticFile))
	require.NoError(t, err)
	code, _, _ = lzgen("-manifest", manifest, "-cuda-header", "cuda/lz_kernels.h")
	require.Equal(t, exitOK, code)
	again, err := os.Stat(filepath.Join(dir, gen.StaticFile))
	require.NoError(t, err)
	assert.Equal(t, info.ModTime(), again.ModTime(), "an unchanged file is not rewritten")

	require.NoError(t, os.WriteFile(filepath.Join(dir, gen.StaticFile), append(static, '\n'), 0o644))
	code, _, stderr = lzgen("-manifest", manifest, "-cuda-header", "cuda/lz_kernels.h", "-check")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, gen.StaticFile+" is stale")
}

func TestStaleGeneratedFilesAreRemoved(t *testing.T) {
	manifest := tempModule(t, cudaOnly)
	dir := filepath.Dir(manifest)
	old := filepath.Join(dir, "zz_generated_old.go")
	require.NoError(t, os.WriteFile(old, []byte(gen.HeaderLine+"\n\npackage tiny\n"), 0o644))
	mine := filepath.Join(dir, "handwritten.go")
	require.NoError(t, os.WriteFile(mine, []byte("package tiny\n"), 0o644))

	code, _, stderr := lzgen("-manifest", manifest)
	require.Equal(t, exitOK, code, stderr)
	assert.NoFileExists(t, old, "a file lzgen generated earlier and no longer produces is removed")
	assert.FileExists(t, mine, "files without lzgen's header are never touched")
}

func TestDiagnosticsExitOne(t *testing.T) {
	manifest := tempModule(t, cudaOnly+"  extra: {op: scal, backend: cpu}\n")
	code, _, stderr := lzgen("-manifest", manifest)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, manifest+":14:")
	assert.Contains(t, stderr, `did you mean "scale"?`)
	entries, err := os.ReadDir(filepath.Dir(manifest))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "nothing is written when there are errors")
}

func TestPTXPackageIsChecked(t *testing.T) {
	manifest := tempModule(t, strings.Replace(cudaOnly, "example.com/tiny/ptx", "example.com/tiny/k", 1))
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(manifest), "doc.go"), []byte("package tiny\n\nvar PTX = 1\n"), 0o644))
	code, _, stderr := lzgen("-manifest", manifest)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, manifest+":3:21: cuda.ptx_package: example.com/tiny/k.PTX is int, want *github.com/layerzero/lzgen/runtime/cuda.ModuleSet")
}

// TestUnloadablePackageReason: a package the user's module cannot provide is
// reported at its manifest line with go/packages' reason, not just "cannot
// load package".
func TestUnloadablePackageReason(t *testing.T) {
	manifest := tempModule(t, strings.Replace(cudaOnly, "example.com/tiny/ptx", "example.com/elsewhere/ptx", 1))
	code, _, stderr := lzgen("-manifest", manifest)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, manifest+`:3:21: cuda.ptx_package: cannot load package "example.com/elsewhere/ptx": no required module provides package example.com/elsewhere/ptx; to add it: go get example.com/elsewhere/ptx (`)
}

func TestUsage(t *testing.T) {
	code, _, stderr := lzgen()
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "usage")
	code, _, _ = lzgen("-bogus")
	assert.Equal(t, exitUsage, code)
	code, _, _ = lzgen("explain")
	assert.Equal(t, exitUsage, code)
	for _, args := range [][]string{{"-h"}, {"explain", "-h"}, {"vet-rules", "-h"}} {
		code, _, stderr = lzgen(args...)
		assert.Equal(t, exitOK, code, "%v asks for help", args)
		assert.Contains(t, stderr, "-manifest", "%v prints the flags", args)
	}
	code, stdout, _ := lzgen("-version")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "lzgen generated-code version 1")
}

// generateDirective is how every generated package of the repository
// invokes lzgen.
const generateDirective = "//go:generate go run github.com/layerzero/lzgen/cmd/lzgen "

// generateCommands finds every lzgen go:generate directive in the
// repository's Go files: the directory of the file and lzgen's arguments.
func generateCommands(t *testing.T, repo string) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	err := filepath.WalkDir(repo, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != repo) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for line := range strings.Lines(string(data)) {
			if args, ok := strings.CutPrefix(strings.TrimSpace(line), strings.TrimSpace(generateDirective)); ok {
				found[filepath.Dir(path)] = strings.Fields(args)
			}
		}
		return nil
	})
	require.NoError(t, err)
	return found
}

// TestRepositoryGeneratedFilesAreFresh runs every lzgen go:generate
// directive of the repository with -check, from the directory it would run
// in, so a stale generated file (the quickstart, the benchmarks' package,
// the CUDA header) fails the tests.
func TestRepositoryGeneratedFilesAreFresh(t *testing.T) {
	repo, err := filepath.Abs("../..")
	require.NoError(t, err)
	commands := generateCommands(t, repo)
	for _, dir := range []string{"examples/quickstart/kernels", "bench/kernels"} {
		require.Contains(t, commands, filepath.Join(repo, dir), "the directive in %s was not found", dir)
	}
	for dir, args := range commands {
		rel, _ := filepath.Rel(repo, dir)
		t.Run(rel, func(t *testing.T) {
			args = slices.Clone(args)
			for i := 0; i+1 < len(args); i++ {
				if args[i] == "-manifest" || args[i] == "-out" {
					args[i+1] = filepath.Join(dir, args[i+1]) // go generate runs in the file's directory
				}
			}
			code, _, stderr := lzgen(append(args, "-check")...)
			assert.Equal(t, exitOK, code, "stale generated files; run go generate ./%s:\n%s", rel, stderr)
		})
	}
}

// TestFreshnessCheckCoversTheCUDAHeader: the quickstart's directive writes
// kernels/cuda/lz_kernels.h, so the check above fails when it is stale.
func TestFreshnessCheckCoversTheCUDAHeader(t *testing.T) {
	repo, err := filepath.Abs("../..")
	require.NoError(t, err)
	args := generateCommands(t, repo)[filepath.Join(repo, "examples/quickstart/kernels")]
	i := slices.Index(args, "-cuda-header")
	require.True(t, i >= 0 && i+1 < len(args), "the quickstart generates the CUDA header: %v", args)
	header := filepath.Join(repo, "examples/quickstart/kernels", args[i+1])
	assert.Equal(t, filepath.Join(repo, "kernels", "cuda", "lz_kernels.h"), header)
}
