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

// apply brings the output directory up to date in two phases, so that a
// failure leaves it as it was rather than half updated. First every changed
// file is written to a synced temporary file beside its target; only when
// all of them are written are they renamed into place (a rename is atomic,
// so no reader sees half a file) and the stale files removed. A failure in
// the first phase removes the temporary files and touches no target; only a
// failing rename itself (the targets were checked when planning) can leave
// some files renamed.
func (p *plan) apply() error {
	targets := slices.Sorted(maps.Keys(p.writes))
	temps := make([]string, 0, len(targets))
	for _, path := range targets {
		tmp, err := writeTemp(path, p.writes[path])
		if err != nil {
			removeTemps(temps)
			return err
		}
		temps = append(temps, tmp)
	}
	for i, path := range targets {
		if err := os.Rename(temps[i], path); err != nil {
			removeTemps(temps[i:])
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	for _, path := range p.removes {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("removing stale %s: %w", path, err)
		}
	}
	return nil
}

// tempPattern names apply's temporary files; the leading dot keeps go
// tooling from reading one as a source file.
const tempPattern = ".lzgen-*.tmp"

// writeTemp writes content to a new temporary file in path's directory
// (creating the directory), flushed to disk with mode 0644, and returns
// its name. On failure nothing is left behind but the directory.
func writeTemp(path string, content []byte) (name string, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	_, err = tmp.Write(content)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return tmp.Name(), nil
}

// removeTemps deletes temporary files apply will not rename; a file that
// cannot be removed is left (there is a more useful error to report).
func removeTemps(names []string) {
	for _, name := range names {
		os.Remove(name)
	}
}
