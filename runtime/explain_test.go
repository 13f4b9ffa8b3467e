package runtime

import (
	"strings"
	"testing"
)

func TestExplainListsEveryKernelWithReasonsAndOrder(t *testing.T) {
	e, ks := newTestEngine(t, WithBreakerConfig(BreakerConfig{FailureThreshold: 1}))
	ks.set(kFast, failWith(errKernel))
	if err := ks.dispatch(e, attnCtx(), nil); err != nil {
		t.Fatal(err)
	}
	c := attnCtx()
	c.SeqLenQ = 9000 // too long for medium
	x := e.Explain(0, c)
	if got := strings.Join(x.Order, " "); got != "fast slow ref" {
		t.Fatalf("order %q, want fast slow ref", got)
	}
	byName := map[string]KernelVerdict{}
	for _, v := range x.Kernels {
		byName[v.Name] = v
	}
	if len(byName) != 5 {
		t.Fatalf("%d kernels explained, want 5", len(x.Kernels))
	}
	if v := byName["gpu"]; v.Accepted || !v.Reasons.Has(PlatformMismatch) || !v.Reasons.Has(NoCUDADriver) || v.Rank != 0 {
		t.Fatalf("gpu verdict %+v", v)
	}
	if v := byName["medium"]; v.Accepted || !v.Reasons.Has(SeqTooLong) {
		t.Fatalf("medium verdict %+v", v)
	}
	if v := byName["fast"]; !v.Accepted || v.Rank != 1 || v.Breaker != BreakerOpen || v.Source != "priority" {
		t.Fatalf("fast verdict %+v", v)
	}
	if v := byName["ref"]; !v.Reference || v.Rank != 3 || v.Source != "reference" {
		t.Fatalf("ref verdict %+v", v)
	}
	text := x.String()
	for _, want := range []string{
		"op attention.causal  mode DYNAMIC",
		"try order: fast -> slow -> ref",
		"seq_len_q=9000",
		"SEQ_TOO_LONG (sequence length above the kernel's maximum)",
		"OPEN (retry in 30s)",
		"ref (reference)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
}

func TestFormatContext(t *testing.T) {
	c := Context{Platform: PlatformCUDA, DType: BFloat16, SM: 90, HeadDim: 128, IsCausal: true, DropoutP: 1e-7}
	want := "platform=cuda,dtype=bfloat16,sm=90,head_dim=128,dropout_p=1e-07,is_causal=true"
	if got := FormatContext(&c); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLatencyBuckets(t *testing.T) {
	for _, tc := range []struct {
		ns   int64
		want int
	}{{0, 0}, {256, 0}, {257, 1}, {512, 1}, {513, 2}, {1 << 33, numBuckets - 2}, {1<<33 + 1, numBuckets - 1}, {1 << 40, numBuckets - 1}} {
		b := latencyBucket(tc.ns)
		if b != tc.want {
			t.Errorf("latencyBucket(%d) = %d, want %d", tc.ns, b, tc.want)
		}
		if b < len(histogramBounds) && int64(histogramBounds[b]) < tc.ns {
			t.Errorf("%d ns lands in a bucket bounded by %v", tc.ns, histogramBounds[b])
		}
		if b > 0 && int64(histogramBounds[b-1]) >= tc.ns {
			t.Errorf("%d ns belongs in an earlier bucket than %d", tc.ns, b)
		}
	}
}

// TestExplainNamesTheListThatExcludesAKernel: a kernel_denies match is
// DENIED_BY_POLICY (a deny wins over an allow), a kernel outside a
// non-empty kernel_allows is NOT_ALLOWED_BY_POLICY.
func TestExplainNamesTheListThatExcludesAKernel(t *testing.T) {
	e, _ := newTestEngine(t)
	p, ds := ParsePolicy("rules.yaml", []byte("version: \"1.0\"\nkernel_allows: [fast, slow, ref, \"rms*\"]\nkernel_denies: [slow]\n"), e.Registry())
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	e.SetPolicy(p)
	reasons := map[string]Reasons{}
	for _, v := range e.Explain(0, attnCtx()).Kernels {
		reasons[v.Name] = v.Reasons
	}
	expectEqual(t, Reasons(0), reasons["fast"], "fast")
	expectEqual(t, Reasons(0).With(DeniedByPolicy), reasons["slow"], "slow")
	expectEqual(t, Reasons(0).With(NotAllowedByPolicy), reasons["medium"], "medium")
}
