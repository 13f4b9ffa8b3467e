package runtime

import (
	"errors"
	"fmt"
	"time"
)

// Call is one dispatch in progress. Generated Dispatchers declare it on the
// stack and drive it with exactly this loop:
//
//	var call runtime.Call
//	engine.Begin(&call, &ctx, nil)
//	for call.Next() {
//		call.Done(invokeOp(call.Kernel(), args...))
//	}
//	return call.Err()
//
// A Call must not be copied or shared between goroutines; reuse needs a
// new Begin.
type Call struct {
	e        *Engine
	d        *decision
	res      *Result
	err      error
	failed   []failedAttempt // in call order; allocated only when a kernel fails
	started  time.Time       // when the current kernel call began, if timed
	pos      int             // index in d.kernels of the next candidate
	calls    int             // non-reference kernels called
	attempts int             // kernels called
	kernel   KernelID
	ref      KernelID
	op       OpID
	tok      probeToken
	miss     KernelID // the first candidate passed over, when passedOver
	missOpen bool     // ... because its breaker was open (else it failed)
	passed   bool
	cached   bool
	timed    bool
	over     bool
}

type failedAttempt struct {
	kernel KernelID
	err    error
}

// Begin starts a dispatch of context c. With a non-nil res the call is
// timed and *res describes it when the loop ends; with nil nothing is
// measured (res escapes to the heap, so asking for it costs one allocation).
func (e *Engine) Begin(call *Call, c *Context, res *Result) {
	*call = Call{e: e, op: c.Op, res: res, timed: res != nil || e.tel != nil}
	var t0 time.Time
	if res != nil {
		*res = Result{}
		t0 = e.opts.Clock.Now()
	}
	s := e.snap.Load()
	if int(c.Op) >= len(s.plans) {
		call.err = fmt.Errorf("%w: op id %d not in the registry (%d ops)", ErrInvalidArgument, c.Op, len(s.plans))
		call.over = true
		return
	}
	call.ref = e.reg.Ops[c.Op].Reference
	plan := &s.plans[c.Op]
	var key cacheKey
	plan.keyOf(c, &key)
	h := key.hash()
	d := s.cache.get(&key, h)
	call.cached = d != nil
	if d == nil {
		d = s.miss(e, plan.quantise(c), key, h)
	}
	call.d = d
	if res != nil {
		res.Cached = call.cached
		res.SelectionNs = e.opts.Clock.Now().Sub(t0).Nanoseconds()
	}
	if d.noKernel != nil {
		call.end(d.noKernel, errNoKernel)
	}
}

// Next advances to the next candidate whose breaker admits a call and
// returns true, or returns false when the call is over: a kernel succeeded,
// the caller's error came back, or the candidates ran out.
func (call *Call) Next() bool {
	if call.over {
		return false
	}
	e, d := call.e, call.d
	for call.pos < len(d.kernels) {
		k := d.kernels[call.pos]
		call.pos++
		var tok probeToken
		if k != call.ref {
			if call.calls >= e.opts.MaxFallbackAttempts {
				continue // out of attempts: only the reference kernel is left to try
			}
			if e.brk != nil && !e.brk.closed(k) {
				ok, t, _ := e.brk.admit(k)
				if !ok {
					call.skip(k)
					continue
				}
				tok = t
			}
			call.calls++
		}
		call.kernel, call.tok = k, tok
		call.attempts++
		if call.timed {
			call.started = e.opts.Clock.Now()
		}
		return true
	}
	call.exhausted()
	return false
}

// Kernel returns the kernel Next chose.
func (call *Call) Kernel() KernelID { return call.kernel }

// Done records the outcome of calling Kernel(), once: the breaker and the
// counters see it. A nil error, or one wrapping ErrInvalidArgument, ends the
// call; any other error (a *PanicError included) moves on to the next
// candidate unless fallback is off.
func (call *Call) Done(err error) {
	if call.over {
		return
	}
	e, k := call.e, call.kernel
	if f := e.fault(k); f != nil {
		err = f
	}
	if call.timed {
		call.measure(k)
	}
	if e.tel != nil {
		e.tel.kernels[k].calls.Add(1)
	}
	if err != nil {
		call.fail(err)
		return
	}
	if e.brk != nil && k != call.ref {
		e.brk.success(k, call.tok)
	}
	call.over = true
	if call.pos > 1 { // served by a kernel after the first candidate
		if e.tel != nil {
			e.tel.kernels[k].fallbacks.Add(1)
		}
	}
	if call.res != nil {
		call.fillResult()
	}
}

// Err returns the outcome: nil, the caller's error (wrapping
// ErrInvalidArgument), a *NoKernelError or a *FallbackExhaustedError.
func (call *Call) Err() error { return call.err }

// measure adds the current kernel call's duration to the result and the
// kernel's latency histogram.
func (call *Call) measure(k KernelID) {
	dt := call.e.opts.Clock.Now().Sub(call.started)
	if call.res != nil {
		call.res.ExecutionNs += dt.Nanoseconds()
	}
	if call.e.tel != nil {
		call.e.tel.observe(k, dt)
	}
}

// skip records that kernel k's open breaker passed it over.
func (call *Call) skip(k KernelID) {
	e := call.e
	if e.tel != nil {
		e.tel.kernels[k].skips.Add(1)
	}
	e.events.fallback(k, causeCircuitOpen, nil)
	if !call.passed {
		call.miss, call.missOpen, call.passed = k, true, true
	}
}

// fail handles a kernel error: the caller's errors end the call untouched;
// kernel failures count against the breaker and fall through to the next
// candidate.
func (call *Call) fail(err error) {
	e, k := call.e, call.kernel
	var pe *PanicError
	panicked := errors.As(err, &pe)
	if !panicked && errors.Is(err, ErrInvalidArgument) {
		if e.brk != nil && k != call.ref {
			e.brk.release(k, call.tok)
		}
		call.end(err, errInvalidArgument)
		return
	}
	if e.brk != nil && k != call.ref {
		e.brk.failure(k, call.tok)
	}
	if e.tel != nil {
		e.tel.kernels[k].failures.Add(1)
	}
	cause := causeError
	if panicked {
		cause = causePanic
	}
	e.events.fallback(k, cause, err)
	call.failed = append(call.failed, failedAttempt{k, err})
	if !call.passed {
		call.miss, call.missOpen, call.passed = k, false, true
	}
	if !e.opts.Fallback {
		call.exhausted()
	}
}

// exhausted ends the call with a *FallbackExhaustedError listing, in
// candidate order, every failed call and every kernel skipped because its
// breaker was open. Skips are replayed from the candidate list rather than
// recorded, so that skipping costs nothing when a fallback then succeeds.
func (call *Call) exhausted() {
	e, reg := call.e, call.e.reg
	ex := &FallbackExhaustedError{Op: reg.Ops[call.op].Name}
	fi, calls := 0, 0
	for _, k := range call.d.kernels[:call.pos] {
		name := reg.Kernels[k].Name
		switch {
		case fi < len(call.failed) && call.failed[fi].kernel == k:
			ex.Attempts = append(ex.Attempts, Attempt{Kernel: name, Err: call.failed[fi].err})
			fi++
			if k != call.ref {
				calls++
			}
		case k != call.ref && calls < e.opts.MaxFallbackAttempts:
			_, retry := e.BreakerStatus(k)
			ex.Attempts = append(ex.Attempts, Attempt{Kernel: name, Err: &CircuitOpenError{Kernel: name, RetryAfter: retry}})
		}
	}
	call.end(ex, errExhausted)
}

// end finishes the call with err.
func (call *Call) end(err error, kind dispatchErrorKind) {
	call.err, call.over = err, true
	if call.e.tel != nil {
		call.e.tel.opErrs[call.op][kind].Add(1)
	}
	if call.res != nil {
		call.fillResult()
	}
}

// fillResult writes the per-call result once the call is over.
func (call *Call) fillResult() {
	res, reg := call.res, call.e.reg
	res.Attempts = call.attempts
	if call.attempts > 0 {
		res.Kernel, res.KernelName = call.kernel, reg.Kernels[call.kernel].Name
		res.Source = call.d.sources[call.pos-1]
	}
	if call.err != nil || call.pos <= 1 {
		return
	}
	// A later candidate served, so an earlier one was passed over (the
	// attempt budget only runs out after failures).
	res.Fallback = true
	name := reg.Kernels[call.miss].Name
	if call.missOpen {
		res.FallbackReason = name + ": " + CircuitOpen.String()
	} else {
		res.FallbackReason = name + ": " + call.failed[0].err.Error()
	}
}
