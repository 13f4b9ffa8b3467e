package runtime

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/layerzero/lzgen/diag"
)

// Watcher defaults.
const (
	DefaultDebounce     = 50 * time.Millisecond
	DefaultPoll         = 2 * time.Second
	DefaultHistoryDepth = 8
)

// WatchOptions tune a Watcher. The zero value uses the defaults.
type WatchOptions struct {
	Debounce time.Duration     // trailing-edge quiet period after the last event; default 50ms
	Poll     time.Duration     // backstop poll in case an event is lost; default 2s, <0 disables
	History  int               // policies kept for Rollback; default 8
	OnReload func(ReloadEvent) // every reload that applied a policy or found the file unchanged
	OnError  func(ReloadEvent) // every reload that failed: invalid file or I/O error
}

// ReloadResult classifies one reload attempt.
type ReloadResult uint8

// Reload outcomes; their String values label the reload counters.
const (
	ReloadApplied ReloadResult = iota
	ReloadUnchanged
	ReloadInvalid
	ReloadIOError
	NumReloadResults
)

// String returns "applied", "unchanged", "invalid" or "io_error".
func (r ReloadResult) String() string {
	switch r {
	case ReloadApplied:
		return "applied"
	case ReloadUnchanged:
		return "unchanged"
	case ReloadInvalid:
		return "invalid"
	case ReloadIOError:
		return "io_error"
	}
	return fmt.Sprintf("ReloadResult(%d)", uint8(r))
}

// ReloadEvent describes one reload attempt.
type ReloadEvent struct {
	Result   ReloadResult
	Version  uint64  // the version in force after the attempt
	Policy   *Policy // the policy in force after the attempt
	Err      error   // for ReloadInvalid a *diag.ListError with every positioned error
	Warnings diag.List
}

// WatchStatus is a snapshot of a Watcher's state.
type WatchStatus struct {
	Path        string
	Version     uint64
	LastSuccess time.Time // when the policy in force was applied
	LastError   error     // of the latest failed attempt since the last success; nil after a success
	Counts      [NumReloadResults]uint64
}

// PolicyVersion is a policy with the version the watcher applied it as.
type PolicyVersion struct {
	Version uint64
	Policy  *Policy
	Applied time.Time
}

// ErrNoRollback is returned by Rollback when there is no earlier policy.
var ErrNoRollback = errors.New("no earlier policy to roll back to")

// Watcher keeps a rules file applied: it watches the file's directory (so
// editors' rename saves and Kubernetes ..data symlink swaps are seen),
// waits for a quiet period, reads and hashes the file, skips unchanged
// content, and hands every policy that compiles against the registry to
// apply. A file that is missing, truncated or invalid never replaces the
// policy in force.
type Watcher struct {
	path  string
	reg   *Registry
	apply func(*Policy)
	opts  WatchOptions
	fsw   *fsnotify.Watcher
	stop  chan struct{}
	done  chan struct{}

	mu       sync.Mutex // guards the state below and serialises reloads
	hash     [sha256.Size]byte
	version  uint64
	status   WatchStatus
	history  []PolicyVersion
	closed   bool
	lastFail string // message of the last failure, to keep the poll quiet
}

// NewWatcher loads path, applies it as version 1 and watches it for
// changes. A missing or invalid file is an error: there is nothing to serve.
func NewWatcher(path string, reg *Registry, apply func(*Policy), opts WatchOptions) (*Watcher, error) {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Poll == 0 {
		opts.Poll = DefaultPoll
	}
	if opts.History <= 0 {
		opts.History = DefaultHistoryDepth
	}
	w := &Watcher{path: path, reg: reg, apply: apply, opts: opts, stop: make(chan struct{}), done: make(chan struct{})}
	w.status.Path = path
	if ev := w.reload(false); ev.Result != ReloadApplied {
		return nil, ev.Err
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	if err := fsw.Add(filepath.Dir(path)); err != nil {
		fsw.Close()
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	w.fsw = fsw
	go w.loop()
	return w, nil
}

// loop turns file events into debounced reloads until Close.
func (w *Watcher) loop() {
	defer close(w.done)
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	var poll <-chan time.Time
	if w.opts.Poll > 0 {
		t := time.NewTicker(w.opts.Poll)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case <-w.stop:
			debounce.Stop()
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if w.concerns(ev.Name) {
				debounce.Reset(w.opts.Debounce)
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.report(w.fail(ReloadIOError, fmt.Errorf("watch %s: %w", w.path, err)))
			debounce.Reset(w.opts.Debounce) // events may be lost: re-read
		case <-debounce.C:
			w.report(w.reload(false))
		case <-poll:
			w.report(w.reload(true))
		}
	}
}

// concerns reports whether an event in the directory may change the file:
// the file itself, or Kubernetes' ..data link and ..timestamp directories.
func (w *Watcher) concerns(name string) bool {
	base := filepath.Base(name)
	return base == filepath.Base(w.path) || strings.HasPrefix(base, "..")
}

// reload reads, hashes, compiles and applies the file. From the poll, an
// unchanged file or a repeat of the last failure returns a zero event (no
// report), so the backstop costs nothing when all is well.
func (w *Watcher) reload(quiet bool) ReloadEvent {
	data, err := os.ReadFile(w.path)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ReloadEvent{}
	}
	if err != nil {
		if quiet && err.Error() == w.lastFail {
			return ReloadEvent{}
		}
		return w.failLocked(ReloadIOError, fmt.Errorf("read rules file: %w", err))
	}
	sum := sha256.Sum256(data)
	if sum == w.hash && w.version > 0 {
		if quiet {
			return ReloadEvent{}
		}
		w.lastFail = ""
		w.status.Counts[ReloadUnchanged]++
		return w.eventLocked(ReloadUnchanged, nil, nil)
	}
	p, ds := ParsePolicy(w.path, data, w.reg)
	if err := ds.Err(); err != nil {
		if quiet && err.Error() == w.lastFail {
			return ReloadEvent{}
		}
		return w.failLocked(ReloadInvalid, fmt.Errorf("rules file rejected: %w", err))
	}
	w.hash = sum
	w.applyLocked(p)
	w.status.Counts[ReloadApplied]++
	return w.eventLocked(ReloadApplied, nil, ds.Warnings())
}

// applyLocked hands p to apply as the next version and records it.
func (w *Watcher) applyLocked(p *Policy) {
	w.apply(p)
	w.version++
	now := time.Now()
	w.history = append(w.history, PolicyVersion{Version: w.version, Policy: p, Applied: now})
	if len(w.history) > w.opts.History {
		w.history = w.history[len(w.history)-w.opts.History:]
	}
	w.status.LastSuccess, w.status.LastError, w.lastFail = now, nil, ""
}

// fail records a failure outside a reload, such as a watch error; a closed
// watcher records and reports nothing.
func (w *Watcher) fail(r ReloadResult, err error) ReloadEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ReloadEvent{}
	}
	return w.failLocked(r, err)
}

func (w *Watcher) failLocked(r ReloadResult, err error) ReloadEvent {
	w.status.Counts[r]++
	w.status.LastError = err
	w.lastFail = cmp.Or(errors.Unwrap(err), err).Error()
	return w.eventLocked(r, err, nil)
}

func (w *Watcher) eventLocked(r ReloadResult, err error, warnings diag.List) ReloadEvent {
	ev := ReloadEvent{Result: r, Version: w.version, Err: err, Warnings: warnings}
	if n := len(w.history); n > 0 {
		ev.Policy = w.history[n-1].Policy
	}
	return ev
}

// report fires the callback for an outcome, outside the lock. A zero event
// (Version 0: the watcher is closed, or the poll found nothing new) reports
// nothing; every real outcome has a version, as NewWatcher applies version 1
// before the loop starts.
func (w *Watcher) report(ev ReloadEvent) {
	if ev.Version == 0 {
		return
	}
	cb := w.opts.OnReload
	if ev.Err != nil {
		cb = w.opts.OnError
	}
	if cb != nil {
		cb(ev)
	}
}

// Close stops watching; the policy in force stays applied.
func (w *Watcher) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	err := w.fsw.Close()
	<-w.done
	return err
}

// Status reports the version in force, the last success and error, and
// the reload counters.
func (w *Watcher) Status() WatchStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.status
	s.Version = w.version
	return s
}

// History returns the kept policies with their versions, oldest first.
func (w *Watcher) History() []PolicyVersion {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]PolicyVersion(nil), w.history...)
}

// Rollback re-applies the policy applied before the one in force, as a new
// version (versions only grow), and returns that version. It stays in force
// until the file changes again; a second Rollback undoes the first.
func (w *Watcher) Rollback() (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.history)
	if n < 2 {
		return w.version, ErrNoRollback
	}
	w.applyLocked(w.history[n-2].Policy)
	return w.version, nil
}
