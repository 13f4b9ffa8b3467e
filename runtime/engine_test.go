package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestDispatchRunsHighestPriorityFittingKernel(t *testing.T) {
	e, ks := newTestEngine(t)
	var res Result
	if err := ks.dispatch(e, attnCtx(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Kernel != kFast || res.KernelName != "fast" || res.Cached || res.Fallback || res.Attempts != 1 || res.Source != "priority" {
		t.Fatalf("first dispatch result = %+v", res)
	}
	if err := ks.dispatch(e, attnCtx(), &res); err != nil || !res.Cached || res.Kernel != kFast {
		t.Fatalf("second dispatch: err %v, result %+v; want a cached decision for fast", err, res)
	}
	c := attnCtx()
	c.DType = Float32 // fast only takes fp16/bf16
	if err := ks.dispatch(e, c, &res); err != nil || res.Kernel != kMedium {
		t.Fatalf("float32 dispatch: err %v, kernel %v; want medium", err, res.KernelName)
	}
}

func TestPrimaryFailsNextKernelRuns(t *testing.T) {
	e, ks := newTestEngine(t, WithTelemetry(true))
	ks.set(kFast, failWith(errKernel))
	var res Result
	if err := ks.dispatch(e, attnCtx(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Kernel != kMedium || !res.Fallback || res.FallbackReason != "fast: kernel failed" || res.Attempts != 2 {
		t.Fatalf("result = %+v; want medium as a fallback from fast's failure", res)
	}
	fast, medium := e.KernelStats(kFast), e.KernelStats(kMedium)
	if fast.Calls != 1 || fast.Failures != 1 || medium.Calls != 1 || medium.Failures != 0 || medium.Fallbacks != 1 {
		t.Fatalf("counters: fast %+v, medium %+v", fast, medium)
	}
	if ks.calls[kFast].Load() != 1 || ks.calls[kMedium].Load() != 1 || ks.calls[kSlow].Load() != 0 {
		t.Fatal("each kernel must be called exactly once, in order")
	}
}

func TestPrimaryOpenNextKernelRunsWithoutCallingIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, ks := newTestEngine(t, WithTelemetry(true), WithBreakerConfig(BreakerConfig{FailureThreshold: 2}))
		ks.set(kFast, failWith(errKernel))
		for range 2 {
			if err := ks.dispatch(e, attnCtx(), nil); err != nil {
				t.Fatal(err)
			}
		}
		if st, retry := e.BreakerStatus(kFast); st != BreakerOpen || retry != 30*time.Second {
			t.Fatalf("fast's breaker = %v (retry %v), want OPEN with 30s", st, retry)
		}
		var res Result
		if err := ks.dispatch(e, attnCtx(), &res); err != nil {
			t.Fatal(err)
		}
		if ks.calls[kFast].Load() != 2 {
			t.Fatalf("fast called %d times; an open breaker must keep it from being called", ks.calls[kFast].Load())
		}
		if res.Kernel != kMedium || !res.Fallback || res.FallbackReason != "fast: CIRCUIT_OPEN" || res.Attempts != 1 {
			t.Fatalf("result = %+v; want medium as a fallback because fast's circuit is open", res)
		}
		if s := e.KernelStats(kFast); s.Failures != 2 || s.Skips != 1 || s.Transitions[BreakerOpen] != 1 {
			t.Fatalf("fast stats = %+v", s)
		}
		// After the cooldown fast is probed again and, healthy, closes.
		ks.set(kFast, nil)
		time.Sleep(30 * time.Second)
		for range 2 {
			if err := ks.dispatch(e, attnCtx(), &res); err != nil || res.Kernel != kFast {
				t.Fatalf("probe dispatch: err %v, kernel %s", err, res.KernelName)
			}
		}
		if st, _ := e.BreakerStatus(kFast); st != BreakerClosed {
			t.Fatalf("fast's breaker = %v after two good probes, want CLOSED", st)
		}
	})
}

func TestAllFailExhaustedListsAttemptsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, ks := newTestEngine(t, WithBreakerConfig(BreakerConfig{FailureThreshold: 1}))
		for k := kFast; k <= kRef; k++ {
			ks.set(k, failWith(fmt.Errorf("%s broke: %w", testRegistry().Kernels[k].Name, errKernel)))
		}
		err := ks.dispatch(e, attnCtx(), nil)
		var ex *FallbackExhaustedError
		if !errors.As(err, &ex) || !errors.Is(err, errKernel) {
			t.Fatalf("err = %v, want a *FallbackExhaustedError wrapping the kernels' errors", err)
		}
		if got := attemptNames(ex); got != "fast medium slow ref" {
			t.Fatalf("attempts %q, want fast medium slow ref", got)
		}
		// Now every breaker but the reference's is open: the second dispatch
		// lists the skipped kernels as *CircuitOpenError, then ref's failure.
		time.Sleep(time.Second)
		err = ks.dispatch(e, attnCtx(), nil)
		if !errors.As(err, &ex) || attemptNames(ex) != "fast medium slow ref" {
			t.Fatalf("second dispatch err = %v", err)
		}
		var open *CircuitOpenError
		if !errors.As(ex.Attempts[0].Err, &open) || open.Kernel != "fast" || open.RetryAfter != 29*time.Second {
			t.Fatalf("first attempt = %v, want fast's circuit open with 29s to go", ex.Attempts[0].Err)
		}
		if !errors.Is(ex.Attempts[3].Err, errKernel) || ks.calls[kRef].Load() != 2 {
			t.Fatal("the reference kernel is never ejected: it must run again and fail")
		}
		if !strings.Contains(err.Error(), "attention.causal: all 4 kernel attempts failed") {
			t.Fatalf("message %q", err)
		}
	})
}

func attemptNames(ex *FallbackExhaustedError) string {
	var names []string
	for _, a := range ex.Attempts {
		names = append(names, a.Kernel)
	}
	return strings.Join(names, " ")
}

func TestMaxFallbackAttemptsThenReference(t *testing.T) {
	e, ks := newTestEngine(t, WithMaxFallbackAttempts(1))
	ks.set(kFast, failWith(errKernel))
	var res Result
	if err := ks.dispatch(e, attnCtx(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Kernel != kRef || res.Attempts != 2 || ks.calls[kMedium].Load() != 0 {
		t.Fatalf("result %+v: after one failed attempt only the reference kernel may run", res)
	}
	ks.set(kRef, failWith(errKernel))
	var ex *FallbackExhaustedError
	if err := ks.dispatch(e, attnCtx(), nil); !errors.As(err, &ex) || attemptNames(ex) != "fast ref" {
		t.Fatalf("err = %v, want attempts fast, ref", err)
	}
}

func TestFallbackDisabledMakesOneAttempt(t *testing.T) {
	e, ks := newTestEngine(t, WithFallback(false))
	ks.set(kFast, failWith(errKernel))
	err := ks.dispatch(e, attnCtx(), nil)
	var ex *FallbackExhaustedError
	if !errors.As(err, &ex) || attemptNames(ex) != "fast" || !errors.Is(err, errKernel) {
		t.Fatalf("err = %v, want one failed attempt of fast", err)
	}
	for k := kMedium; k <= kRef; k++ {
		if ks.calls[k].Load() != 0 {
			t.Fatalf("kernel %d called with fallback disabled", k)
		}
	}
}

func TestCallerErrorNoFallbackNoBreakerCount(t *testing.T) {
	e, ks := newTestEngine(t, WithTelemetry(true), WithBreakerConfig(BreakerConfig{FailureThreshold: 1}))
	bad := fmt.Errorf("%w: q and k disagree on head_dim", ErrInvalidArgument)
	ks.set(kFast, failWith(bad))
	for range 3 {
		if err := ks.dispatch(e, attnCtx(), nil); err != bad {
			t.Fatalf("err = %v, want the caller's error itself", err)
		}
	}
	if st, _ := e.BreakerStatus(kFast); st != BreakerClosed {
		t.Fatalf("fast's breaker %v: a caller error must not count", st)
	}
	if s := e.KernelStats(kFast); s.Failures != 0 || s.Calls != 3 {
		t.Fatalf("fast stats %+v", s)
	}
	if ks.calls[kMedium].Load() != 0 || e.OpStats(0).InvalidArgument != 3 {
		t.Fatal("a caller error must not fall back")
	}
}

func TestPanicIsRecoveredAndCountedAsFailure(t *testing.T) {
	e, ks := newTestEngine(t, WithTelemetry(true), WithBreakerConfig(BreakerConfig{FailureThreshold: 1}))
	ks.set(kFast, func() error { panic(fmt.Errorf("%w: even this", ErrInvalidArgument)) })
	var res Result
	if err := ks.dispatch(e, attnCtx(), &res); err != nil || res.Kernel != kMedium {
		t.Fatalf("err %v, result %+v; a panic must fall back", err, res)
	}
	if !strings.HasPrefix(res.FallbackReason, "fast: kernel panicked") {
		t.Fatalf("reason %q", res.FallbackReason)
	}
	if st, _ := e.BreakerStatus(kFast); st != BreakerOpen || e.KernelStats(kFast).Failures != 1 {
		t.Fatal("a panic must count as a failure")
	}
}

func TestReferenceKernelIsNeverEjected(t *testing.T) {
	e, ks := newTestEngine(t, WithBreakerConfig(BreakerConfig{FailureThreshold: 1}))
	c := Context{Op: 1, Platform: PlatformCPU, DType: Float32, BatchSize: 4} // only rms_ref fits
	ks.set(kRMSRef, failWith(errKernel))
	for range 5 {
		if err := ks.dispatch(e, c, nil); !errors.Is(err, errKernel) {
			t.Fatalf("err = %v", err)
		}
	}
	if ks.calls[kRMSRef].Load() != 5 {
		t.Fatalf("rms_ref called %d times, want 5", ks.calls[kRMSRef].Load())
	}
	if st, _ := e.BreakerStatus(kRMSRef); st != BreakerClosed {
		t.Fatalf("reference breaker %v", st)
	}
}

func TestNoKernelErrorCarriesEveryKernelsReasons(t *testing.T) {
	e, ks := newTestEngine(t)
	c := Context{Op: 0, Platform: PlatformCUDA, SM: 75, DType: Float16, HeadDim: 64}
	err := ks.dispatch(e, c, nil)
	var nk *NoKernelError
	if !errors.As(err, &nk) || !errors.Is(err, ErrNoKernel) || len(nk.Rejections) != 5 {
		t.Fatalf("err = %v, want a *NoKernelError over all 5 kernels", err)
	}
	if gpu := nk.Rejections[0]; gpu.Kernel != "gpu" || !gpu.Reasons.Has(SMTooOld) || !gpu.Reasons.Has(NoCUDADriver) {
		t.Fatalf("gpu rejection = %v %v", gpu.Kernel, gpu.Reasons)
	}
	if !nk.Rejections[4].Reasons.Has(PlatformMismatch) {
		t.Fatalf("ref rejection = %v", nk.Rejections[4].Reasons)
	}
}

func TestCUDAKernelsNeedTheDriver(t *testing.T) {
	e, ks := newTestEngine(t)
	c := Context{Op: 0, Platform: PlatformCUDA, SM: 90, DType: Float16, HeadDim: 64}
	if err := ks.dispatch(e, c, nil); !errors.Is(err, ErrNoKernel) {
		t.Fatalf("without a driver: err = %v", err)
	}
	SetCUDAAvailable(true)
	defer SetCUDAAvailable(false)
	e, _ = newTestEngine(t) // a fresh engine: decisions are cached per snapshot
	var res Result
	if err := ks.dispatch(e, c, &res); err != nil || res.Kernel != kGPU {
		t.Fatalf("with a driver: err %v, kernel %s", err, res.KernelName)
	}
}

func TestModeResolution(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rules, []byte("version: \"1.0\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts []Option
		want Mode
	}{
		{nil, ModeStatic},
		{[]Option{WithTelemetry(true)}, ModeDynamic},
		{[]Option{WithBreakers(true)}, ModeDynamic},
		{[]Option{WithBreakers(false)}, ModeStatic},
		{[]Option{WithRulesFile(rules)}, ModeConfig},
		{[]Option{WithMode(ModeDynamic)}, ModeDynamic},
	} {
		e, err := NewEngine(testRegistry(), append(tc.opts, WithLogger(nil))...)
		if err != nil {
			t.Fatal(err)
		}
		if e.Mode() != tc.want {
			t.Errorf("mode %v, want %v", e.Mode(), tc.want)
		}
	}
}

func TestNewEngineRejectsBadOptions(t *testing.T) {
	for name, opts := range map[string][]Option{
		"zero attempts":       {WithMaxFallbackAttempts(0)},
		"config without file": {WithMode(ModeConfig)},
		"missing rules file":  {WithRulesFile(filepath.Join(t.TempDir(), "absent.yaml"))},
		"bad breaker":         {WithBreakerConfig(BreakerConfig{HalfOpenMaxCalls: 100})},
		"bad cache size":      {WithCacheSize(-1)},
		"unknown mode":        {WithMode(Mode(42))},
	} {
		if _, err := NewEngine(testRegistry(), opts...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	reg := testRegistry()
	reg.Ops[0].Reference = kRMS
	if _, err := NewEngine(reg); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("reference of another op: err = %v", err)
	}
}

func TestModeStringsRoundTrip(t *testing.T) {
	for m := range numModes {
		got, err := ParseMode(strings.ToLower(m.String()))
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseMode("TURBO"); err == nil {
		t.Error("ParseMode accepted TURBO")
	}
}

func TestSetPolicyStartsFreshCacheAndBumpsVersion(t *testing.T) {
	e, ks := newTestEngine(t)
	v := e.PolicyVersion()
	if err := ks.dispatch(e, attnCtx(), nil); err != nil {
		t.Fatal(err)
	}
	e.SetPolicy(nil)
	if e.PolicyVersion() != v+1 {
		t.Fatalf("version %d, want %d", e.PolicyVersion(), v+1)
	}
	var res Result
	if err := ks.dispatch(e, attnCtx(), &res); err != nil || res.Cached {
		t.Fatalf("after SetPolicy: err %v, cached %v; want a fresh cache", err, res.Cached)
	}
}

func TestInjectFaultActsLikeAKernelFailure(t *testing.T) {
	e, ks := newTestEngine(t, WithBreakerConfig(BreakerConfig{FailureThreshold: 2}))
	drill := errors.New("fire drill")
	e.InjectFault(kFast, drill)
	var res Result
	for range 2 {
		if err := ks.dispatch(e, attnCtx(), &res); err != nil || res.Kernel != kMedium || res.FallbackReason != "fast: fire drill" {
			t.Fatalf("err %v, result %+v", err, res)
		}
	}
	if st, _ := e.BreakerStatus(kFast); st != BreakerOpen {
		t.Fatalf("fast's breaker %v after two injected faults", st)
	}
	e.InjectFault(kFast, nil)
	if e.faults.Load() != nil {
		t.Fatal("clearing the last fault must restore the fault-free fast path")
	}
}
