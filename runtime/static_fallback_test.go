package runtime

import (
	"errors"
	"fmt"
	"testing"
)

// staticOrder is the static dispatch order of testRegistry's attention op.
var staticOrder = []KernelID{kGPU, kFast, kMedium, kSlow, kRef}

func TestStaticFallbackTriesTheFittingKernelsAfterTheFailedOne(t *testing.T) {
	reg, ks := testRegistry(), &kernels{}
	c := attnCtx()
	c.SeqLenQ = 9000 // medium's limit is 8192: it must be skipped, not called
	err := reg.StaticFallback(c, staticOrder, kFast, errKernel, ks.invoke)
	if err != nil {
		t.Fatalf("err %v, want slow to serve", err)
	}
	calls := [kRMSRef + 1]int64{}
	for k := range calls {
		calls[k] = ks.calls[k].Load()
	}
	expectEqual(t, [kRMSRef + 1]int64{kSlow: 1}, calls)
}

func TestStaticFallbackReturnsCallerErrorsAtOnce(t *testing.T) {
	reg, ks := testRegistry(), &kernels{}
	bad := fmt.Errorf("%w: q is nil", ErrInvalidArgument)
	if err := reg.StaticFallback(attnCtx(), staticOrder, kFast, bad, ks.invoke); err != bad {
		t.Fatalf("err %v, want the caller's error itself", err)
	}
	ks.set(kMedium, failWith(bad))
	if err := reg.StaticFallback(attnCtx(), staticOrder, kFast, errKernel, ks.invoke); err != bad {
		t.Fatalf("err %v, want medium's caller error itself", err)
	}
	if n := ks.calls[kSlow].Load(); n != 0 {
		t.Fatalf("slow called %d times after a caller error", n)
	}
}

// A kernel panic is the kernel's failure even when its value wraps
// ErrInvalidArgument, in the static path as in the engine.
func TestStaticFallbackTreatsPanicsAsFailures(t *testing.T) {
	reg, ks := testRegistry(), &kernels{}
	ks.set(kFast, func() error { panic(fmt.Errorf("%w: even this", ErrInvalidArgument)) })
	err := ks.invoke(kFast)
	if err := reg.StaticFallback(attnCtx(), staticOrder, kFast, err, ks.invoke); err != nil {
		t.Fatalf("err %v, want a fallback to serve", err)
	}
	expectEqual(t, int64(1), ks.calls[kMedium].Load(), "medium calls")
}

func TestStaticFallbackExhausted(t *testing.T) {
	reg, ks := testRegistry(), &kernels{}
	for _, k := range []KernelID{kMedium, kSlow, kRef} {
		ks.set(k, failWith(fmt.Errorf("%s broke: %w", reg.Kernels[k].Name, errKernel)))
	}
	err := reg.StaticFallback(attnCtx(), staticOrder, kFast, errKernel, ks.invoke)
	var ex *FallbackExhaustedError
	if !errors.As(err, &ex) || !errors.Is(err, errKernel) {
		t.Fatalf("err %v, want a *FallbackExhaustedError wrapping the kernels' errors", err)
	}
	var names []string
	for _, a := range ex.Attempts {
		names = append(names, a.Kernel)
	}
	expectEqual(t, "attention.causal", ex.Op)
	expectEqual(t, []string{"fast", "medium", "slow", "ref"}, names)
}
