package prom

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/layerzero/lzgen/runtime"
)

func TestCollectorExportsEngineCounters(t *testing.T) {
	reg := &runtime.Registry{
		Ops: []runtime.OpInfo{{Name: "norm.rms", Reference: 1, Kernels: []runtime.KernelID{0, 1}}},
		Kernels: []runtime.KernelInfo{
			{Name: "rms_fast", Priority: 10},
			{Name: "rms_ref"},
		},
	}
	e, err := runtime.NewEngine(reg, runtime.WithMode(runtime.ModeDynamic), runtime.WithTelemetry(true), runtime.WithLogger(nil),
		runtime.WithBreakerConfig(runtime.BreakerConfig{FailureThreshold: 2}))
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("broken")
	for range 3 {
		c := runtime.Context{Platform: runtime.PlatformCPU, DType: runtime.Float32}
		var call runtime.Call
		e.Begin(&call, &c, nil)
		for call.Next() {
			if call.Kernel() == 0 {
				call.Done(broken)
			} else {
				call.Done(nil)
			}
		}
		if err := call.Err(); err != nil {
			t.Fatal(err)
		}
	}
	want := `
# HELP lzgen_kernel_calls_total Kernel calls, failed ones included.
# TYPE lzgen_kernel_calls_total counter
lzgen_kernel_calls_total{kernel="rms_fast",op="norm.rms"} 2
lzgen_kernel_calls_total{kernel="rms_ref",op="norm.rms"} 3
# HELP lzgen_kernel_breaker_skips_total Times an open circuit breaker passed the kernel over.
# TYPE lzgen_kernel_breaker_skips_total counter
lzgen_kernel_breaker_skips_total{kernel="rms_fast",op="norm.rms"} 1
lzgen_kernel_breaker_skips_total{kernel="rms_ref",op="norm.rms"} 0
# HELP lzgen_breaker_state 1 for the kernel breaker's current state, 0 for the others.
# TYPE lzgen_breaker_state gauge
lzgen_breaker_state{kernel="rms_fast",op="norm.rms",state="CLOSED"} 0
lzgen_breaker_state{kernel="rms_fast",op="norm.rms",state="HALF_OPEN"} 0
lzgen_breaker_state{kernel="rms_fast",op="norm.rms",state="OPEN"} 1
lzgen_breaker_state{kernel="rms_ref",op="norm.rms",state="CLOSED"} 1
lzgen_breaker_state{kernel="rms_ref",op="norm.rms",state="HALF_OPEN"} 0
lzgen_breaker_state{kernel="rms_ref",op="norm.rms",state="OPEN"} 0
`
	if err := testutil.CollectAndCompare(NewCollector(e), strings.NewReader(want),
		"lzgen_kernel_calls_total", "lzgen_kernel_breaker_skips_total", "lzgen_breaker_state"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(NewCollector(e), "lzgen_kernel_duration_seconds"); n != 2 {
		t.Fatalf("%d latency histograms, want one per kernel", n)
	}
	problems, err := testutil.CollectAndLint(NewCollector(e))
	if err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
}

func TestCollectorExportsReloads(t *testing.T) {
	reg := &runtime.Registry{
		Ops:     []runtime.OpInfo{{Name: "norm.rms", Reference: 1, Kernels: []runtime.KernelID{0, 1}}},
		Kernels: []runtime.KernelInfo{{Name: "rms_fast", Priority: 10}, {Name: "rms_ref"}},
	}
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte("version: \"1.0\"\nkernel_locks: {norm.rms: rms_ref}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := runtime.NewEngine(reg, runtime.WithMode(runtime.ModeHotReload), runtime.WithRulesFile(path), runtime.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c := NewCollector(e)
	if e.PolicyVersion() == 0 {
		t.Fatal("no rules version after loading the file")
	}
	want := fmt.Sprintf(`
# HELP lzgen_rules_version Version of the rules snapshot in force.
# TYPE lzgen_rules_version gauge
lzgen_rules_version %d
`, e.PolicyVersion()) + `
# HELP lzgen_rules_reloads_total Rules file reload attempts by result (HOT_RELOAD only).
# TYPE lzgen_rules_reloads_total counter
lzgen_rules_reloads_total{result="applied"} 1
lzgen_rules_reloads_total{result="invalid"} 0
lzgen_rules_reloads_total{result="io_error"} 0
lzgen_rules_reloads_total{result="unchanged"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "lzgen_rules_version", "lzgen_rules_reloads_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(c, "lzgen_rules_last_success_timestamp_seconds"); n != 1 {
		t.Errorf("last success series: %d, want 1", n)
	}
}
