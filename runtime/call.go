package runtime

import (
	"errors"
	"fmt"
	"unsafe"
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
// Begin and Done choose the kernel to try next, so Next and, on a success
// with nothing to record, Done are a flag test each and inline into the
// loop. A Call must not be copied or shared between goroutines; reuse needs
// a new Begin.
type Call struct {
	e        *Engine
	d        *decision
	res      *Result
	err      error
	failed   []failedAttempt // in call order; allocated only when a kernel fails
	started  int64           // Engine.nanotime when the current kernel call began, if timed
	pos      uint16          // index in d.kernels of the next candidate
	calls    uint16          // non-reference kernels called
	attempts uint16          // kernels called
	kernel   KernelID
	op       OpID
	miss     KernelID // the first candidate passed over, when passed
	tok      probeToken
	state    callState
	missOpen bool // ... because its breaker was open (else it failed)
	passed   bool
	timed    bool
}

// callState says what the dispatch loop does next; the zero state is over.
type callState uint8

const (
	callReady  callState = 1 << iota // Next hands out Kernel()
	callActive                       // Kernel() is being called; Done records its outcome
	callQuiet                        // a success needs no bookkeeping: no breaker, counter, fault or result to update
)

type failedAttempt struct {
	kernel KernelID
	err    error
}

// Begin starts a dispatch of context c. With a non-nil res the call is
// timed and *res describes it when the loop ends; with nil nothing is
// measured (res escapes to the heap, so asking for it costs one allocation).
// Everything that timing, telemetry and results need sits behind one branch,
// so the plain path pays for none of it.
func (e *Engine) Begin(call *Call, c *Context, res *Result) {
	if res != nil || e.tel != nil {
		e.beginTimed(call, c, res)
		return
	}
	*call = Call{e: e, op: c.Op}
	if call.d, _ = e.lookup(c); call.d == nil {
		call.badOp()
		return
	}
	call.advance()
}

// beginTimed is Begin for a call whose kernel calls are timed.
func (e *Engine) beginTimed(call *Call, c *Context, res *Result) {
	*call = Call{e: e, op: c.Op, res: res, timed: true}
	var t0 int64
	if res != nil {
		*res = Result{}
		t0 = e.nanotime()
	}
	d, cached := e.lookup(c)
	if d == nil {
		call.badOp()
		return
	}
	if res != nil {
		res.Cached = cached
		res.SelectionNs = e.nanotime() - t0
	}
	call.d = d
	call.advance()
}

// badOp ends a call whose context names an op the registry does not have.
func (call *Call) badOp() {
	call.err = fmt.Errorf("%w: op id %d not in the registry (%d ops)", ErrInvalidArgument, call.op, len(call.e.reg.Ops))
}

// Next returns true when Kernel() is to be called (then Done must follow),
// false when the call is over: a kernel succeeded, the caller's error came
// back, or the candidates ran out.
func (call *Call) Next() bool {
	if call.state&callReady == 0 {
		return false
	}
	call.state ^= callReady | callActive
	return true
}

// Kernel returns the kernel Next chose.
func (call *Call) Kernel() KernelID { return call.kernel }

// Done records the outcome of calling Kernel(), once: the breaker and the
// counters see it. A nil error, or one wrapping ErrInvalidArgument, ends the
// call; any other error (a *PanicError included) readies the next candidate
// unless fallback is off.
func (call *Call) Done(err error) {
	if err == nil && call.state == callActive|callQuiet {
		call.state = 0
		return
	}
	call.done(err)
}

// Err returns the outcome: nil, the caller's error (wrapping
// ErrInvalidArgument), a *NoKernelError or a *FallbackExhaustedError.
func (call *Call) Err() error { return call.err }

// advance readies the next candidate whose breaker admits a call, or ends
// the call when none is left (at once when none fits). A kernel is quiet when its success changes
// nothing: untimed, no fault injected, and a reference kernel, no breakers,
// or a closed breaker with no failures to reset.
func (call *Call) advance() {
	e, d := call.e, call.d
	for int(call.pos) < len(d.kernels) {
		k := d.kernels[call.pos]
		call.pos++
		var tok probeToken
		quiet := !call.timed
		if k != d.ref {
			if int(call.calls) >= e.opts.MaxFallbackAttempts {
				continue // out of attempts: only the reference kernel is left to try
			}
			if bs := e.brk; bs != nil {
				if bs.words[k].Load()&stateMask != uint64(BreakerClosed) {
					ok, t, _ := bs.admit(k)
					if !ok {
						call.skip(k)
						continue
					}
					tok, quiet = t, false
				} else if bs.failures[k].Load() != 0 {
					quiet = false
				}
			}
			call.calls++
		}
		call.kernel, call.tok = k, tok
		call.attempts++
		call.state = callReady
		if quiet && e.faults.Load() == nil {
			call.state |= callQuiet
		}
		if call.timed {
			call.started = e.nanotime()
		}
		return
	}
	call.exhausted()
}

// done is Done for everything but a quiet success.
func (call *Call) done(err error) {
	if call.state&callActive == 0 {
		return
	}
	call.state = 0
	e, k := call.e, call.kernel
	if f := e.fault(k); f != nil {
		err = f
	}
	if call.timed {
		call.measure(k)
	}
	if err != nil {
		call.fail(err)
		return
	}
	if e.brk != nil && k != call.d.ref {
		e.brk.success(k, call.tok)
	}
	if call.pos > 1 && e.tel != nil { // served by a kernel after the first candidate
		call.counters(k).fallbacks.Add(1)
	}
	if call.res != nil {
		call.fillResult()
	}
}

// counters returns kernel k's telemetry shard for this call. Calls on
// different goroutines' stacks mostly land on different shards, so
// concurrent dispatches rarely write the same cache line.
func (call *Call) counters(k KernelID) *kernelCounters {
	return call.e.tel.shard(uintptr(unsafe.Pointer(call)), k)
}

// measure adds the current kernel call's duration to the result and the
// kernel's latency histogram.
func (call *Call) measure(k KernelID) {
	dt := call.e.nanotime() - call.started
	if call.res != nil {
		call.res.ExecutionNs += dt
	}
	if call.e.tel != nil {
		call.counters(k).observe(dt)
	}
}

// skip records that kernel k's open breaker passed it over.
func (call *Call) skip(k KernelID) {
	e := call.e
	if e.tel != nil {
		call.counters(k).skips.Add(1)
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
	e, k, ref := call.e, call.kernel, call.d.ref
	if isCallerError(err) {
		if e.brk != nil && k != ref {
			e.brk.release(k, call.tok)
		}
		call.end(err, errInvalidArgument)
		return
	}
	if e.brk != nil && k != ref {
		e.brk.failure(k, call.tok)
	}
	if e.tel != nil {
		call.counters(k).failures.Add(1)
	}
	cause := causeError
	var pe *PanicError
	if errors.As(err, &pe) {
		cause = causePanic
	}
	e.events.fallback(k, cause, err)
	call.failed = append(call.failed, failedAttempt{k, err})
	if !call.passed {
		call.miss, call.missOpen, call.passed = k, false, true
	}
	if !e.opts.Fallback {
		call.exhausted()
		return
	}
	call.advance()
}

// exhausted ends the call when no candidate is left: with the decision's
// *NoKernelError when no kernel fits, else with a *FallbackExhaustedError
// listing, in candidate order, every failed call and every kernel skipped
// because its breaker was open. Skips are replayed from the candidate list
// rather than recorded, so that skipping costs nothing when a fallback then
// succeeds.
func (call *Call) exhausted() {
	if call.d.noKernel != nil {
		call.end(call.d.noKernel, errNoKernel)
		return
	}
	e, reg, ref := call.e, call.e.reg, call.d.ref
	ex := &FallbackExhaustedError{Op: reg.Ops[call.op].Name}
	fi, calls := 0, 0
	for _, k := range call.d.kernels[:call.pos] {
		name := reg.Kernels[k].Name
		switch {
		case fi < len(call.failed) && call.failed[fi].kernel == k:
			ex.Attempts = append(ex.Attempts, Attempt{Kernel: name, Err: call.failed[fi].err})
			fi++
			if k != ref {
				calls++
			}
		case k != ref && calls < e.opts.MaxFallbackAttempts:
			_, retry := e.BreakerStatus(k)
			ex.Attempts = append(ex.Attempts, Attempt{Kernel: name, Err: &CircuitOpenError{Kernel: name, RetryAfter: retry}})
		}
	}
	call.end(ex, errExhausted)
}

// end finishes the call with err.
func (call *Call) end(err error, kind dispatchErrorKind) {
	call.err, call.state = err, 0
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
	res.Attempts = int(call.attempts)
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
