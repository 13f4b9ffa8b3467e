package runtime

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/layerzero/lzgen/diag"
)

// Engine selects and runs kernels for generated Dispatchers in the
// non-static modes (DESIGN §5). It is safe for concurrent use; build one per
// Registry with NewEngine and share it.
//
// Its state for selection is an immutable snapshot (rules policy, per-op
// cache key plans, decision cache) behind an atomic pointer: a dispatch
// loads it once, a new policy swaps in a whole new snapshot. Breakers and
// counters live outside snapshots, so they survive reloads.
type Engine struct {
	reg  *Registry
	opts Options
	snap atomic.Pointer[snapshot]
	brk  *breakers // nil when breakers are off
	// breakerWords are the breakers' state words, or all-closed words when
	// breakers are off, so that BreakerStatus needs no nil check.
	breakerWords []atomic.Uint64
	tel          *telemetry // nil when telemetry is off
	events       *events
	watcher      *Watcher
	faults       atomic.Pointer[faultTable] // nil unless InjectFault is in use
	swap         sync.Mutex                 // serialises snapshot and fault-table writers
	epoch        time.Time                  // when the engine was built: zero of nanotime
	sysTime      bool                       // the clock is the system's: nanotime is one monotonic read
}

// snapshot is one immutable rules state with its own decision cache.
type snapshot struct {
	policy  *Policy // nil: no rules, priority order only
	version uint64
	plans   []keyPlan // by OpID
	cache   decisionCache
	// recent is, by OpID, the entry of the op's latest miss, checked first
	// against the ranges of its class: a run of calls in one class, as in
	// a decode loop, hits it without packing or hashing a key. It is
	// written on misses only, so hits write nothing.
	recent []atomic.Pointer[cacheEntry]
}

// NewEngine builds an engine over reg. In ModeConfig it loads the rules file
// once and fails with its positioned diagnostics; in ModeHotReload it also
// starts watching it (stop it with Close). A non-empty Registry.Policy, the
// manifest's dispatch section, applies whenever no rules file replaces it.
func NewEngine(reg *Registry, opts ...Option) (*Engine, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.resolve(); err != nil {
		return nil, err
	}
	if err := checkRegistry(reg); err != nil {
		return nil, err
	}
	e := &Engine{reg: reg, opts: o, events: newEvents(o.Logger, reg), epoch: o.Clock.Now()}
	_, e.sysTime = o.Clock.(systemClock)
	e.breakerWords = make([]atomic.Uint64, len(reg.Kernels))
	if o.Breakers {
		e.brk = newBreakers(len(reg.Kernels), o.Breaker, o.Clock, e.breakerChanged)
		e.breakerWords = e.brk.words
	}
	if o.Telemetry {
		e.tel = newTelemetry(reg)
	}
	var p *Policy
	if reg.Policy != "" {
		var err error
		if p, err = e.parsePolicy(reg.Manifest+" (dispatch)", []byte(reg.Policy)); err != nil {
			return nil, err
		}
	}
	switch o.Mode {
	case ModeConfig:
		data, err := os.ReadFile(o.RulesFile)
		if err != nil {
			return nil, fmt.Errorf("rules file: %w", err)
		}
		if p, err = e.parsePolicy(o.RulesFile, data); err != nil {
			return nil, err
		}
	case ModeHotReload:
		e.SetPolicy(p) // serves until the watcher applies the file
		w, err := NewWatcher(o.RulesFile, reg, e.SetPolicy, o.Watch)
		if err != nil {
			return nil, fmt.Errorf("rules file: %w", err)
		}
		e.watcher = w
		return e, nil
	}
	e.SetPolicy(p)
	return e, nil
}

// checkRegistry rejects a table whose ids do not line up, so that dispatch
// can index without checks.
func checkRegistry(reg *Registry) error {
	if reg == nil || len(reg.Ops) == 0 {
		return fmt.Errorf("%w: empty registry", ErrInvalidArgument)
	}
	for i := range reg.Kernels {
		if int(reg.Kernels[i].Op) >= len(reg.Ops) {
			return fmt.Errorf("%w: kernel %s has op id %d, registry has %d ops", ErrInvalidArgument, reg.Kernels[i].Name, reg.Kernels[i].Op, len(reg.Ops))
		}
	}
	for i := range reg.Ops {
		op := &reg.Ops[i]
		if int(op.Reference) >= len(reg.Kernels) || reg.Kernels[op.Reference].Op != OpID(i) {
			return fmt.Errorf("%w: op %s: reference kernel id %d is not one of its kernels", ErrInvalidArgument, op.Name, op.Reference)
		}
		for _, k := range op.Kernels {
			if int(k) >= len(reg.Kernels) || reg.Kernels[k].Op != OpID(i) {
				return fmt.Errorf("%w: op %s lists kernel id %d, which is not one of its kernels", ErrInvalidArgument, op.Name, k)
			}
		}
	}
	return nil
}

// parsePolicy compiles rules text, logs its warnings, and fails on errors
// (and, in strict mode, on warnings).
func (e *Engine) parsePolicy(file string, data []byte) (*Policy, error) {
	p, ds := ParsePolicy(file, data, e.reg)
	if err := ds.Err(); err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	warns := ds.Warnings().Sort()
	if e.opts.Strict && len(warns) > 0 {
		return nil, fmt.Errorf("rules (strict mode, warnings are errors): %w", &diag.ListError{List: warns})
	}
	for _, w := range warns {
		e.opts.Logger.Warn("lzgen rules warning", "diagnostic", w.String())
	}
	return p, nil
}

// Mode returns the resolved mode (never ModeAuto). In ModeStatic generated
// Dispatchers call the static dispatchers and bypass the engine.
func (e *Engine) Mode() Mode { return e.opts.Mode }

// Registry returns the registration table the engine selects from.
func (e *Engine) Registry() *Registry { return e.reg }

// PolicyVersion returns the version of the rules snapshot in force; it grows
// by one with every SetPolicy.
func (e *Engine) PolicyVersion() uint64 { return e.snap.Load().version }

// Policy returns the rules policy in force, nil when there is none.
func (e *Engine) Policy() *Policy { return e.snap.Load().policy }

// Watcher returns the rules file watcher in ModeHotReload, else nil.
func (e *Engine) Watcher() *Watcher { return e.watcher }

// SetPolicy swaps in a new rules snapshot (nil: no rules) with a fresh
// decision cache. Dispatches in flight finish on the snapshot they began with.
func (e *Engine) SetPolicy(p *Policy) {
	s := &snapshot{policy: p, plans: make([]keyPlan, len(e.reg.Ops)), cache: newDecisionCache(e.opts.CacheSize),
		recent: make([]atomic.Pointer[cacheEntry], len(e.reg.Ops))}
	for op := range e.reg.Ops {
		s.plans[op] = planKeys(e.reg, OpID(op), p)
	}
	e.swap.Lock()
	defer e.swap.Unlock()
	if old := e.snap.Load(); old != nil {
		s.version = old.version + 1
	} else if p != nil {
		s.version = 1 // the first rules in force; 0 means none ever were
	}
	e.snap.Store(s)
}

// nanotime returns the time since the engine was built, in ns, for per-call
// timings. With the system clock it is a single monotonic clock read
// (time.Since on a monotonic reading skips the wall clock; under
// testing/synctest it reads the bubble's clock); an injected clock is
// asked for the time.
func (e *Engine) nanotime() int64 {
	if e.sysTime {
		return int64(time.Since(e.epoch))
	}
	return int64(e.opts.Clock.Now().Sub(e.epoch))
}

// Close stops the rules file watcher, if any.
func (e *Engine) Close() error {
	if e.watcher == nil {
		return nil
	}
	return e.watcher.Close()
}

// BreakerStatus returns kernel k's breaker state and, when open, the time
// left in its cooldown. Without breakers, and for reference kernels, it is
// always BreakerClosed. The closed-state check is one atomic load and
// inlines into the caller; any other state reads the breaker afresh out of
// line.
func (e *Engine) BreakerStatus(k KernelID) (state BreakerState, retryAfter time.Duration) {
	if e.breakerWords[k].Load()&stateMask != uint64(BreakerClosed) {
		state, retryAfter = e.openBreakerStatus(k)
	}
	return // a bare return: one inliner node fewer than naming the results again
}

// openBreakerStatus is BreakerStatus for a breaker that is not closed, kept
// out of line so that the closed-state check fits the inliner's budget.
//
//go:noinline
func (e *Engine) openBreakerStatus(k KernelID) (BreakerState, time.Duration) {
	return e.brk.status(k)
}

// transitions returns how often kernel k's breaker entered each state.
func (e *Engine) transitions(k KernelID) [3]uint64 {
	var out [3]uint64
	if e.brk != nil {
		for s := range out {
			out[s] = e.brk.counts[k][s].Load()
		}
	}
	return out
}

// breakerChanged logs a transition, re-arms the once-per-cause fallback
// logs when a kernel recovers, and calls the user's callback.
func (e *Engine) breakerChanged(k KernelID, from, to BreakerState) {
	e.events.breaker(k, from, to)
	if cb := e.opts.Breaker.OnStateChange; cb != nil {
		cb(k, from, to)
	}
}
