package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerzero/lzgen/gen"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cudaOnly is a manifest whose kernels are all cuda, so the CLI runs in a
// throwaway module without loading any kernel package.
const cudaOnly = `version: 1
package: tiny
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

func tempModule(t *testing.T, manifest string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/tiny\n\ngo 1.24\n"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "k"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "k", "kernels.yaml"), []byte(manifest), 0o644))
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
	assert.Contains(t, stderr, manifest+":13:")
	assert.Contains(t, stderr, `did you mean "scale"?`)
	entries, err := os.ReadDir(filepath.Dir(manifest))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "nothing is written when there are errors")
}

func TestUsage(t *testing.T) {
	code, _, stderr := lzgen()
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "usage")
	code, _, _ = lzgen("-bogus")
	assert.Equal(t, exitUsage, code)
	code, _, _ = lzgen("explain")
	assert.Equal(t, exitUsage, code)
	code, stdout, _ := lzgen("-version")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "lzgen generated-code version 1")
}

// TestRepositoryGeneratedFilesAreFresh regenerates the quickstart (and the
// CUDA header it owns) in memory and requires the files on disk to match.
func TestRepositoryGeneratedFilesAreFresh(t *testing.T) {
	code, _, stderr := lzgen("-manifest", "../../examples/quickstart/kernels/kernels.yaml",
		"-cuda-header", "../../../kernels/cuda/lz_kernels.h", "-check")
	assert.Equal(t, exitOK, code, "stale generated files; run go generate ./examples/quickstart/kernels:\n%s", stderr)
}
