package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/layerzero/lzgen/gen"
)

// plan is what bringing the output directory up to date takes: files whose
// bytes differ (or that are missing) and files lzgen generated earlier but
// no longer produces.
type plan struct {
	writes  map[string][]byte // absolute path -> content
	removes []string          // absolute paths
}

// planWrites compares files (relative to outDir) with the disk.
func planWrites(outDir string, files map[string][]byte) (*plan, error) {
	p := &plan{writes: map[string][]byte{}}
	want := map[string]bool{}
	for name, content := range files {
		abs := filepath.Join(outDir, filepath.FromSlash(name))
		want[abs] = true
		old, err := os.ReadFile(abs)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		if err != nil || !bytes.Equal(old, content) {
			p.writes[abs] = content
		}
	}
	entries, err := os.ReadDir(outDir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, e := range entries {
		abs := filepath.Join(outDir, e.Name())
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".go") && !want[abs] && generatedByLzgen(abs) {
			p.removes = append(p.removes, abs)
		}
	}
	return p, nil
}

// generatedByLzgen reports whether a file starts with lzgen's header line.
func generatedByLzgen(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, len(gen.HeaderLine)+1)
	if _, err := io.ReadFull(f, buf); err != nil {
		return false // shorter than the header, or unreadable
	}
	return bytes.Equal(buf, []byte(gen.HeaderLine+"\n"))
}

// stale lists, sorted, the files that are out of date or to be removed.
func (p *plan) stale() []string {
	out := append(slices.Collect(maps.Keys(p.writes)), p.removes...)
	slices.Sort(out)
	return out
}

// apply writes every changed file atomically (temporary file, then rename,
// so no reader sees half a file) and removes stale ones.
func (p *plan) apply() error {
	for _, path := range slices.Sorted(maps.Keys(p.writes)) {
		if err := writeAtomic(path, p.writes[path]); err != nil {
			return err
		}
	}
	for _, path := range p.removes {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("removing stale %s: %w", path, err)
		}
	}
	return nil
}

func writeAtomic(path string, content []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".lzgen-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
