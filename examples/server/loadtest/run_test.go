package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	lat := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for q, want := range map[float64]time.Duration{0.5: 5, 0.99: 10, 1: 10, 0.1: 1, 0: 1} {
		if got := percentile(lat, q); got != want {
			t.Errorf("percentile(%v) = %v, want %v", q, got, want)
		}
	}
}

// TestRunInProcess runs a short load test against an in-process server: no
// request may fail, and the rules rewrite must show in the kernels served.
func TestRunInProcess(t *testing.T) {
	p := plan{requests: 48, clients: 3, seq: 16, batch: 1, faultKernel: "matmul_blocked", timeout: 30 * time.Second}
	rep, err := run(p)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep.print(&out)
	if rep.errors != 0 {
		t.Fatalf("%d errors:\n%s", rep.errors, out.String())
	}
	if len(rep.latencies) != 48 {
		t.Errorf("%d requests recorded, want 48", len(rep.latencies))
	}
	if rep.served[opKernel{"norm.rms", "rms_norm_f32"}] == 0 || rep.served[opKernel{"norm.rms", "rms_norm_ref"}] == 0 {
		t.Errorf("want norm.rms served by rms_norm_f32 before the rewrite and rms_norm_ref after:\n%s", out.String())
	}
	if rep.fallbacks[opKernel{"matmul", "matmul_ref"}] == 0 {
		t.Errorf("matmul_blocked was failing, yet no matmul was served by the matmul_ref fallback:\n%s", out.String())
	}
	if !slices.ContainsFunc(rep.breaker, func(tr transition) bool { return tr.state == "OPEN" && tr.count != "0" }) {
		t.Errorf("breaker transitions %v, want the faulty kernel's breaker to have opened", rep.breaker)
	}
	for _, want := range []string{"48 requests", "requests/s", "p50", "p99", "rules file rewritten", "kernels served"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
