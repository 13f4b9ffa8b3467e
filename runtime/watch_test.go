package runtime

import (
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/layerzero/lzgen/diag"
)

// lockRules is a valid rules file that locks matmul to kernel.
func lockRules(kernel string) string {
	return "version: \"1.0\"\nkernel_locks:\n  matmul: " + kernel + "\n"
}

// watchHarness runs a real Watcher over a temp directory and records what
// it applies and reports.
type watchHarness struct {
	t       *testing.T
	reg     *Registry
	dir     string
	path    string
	w       *Watcher
	applied atomic.Pointer[Policy]
	events  chan ReloadEvent
}

func newWatchHarness(t *testing.T, path string, poll time.Duration) *watchHarness {
	h := &watchHarness{t: t, reg: rulesRegistry(t), path: path, dir: filepath.Dir(path), events: make(chan ReloadEvent, 64)}
	record := func(ev ReloadEvent) { h.events <- ev }
	w, err := NewWatcher(path, h.reg, h.applied.Store, WatchOptions{Debounce: 20 * time.Millisecond, Poll: poll, OnReload: record, OnError: record})
	if err != nil {
		t.Fatalf("NewWatcher: %v", err)
	}
	h.w = w
	t.Cleanup(func() { w.Close() })
	return h
}

// next waits for the next callback and checks its result.
func (h *watchHarness) next(want ReloadResult) ReloadEvent {
	h.t.Helper()
	select {
	case ev := <-h.events:
		if ev.Result != want {
			h.t.Fatalf("reload result %v (err %v), want %v", ev.Result, ev.Err, want)
		}
		return ev
	case <-time.After(5 * time.Second):
		h.t.Fatalf("no reload event, want %v", want)
	}
	return ReloadEvent{}
}

// locked returns the kernel the applied policy locks matmul to.
func (h *watchHarness) locked() string {
	h.t.Helper()
	mm, _ := h.reg.OpByName("matmul")
	k, ok := h.applied.Load().Lock(mm)
	if !ok {
		return ""
	}
	return h.reg.Kernels[k].Name
}

func writeRules(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherReloadScenarios(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	writeRules(t, path, lockRules("matmul_ref"))
	h := newWatchHarness(t, path, -1) // no poll: every reload here comes from fsnotify
	expectEqual(t, "matmul_ref", h.locked())
	expectEqual(t, uint64(1), h.w.Status().Version)

	// A plain write.
	writeRules(t, path, lockRules("matmul_blocked"))
	ev := h.next(ReloadApplied)
	expectEqual(t, uint64(2), ev.Version)
	expectEqual(t, "matmul_blocked", h.locked())

	// An editor's write-then-rename save.
	tmp := filepath.Join(h.dir, ".rules.yaml.swp")
	writeRules(t, tmp, lockRules("matmul_experimental"))
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	h.next(ReloadApplied)
	expectEqual(t, "matmul_experimental", h.locked())

	// Rewriting the same bytes is recognised by the hash.
	writeRules(t, path, lockRules("matmul_experimental"))
	h.next(ReloadUnchanged)

	// A truncated file (a writer that died half-way) keeps the old policy.
	full := lockRules("matmul_ref")
	writeRules(t, path, full[:len(full)-8])
	ev = h.next(ReloadInvalid)
	if _, ok := diag.AsList(ev.Err); !ok {
		t.Errorf("invalid reload error %v carries no diagnostics", ev.Err)
	}
	expectEqual(t, "matmul_experimental", h.locked())
	expectEqual(t, uint64(3), ev.Version)

	// Garbage keeps it too.
	writeRules(t, path, "\x00\x01\xff garbage: [")
	h.next(ReloadInvalid)
	expectEqual(t, "matmul_experimental", h.locked())

	// Deletion keeps serving; recreation applies the new file.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	ev = h.next(ReloadIOError)
	if !errors.Is(ev.Err, os.ErrNotExist) {
		t.Errorf("deletion error %v is not ErrNotExist", ev.Err)
	}
	expectEqual(t, "matmul_experimental", h.locked())
	writeRules(t, path, lockRules("matmul_ref"))
	ev = h.next(ReloadApplied)
	expectEqual(t, uint64(4), ev.Version)
	expectEqual(t, "matmul_ref", h.locked())

	st := h.w.Status()
	expectEqual(t, [NumReloadResults]uint64{4, 1, 2, 1}, st.Counts)
	expectEqual(t, nil, st.LastError)

	// History and rollback: the previous policy comes back as a new version.
	hist := h.w.History()
	expectEqual(t, []uint64{1, 2, 3, 4}, []uint64{hist[0].Version, hist[1].Version, hist[2].Version, hist[3].Version})
	v, err := h.w.Rollback()
	expectEqual(t, nil, err)
	expectEqual(t, uint64(5), v)
	expectEqual(t, "matmul_experimental", h.locked())
}

func TestWatcherKubernetesConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	publish := func(stamp, text string) {
		t.Helper()
		ts := filepath.Join(dir, stamp)
		if err := os.Mkdir(ts, 0o755); err != nil {
			t.Fatal(err)
		}
		writeRules(t, filepath.Join(ts, "rules.yaml"), text)
		tmpLink := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(stamp, tmpLink); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmpLink, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	publish("..2026_11_25_10_00_00.1", lockRules("matmul_ref"))
	path := filepath.Join(dir, "rules.yaml")
	if err := os.Symlink(filepath.Join("..data", "rules.yaml"), path); err != nil {
		t.Fatal(err)
	}
	h := newWatchHarness(t, path, -1)
	expectEqual(t, "matmul_ref", h.locked())

	publish("..2026_11_25_10_05_00.2", lockRules("matmul_blocked"))
	if err := os.RemoveAll(filepath.Join(dir, "..2026_11_25_10_00_00.1")); err != nil {
		t.Fatal(err)
	}
	h.next(ReloadApplied)
	expectEqual(t, "matmul_blocked", h.locked())
}

func TestWatcherPollBackstop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	writeRules(t, path, lockRules("matmul_ref"))
	h := newWatchHarness(t, path, 30*time.Millisecond)
	// Stop listening to fsnotify so that only the poll can see the change.
	if err := h.w.fsw.Remove(h.dir); err != nil {
		t.Fatal(err)
	}
	writeRules(t, path, lockRules("matmul_blocked"))
	h.next(ReloadApplied)
	expectEqual(t, "matmul_blocked", h.locked())
	select {
	case ev := <-h.events:
		t.Fatalf("the poll reported an unchanged file: %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestWatcherQuietAfterClose replays what a debounce timer or a watch error
// racing with Close would do: a closed watcher counts and reports nothing.
func TestWatcherQuietAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	writeRules(t, path, lockRules("matmul_ref"))
	h := newWatchHarness(t, path, -1)
	if err := h.w.Close(); err != nil {
		t.Fatal(err)
	}
	h.w.report(h.w.reload(false))
	h.w.report(h.w.fail(ReloadIOError, errors.New("late watch error")))
	select {
	case ev := <-h.events:
		t.Fatalf("closed watcher reported %+v", ev)
	default:
	}
	expectEqual(t, [NumReloadResults]uint64{ReloadApplied: 1}, h.w.Status().Counts)
}

func TestWatcherRejectsBadInitialFile(t *testing.T) {
	dir := t.TempDir()
	reg := rulesRegistry(t)
	_, err := NewWatcher(filepath.Join(dir, "missing.yaml"), reg, func(*Policy) {}, WatchOptions{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	path := filepath.Join(dir, "rules.yaml")
	writeRules(t, path, "version: \"1.0\"\nkernel_locks: {matmul: nope}\n")
	_, err = NewWatcher(path, reg, func(*Policy) {}, WatchOptions{})
	ds, ok := diag.AsList(err)
	if !ok || len(ds) != 1 || ds[0].Pos.Line != 2 {
		t.Errorf("invalid file: %v", err)
	}
}
