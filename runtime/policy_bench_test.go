package runtime

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hundredRules is a rules file with 100 matmul rules of two conditions
// each; for the benchmark context only the last few fire.
func hundredRules() string {
	var b strings.Builder
	b.WriteString("version: \"1.0\"\ndispatch_rules:\n")
	kernels := []string{"matmul_blocked", "matmul_experimental", "matmul_ref"}
	for i := range 100 {
		fmt.Fprintf(&b, "  - {operation: matmul, kernel: %s, priority: %d, conditions: {batch_size_gte: %d, tp_size_ne: %d}}\n",
			kernels[i%3], i*10, 100-i, i%4)
	}
	return b.String()
}

// BenchmarkConfigMiss is a full evaluation of 100 rules, what the engine
// does on a decision-cache miss.
func BenchmarkConfigMiss(b *testing.B) {
	reg := rulesRegistry(b)
	p := mustPolicy(b, reg, hundredRules())
	mm, _ := reg.OpByName("matmul")
	c := cpuCall(mm)
	c.BatchSize = 16
	dst := make([]Choice, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		dst = p.Prefix(&c, dst[:0])
	}
	if len(dst) == 0 {
		b.Fatal("no rule fired")
	}
}

// BenchmarkConfigHit is a ModeConfig dispatch with 100 rules answered from
// the decision cache, through the generated Dispatcher's loop shape.
func BenchmarkConfigHit(b *testing.B) {
	reg := rulesRegistry(b)
	reg.Invoke = func(KernelID, any) error { return nil }
	path := filepath.Join(b.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(hundredRules()), 0o644); err != nil {
		b.Fatal(err)
	}
	e, err := NewEngine(reg, WithMode(ModeConfig), WithRulesFile(path))
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	mm, _ := reg.OpByName("matmul")
	c := cpuCall(mm)
	c.BatchSize = 16
	noop := func(KernelID) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		var call Call
		e.Begin(&call, &c, nil)
		for call.Next() {
			call.Done(noop(call.Kernel()))
		}
		if call.Err() != nil {
			b.Fatal(call.Err())
		}
	}
}

// BenchmarkReloadLatency measures from a rules file write to the new
// snapshot serving in ModeHotReload, reported as ms past the debounce window.
func BenchmarkReloadLatency(b *testing.B) {
	reg := rulesRegistry(b)
	path := filepath.Join(b.TempDir(), "rules.yaml")
	texts := []string{lockRules("matmul_ref"), lockRules("matmul_blocked")}
	if err := os.WriteFile(path, []byte(texts[0]), 0o644); err != nil {
		b.Fatal(err)
	}
	e, err := NewEngine(reg, WithMode(ModeHotReload), WithRulesFile(path), WithWatchOptions(WatchOptions{Poll: -1}))
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	var past time.Duration
	i := 0
	for b.Loop() {
		i++
		text := texts[i%2]
		want := sha256.Sum256([]byte(text))
		start := time.Now()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
		for e.Policy().Hash() != want {
			if time.Since(start) > 5*time.Second {
				b.Fatal("reload never took effect")
			}
			time.Sleep(100 * time.Microsecond)
		}
		past += time.Since(start) - DefaultDebounce
	}
	b.ReportMetric(float64(past.Microseconds())/1000/float64(i), "ms_past_debounce/op")
}
