package runtime

import (
	"sync/atomic"
	"time"
)

// BreakerState is the state of a kernel's circuit breaker.
type BreakerState uint8

// Breaker states (DESIGN §5). The reference kernel is always closed.
const (
	BreakerClosed   BreakerState = iota // calls flow; consecutive failures are counted
	BreakerOpen                         // calls are refused until the cooldown ends
	BreakerHalfOpen                     // a limited number of probe calls decide
)

var breakerStateNames = [...]string{"CLOSED", "OPEN", "HALF_OPEN"}

// String returns "CLOSED", "OPEN" or "HALF_OPEN".
func (s BreakerState) String() string {
	if int(s) < len(breakerStateNames) {
		return breakerStateNames[s]
	}
	return "UNKNOWN"
}

// The whole breaker state lives in one atomic word so that every transition
// is a single compare-and-swap: no lock, no caller ever waits for another.
//
//	bits  0-1   state
//	bits  2-7   probes in flight (half-open)
//	bits  8-13  probe successes (half-open)
//	bits 14-23  generation, +1 on each entry to half-open, so a late probe
//	            outcome from an earlier half-open period is ignored
//	bits 24-63  end of the cooldown, in ms since the breakers' epoch (34 years)
const (
	stateMask       = 3
	probesShift     = 2
	successesShift  = 8
	genShift        = 14
	untilShift      = 24
	countMask       = 63
	genMask         = 1023
	maxBreakerCount = countMask
)

func wordState(w uint64) BreakerState { return BreakerState(w & stateMask) }
func wordProbes(w uint64) int         { return int(w >> probesShift & countMask) }
func wordSuccesses(w uint64) int      { return int(w >> successesShift & countMask) }
func wordGen(w uint64) uint64         { return w >> genShift & genMask }
func wordUntil(w uint64) time.Duration {
	return time.Duration(w>>untilShift) * time.Millisecond
}

func makeWord(s BreakerState, probes, successes int, gen uint64, until time.Duration) uint64 {
	ms := uint64((until + time.Millisecond - 1) / time.Millisecond) // round up: never shorten a cooldown
	return uint64(s) | uint64(probes)<<probesShift | uint64(successes)<<successesShift | gen<<genShift | ms<<untilShift
}

// probeToken identifies an admitted half-open probe (generation+1); 0 marks
// a call admitted by a closed breaker.
type probeToken uint16

// breakers holds every kernel's breaker and what transitions need.
type breakers struct {
	cfg      BreakerConfig
	clock    Clock
	epoch    time.Time
	words    []atomic.Uint64    // each kernel's breaker word, by KernelID
	failures []atomic.Int32     // consecutive failures while closed, by KernelID
	counts   [][3]atomic.Uint64 // transitions into each state, by KernelID
	onChange func(k KernelID, from, to BreakerState)
}

func newBreakers(n int, cfg BreakerConfig, clock Clock, onChange func(KernelID, BreakerState, BreakerState)) *breakers {
	return &breakers{cfg: cfg, clock: clock, epoch: clock.Now(), words: make([]atomic.Uint64, n), failures: make([]atomic.Int32, n), counts: make([][3]atomic.Uint64, n), onChange: onChange}
}

// transition counts a state change and reports it; callers have already
// published it with their compare-and-swap, so no lock is held.
func (bs *breakers) transition(k KernelID, from, to BreakerState) {
	bs.counts[k][to].Add(1)
	bs.onChange(k, from, to)
}

func (bs *breakers) elapsed() time.Duration { return bs.clock.Now().Sub(bs.epoch) }

// admit decides whether kernel k may be called now. It returns the probe
// token for a half-open probe, or how long until a probe will be admitted
// when refused (0 while the half-open probe slots are taken).
func (bs *breakers) admit(k KernelID) (ok bool, tok probeToken, retryAfter time.Duration) {
	word := &bs.words[k]
	for {
		w := word.Load()
		switch wordState(w) {
		case BreakerClosed:
			return true, 0, 0
		case BreakerOpen:
			now := bs.elapsed()
			if until := wordUntil(w); now < until {
				return false, 0, until - now
			}
			gen := (wordGen(w) + 1) & genMask
			if word.CompareAndSwap(w, makeWord(BreakerHalfOpen, 1, 0, gen, 0)) {
				bs.transition(k, BreakerOpen, BreakerHalfOpen)
				return true, probeToken(gen + 1), 0
			}
		case BreakerHalfOpen:
			if wordProbes(w) >= bs.cfg.HalfOpenMaxCalls {
				return false, 0, 0
			}
			if word.CompareAndSwap(w, w+1<<probesShift) {
				return true, probeToken(wordGen(w) + 1), 0
			}
		}
	}
}

// success records a successful call admitted with tok.
func (bs *breakers) success(k KernelID, tok probeToken) {
	word, failures := &bs.words[k], &bs.failures[k]
	if tok == 0 {
		if failures.Load() != 0 { // read first: a hit writes no shared cache line
			failures.Store(0)
		}
		return
	}
	for {
		w := word.Load()
		if !ownsProbe(w, tok) {
			return
		}
		n := wordSuccesses(w) + 1
		if n >= bs.cfg.SuccessThreshold {
			if word.CompareAndSwap(w, makeWord(BreakerClosed, 0, 0, wordGen(w), 0)) {
				failures.Store(0)
				bs.transition(k, BreakerHalfOpen, BreakerClosed)
				return
			}
			continue
		}
		if word.CompareAndSwap(w, makeWord(BreakerHalfOpen, wordProbes(w)-1, n, wordGen(w), 0)) {
			return
		}
	}
}

// failure records a failed call admitted with tok.
func (bs *breakers) failure(k KernelID, tok probeToken) {
	word, failures := &bs.words[k], &bs.failures[k]
	from := BreakerHalfOpen
	if tok == 0 {
		if int(failures.Add(1)) < bs.cfg.FailureThreshold {
			return
		}
		from = BreakerClosed
	}
	for {
		w := word.Load()
		if (tok == 0 && wordState(w) != BreakerClosed) || (tok != 0 && !ownsProbe(w, tok)) {
			return // another call already moved the breaker on
		}
		if word.CompareAndSwap(w, makeWord(BreakerOpen, 0, 0, wordGen(w), bs.elapsed()+bs.cfg.Cooldown)) {
			failures.Store(0)
			bs.transition(k, from, BreakerOpen)
			return
		}
	}
}

// release gives a probe slot back without counting an outcome, for calls
// that ended with the caller's own error.
func (bs *breakers) release(k KernelID, tok probeToken) {
	if tok == 0 {
		return
	}
	word := &bs.words[k]
	for {
		w := word.Load()
		if !ownsProbe(w, tok) || word.CompareAndSwap(w, w-1<<probesShift) {
			return
		}
	}
}

// ownsProbe reports whether w is the half-open period tok was admitted in.
func ownsProbe(w uint64, tok probeToken) bool {
	return wordState(w) == BreakerHalfOpen && wordGen(w)+1 == uint64(tok) && wordProbes(w) > 0
}

// status reads kernel k's state and, when open, the time left in the cooldown.
func (bs *breakers) status(k KernelID) (BreakerState, time.Duration) {
	return bs.wordStatus(bs.words[k].Load())
}

// wordStatus is status from a breaker word the caller loaded.
func (bs *breakers) wordStatus(w uint64) (BreakerState, time.Duration) {
	s := wordState(w)
	if s != BreakerOpen {
		return s, 0
	}
	return s, max(wordUntil(w)-bs.elapsed(), 0)
}
