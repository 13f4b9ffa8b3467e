package runtime

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCacheHitDispatchDoesNotAllocate covers the zero-allocation promise of
// the dynamic path, with and without telemetry counters.
func TestCacheHitDispatchDoesNotAllocate(t *testing.T) {
	for _, telemetry := range []bool{false, true} {
		e, ks := newTestEngine(t, WithTelemetry(telemetry))
		c := attnCtx()
		if err := ks.dispatch(e, c, nil); err != nil { // warm the cache
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(1000, func() {
			c.SeqLenK++ // a decode step: a new value in the same interval
			if err := ks.dispatch(e, c, nil); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("telemetry %v: %v allocations per cache-hit dispatch, want 0", telemetry, allocs)
		}
	}
}

// TestOpenBreakerFallbackDoesNotAllocate: while a kernel is ejected, its
// traffic goes to the next kernel without allocating.
func TestOpenBreakerFallbackDoesNotAllocate(t *testing.T) {
	e, ks := newTestEngine(t, WithBreakerConfig(BreakerConfig{FailureThreshold: 1}))
	ks.set(kFast, failWith(errKernel))
	if err := ks.dispatch(e, attnCtx(), nil); err != nil {
		t.Fatal(err)
	}
	c := attnCtx()
	if allocs := testing.AllocsPerRun(1000, func() { _ = ks.dispatch(e, c, nil) }); allocs != 0 {
		t.Errorf("%v allocations per dispatch around an open breaker, want 0", allocs)
	}
}

// TestConcurrentDispatchWithRandomFailures runs 8 goroutines against kernels
// that fail at random and checks every counter exactly against what the
// kernels and callers saw. Run it with -race.
func TestConcurrentDispatchWithRandomFailures(t *testing.T) {
	e, ks := newTestEngine(t, WithTelemetry(true), WithBreakerConfig(BreakerConfig{FailureThreshold: 3, Cooldown: 1e6}))
	var failures [kRMSRef + 1]atomic.Int64
	for k := kFast; k <= kRMSRef; k++ {
		ks.set(k, func() error {
			if rand.IntN(3) == 0 {
				failures[k].Add(1)
				return errKernel
			}
			return nil
		})
	}
	const goroutines, perGoroutine = 8, 2000
	var served, exhausted atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for range perGoroutine {
				c := attnCtx()
				c.SeqLenK = r.Int32N(8000) + 1 // crosses fast's seq_len_k limit
				if r.IntN(2) == 0 {
					c = Context{Op: 1, Platform: PlatformCPU, DType: Float32, BatchSize: r.Int32N(32) + 1}
				}
				var res Result
				err := ks.dispatch(e, c, &res)
				var ex *FallbackExhaustedError
				switch {
				case err == nil:
					served.Add(1)
				case errors.As(err, &ex):
					exhausted.Add(1)
				default:
					t.Errorf("unexpected error %v", err)
				}
			}
		})
	}
	wg.Wait()
	if served.Load()+exhausted.Load() != goroutines*perGoroutine {
		t.Fatalf("served %d + exhausted %d != %d", served.Load(), exhausted.Load(), goroutines*perGoroutine)
	}
	var fallbacks uint64
	for k := kFast; k <= kRMSRef; k++ {
		s := e.KernelStats(k)
		if s.Calls != uint64(ks.calls[k].Load()) || s.Failures != uint64(failures[k].Load()) {
			t.Errorf("%s: counted %d calls / %d failures, kernels saw %d / %d", s.Name, s.Calls, s.Failures, ks.calls[k].Load(), failures[k].Load())
		}
		if s.Latency.Count != s.Calls {
			t.Errorf("%s: %d latency samples for %d calls", s.Name, s.Latency.Count, s.Calls)
		}
		fallbacks += s.Fallbacks
	}
	exhaustedCount := e.OpStats(0).Exhausted + e.OpStats(1).Exhausted
	if exhaustedCount != uint64(exhausted.Load()) {
		t.Errorf("op stats count %d exhausted dispatches, callers saw %d", exhaustedCount, exhausted.Load())
	}
	if fallbacks == 0 {
		t.Error("no fallbacks in a run where a third of the calls fail")
	}
}
