package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapshot reads every file under dir, keyed by path relative to dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	require.NoError(t, err)
	return files
}

// outputDir lays out an output directory holding a generated file about to
// change and a stale one about to be removed, and returns a plan that
// updates the first, adds new.go and removes the second.
func outputDir(t *testing.T) (string, *plan) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"changed.go": "old\n", "stale.go": "stale\n"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir, &plan{
		writes: map[string][]byte{
			filepath.Join(dir, "changed.go"): []byte("new\n"),
			filepath.Join(dir, "new.go"):     []byte("added\n"),
		},
		removes: []string{filepath.Join(dir, "stale.go")},
	}
}

func TestApplyUpdatesEveryFile(t *testing.T) {
	dir, p := outputDir(t)
	require.NoError(t, p.apply())
	assert.Equal(t, map[string]string{"changed.go": "new\n", "new.go": "added\n"}, snapshot(t, dir),
		"changed and new files written, the stale one removed, no temporary file left")
	info, err := os.Stat(filepath.Join(dir, "new.go"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
}

// TestApplyFailureTouchesNothing: when one file cannot be written (here its
// directory is a regular file), the others' temporary files are already
// written; apply removes them and leaves every target as it was.
func TestApplyFailureTouchesNothing(t *testing.T) {
	dir, p := outputDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "zz_cuda"), []byte("not a directory\n"), 0o644))
	failing := filepath.Join(dir, "zz_cuda", "lz_kernels.h")
	p.writes[failing] = []byte("header\n")
	require.Equal(t, failing, slices.Max(slices.Collect(maps.Keys(p.writes))),
		"the failing file comes last, after the others' temporary files are written")
	before := snapshot(t, dir)

	err := p.apply()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "writing "+failing)
	assert.Equal(t, before, snapshot(t, dir), "no target changed, no stale file removed, no temporary file left")
}
