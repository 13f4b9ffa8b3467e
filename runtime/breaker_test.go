package runtime

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

type transition struct{ from, to BreakerState }

// newTestBreakers returns breakers for one kernel (id 0) with cfg and a log
// of their transitions. Call it inside a synctest bubble.
func newTestBreakers(cfg BreakerConfig) (*breakers, *[]transition) {
	var log []transition
	bs := newBreakers(1, cfg, systemClock{}, func(_ KernelID, from, to BreakerState) { log = append(log, transition{from, to}) })
	return bs, &log
}

func mustAdmit(t *testing.T, bs *breakers) probeToken {
	t.Helper()
	ok, tok, _ := bs.admit(0)
	if !ok {
		st, _ := bs.status(0)
		t.Fatalf("breaker refused a call in state %v", st)
	}
	return tok
}

func wantState(t *testing.T, bs *breakers, want BreakerState) {
	t.Helper()
	if got, _ := bs.status(0); got != want {
		t.Fatalf("state = %v, want %v", got, want)
	}
}

func TestBreakerOpensAfterConsecutiveFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bs, log := newTestBreakers(DefaultBreakerConfig())
		for range 4 {
			bs.failure(0, mustAdmit(t, bs))
		}
		wantState(t, bs, BreakerClosed)
		bs.success(0, mustAdmit(t, bs)) // one success resets the count
		for range 4 {
			bs.failure(0, mustAdmit(t, bs))
		}
		wantState(t, bs, BreakerClosed)
		bs.failure(0, mustAdmit(t, bs))
		wantState(t, bs, BreakerOpen)
		if ok, _, retry := bs.admit(0); ok || retry != 30*time.Second {
			t.Fatalf("open breaker: admit = %v, retry after %v; want refused, 30s", ok, retry)
		}
		if !slices.Equal(*log, []transition{{BreakerClosed, BreakerOpen}}) {
			t.Fatalf("transitions = %v", *log)
		}
	})
}

func TestBreakerRetryAfterCountsDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bs, _ := newTestBreakers(BreakerConfig{FailureThreshold: 1, Cooldown: 30 * time.Second, HalfOpenMaxCalls: 1, SuccessThreshold: 2})
		bs.failure(0, mustAdmit(t, bs))
		for _, want := range []time.Duration{30 * time.Second, 20 * time.Second, 10 * time.Second} {
			if _, retry := bs.status(0); retry != want {
				t.Fatalf("RetryAfter = %v, want %v", retry, want)
			}
			if _, _, retry := bs.admit(0); retry != want {
				t.Fatalf("admit's retry after = %v, want %v", retry, want)
			}
			time.Sleep(10 * time.Second)
		}
		wantState(t, bs, BreakerOpen) // still open until a call arrives
		mustAdmit(t, bs)
		wantState(t, bs, BreakerHalfOpen)
	})
}

func TestBreakerHalfOpenAdmitsExactlyTheConfiguredProbes(t *testing.T) {
	for _, probes := range []int{1, 2, 3} {
		synctest.Test(t, func(t *testing.T) {
			bs, _ := newTestBreakers(BreakerConfig{FailureThreshold: 1, Cooldown: time.Second, HalfOpenMaxCalls: probes, SuccessThreshold: 5})
			bs.failure(0, mustAdmit(t, bs))
			time.Sleep(time.Second)
			toks := make([]probeToken, probes)
			for i := range toks {
				toks[i] = mustAdmit(t, bs)
				if toks[i] == 0 {
					t.Fatal("half-open breaker admitted a call without a probe token")
				}
			}
			if ok, _, _ := bs.admit(0); ok {
				t.Fatalf("half-open breaker with %d probe slots admitted probe %d", probes, probes+1)
			}
			bs.success(0, toks[0]) // a finished probe frees its slot
			mustAdmit(t, bs)
			if ok, _, _ := bs.admit(0); ok {
				t.Fatal("half-open breaker admitted more probes than slots after one finished")
			}
		})
	}
}

func TestBreakerProbeSuccessesClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bs, log := newTestBreakers(DefaultBreakerConfig())
		for range 5 {
			bs.failure(0, mustAdmit(t, bs))
		}
		time.Sleep(30 * time.Second)
		bs.success(0, mustAdmit(t, bs))
		wantState(t, bs, BreakerHalfOpen)
		bs.success(0, mustAdmit(t, bs))
		wantState(t, bs, BreakerClosed)
		want := []transition{{BreakerClosed, BreakerOpen}, {BreakerOpen, BreakerHalfOpen}, {BreakerHalfOpen, BreakerClosed}}
		if !slices.Equal(*log, want) {
			t.Fatalf("transitions = %v, want %v", *log, want)
		}
		// Closed again with a fresh count: four failures do not reopen it.
		for range 4 {
			bs.failure(0, mustAdmit(t, bs))
		}
		wantState(t, bs, BreakerClosed)
	})
}

func TestBreakerProbeFailureReopensWithFreshCooldown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bs, log := newTestBreakers(BreakerConfig{FailureThreshold: 1, Cooldown: 30 * time.Second, HalfOpenMaxCalls: 1, SuccessThreshold: 2})
		bs.failure(0, mustAdmit(t, bs))
		time.Sleep(45 * time.Second) // well past the first cooldown
		tok := mustAdmit(t, bs)
		bs.success(0, tok)
		bs.failure(0, mustAdmit(t, bs))
		wantState(t, bs, BreakerOpen)
		if _, retry := bs.status(0); retry != 30*time.Second {
			t.Fatalf("RetryAfter after a failed probe = %v, want a fresh 30s", retry)
		}
		bs.success(0, tok) // a stale probe outcome from the last half-open period is ignored
		wantState(t, bs, BreakerOpen)
		want := []transition{{BreakerClosed, BreakerOpen}, {BreakerOpen, BreakerHalfOpen}, {BreakerHalfOpen, BreakerOpen}}
		if !slices.Equal(*log, want) {
			t.Fatalf("transitions = %v, want %v", *log, want)
		}
	})
}

func TestBreakerReleaseFreesProbeSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bs, _ := newTestBreakers(BreakerConfig{FailureThreshold: 1, Cooldown: time.Second, HalfOpenMaxCalls: 1, SuccessThreshold: 1})
		bs.failure(0, mustAdmit(t, bs))
		time.Sleep(time.Second)
		bs.release(0, mustAdmit(t, bs)) // the caller's own error: no verdict
		wantState(t, bs, BreakerHalfOpen)
		bs.success(0, mustAdmit(t, bs))
		wantState(t, bs, BreakerClosed)
	})
}

func TestBreakerWordRoundTrips(t *testing.T) {
	w := makeWord(BreakerHalfOpen, 3, 7, 1023, 90*time.Second+time.Microsecond)
	if wordState(w) != BreakerHalfOpen || wordProbes(w) != 3 || wordSuccesses(w) != 7 || wordGen(w) != 1023 {
		t.Fatalf("word fields: %v %d %d %d", wordState(w), wordProbes(w), wordSuccesses(w), wordGen(w))
	}
	if got := wordUntil(w); got != 90*time.Second+time.Millisecond {
		t.Fatalf("until = %v, want the cooldown rounded up to the millisecond", got)
	}
}

func TestBreakerConfigValidation(t *testing.T) {
	for _, c := range []BreakerConfig{
		{FailureThreshold: 0, Cooldown: time.Second, HalfOpenMaxCalls: 1, SuccessThreshold: 1},
		{FailureThreshold: 1, Cooldown: 0, HalfOpenMaxCalls: 1, SuccessThreshold: 1},
		{FailureThreshold: 1, Cooldown: time.Second, HalfOpenMaxCalls: 64, SuccessThreshold: 1},
		{FailureThreshold: 1, Cooldown: time.Second, HalfOpenMaxCalls: 1, SuccessThreshold: 0},
	} {
		if err := c.validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := DefaultBreakerConfig().validate(); err != nil {
		t.Fatal(err)
	}
}
