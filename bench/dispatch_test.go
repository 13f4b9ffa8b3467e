// Package bench holds lzgen's dispatch benchmarks over no-op kernels, so
// that what they measure is the cost of choosing a kernel: `make bench`
// prints them side by side.
package bench

import (
	"crypto/sha256"
	"os"
	"testing"
	"time"

	"github.com/layerzero/lzgen/bench/kernels"
	"github.com/layerzero/lzgen/bench/noop"
	"github.com/layerzero/lzgen/runtime"
)

// args are attention arguments of a decode-like call that noop_fast accepts.
type args struct{ q, k, v, out runtime.Tensor }

func newArgs(b *testing.B) args {
	b.Helper()
	var a args
	for _, t := range []*runtime.Tensor{&a.q, &a.k, &a.v, &a.out} {
		var err error
		if *t, err = runtime.New(runtime.Float16, runtime.BSHD, 1, 128, 8, 64); err != nil {
			b.Fatal(err)
		}
	}
	return a
}

func newDispatcher(b *testing.B, opts ...runtime.Option) *kernels.Dispatcher {
	b.Helper()
	d, err := kernels.NewDispatcher(append([]runtime.Option{runtime.WithLogger(nil)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

// sink keeps results alive so the compiler cannot drop the measured calls.
var sink error

var stateSink runtime.BreakerState

// benchContext is the context the generated Dispatcher builds for args.
var benchContext = runtime.Context{Op: kernels.OpAttentionCausal, Platform: runtime.PlatformCPU, DType: runtime.Float16,
	Layout: runtime.BSHD, BatchSize: 1, SeqLenQ: 128, SeqLenK: 128, NumHeads: 8, NumKVHeads: 8, HeadDim: 64, IsCausal: true}

// BenchmarkDispatch measures one attention.causal call in every way lzgen
// offers: the kernel called directly, the generated static dispatcher, the
// engine on a decision-cache hit (alone, with telemetry, from all
// goroutines, with a 100-rule policy), the policy's full evaluation of those
// rules on a miss, and the circuit-breaker check on its own.
func BenchmarkDispatch(b *testing.B) {
	a := newArgs(b)
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			sink = noop.Attention(a.q, a.k, a.v, a.out, 0.125)
		}
	})
	b.Run("static", func(b *testing.B) {
		for b.Loop() {
			sink = kernels.AttentionCausal(a.q, a.k, a.v, a.out, 0.125)
		}
	})
	b.Run("dynamic_hit", func(b *testing.B) {
		d := newDispatcher(b, runtime.WithMode(runtime.ModeDynamic))
		for b.Loop() {
			sink = d.AttentionCausal(a.q, a.k, a.v, a.out, 0.125)
		}
	})
	b.Run("engine_hit", func(b *testing.B) {
		// The engine's share of dynamic_hit: the generated Dispatcher's loop
		// over a context built once, as if context building were free.
		e := newDispatcher(b, runtime.WithMode(runtime.ModeDynamic)).Engine()
		c := benchContext
		for b.Loop() {
			var call runtime.Call
			e.Begin(&call, &c, nil)
			for call.Next() {
				call.Done(noop.Attention(a.q, a.k, a.v, a.out, 0.125))
			}
			sink = call.Err()
		}
	})
	b.Run("dynamic_hit_telemetry", func(b *testing.B) {
		d := newDispatcher(b, runtime.WithMode(runtime.ModeDynamic), runtime.WithTelemetry(true))
		for b.Loop() {
			sink = d.AttentionCausal(a.q, a.k, a.v, a.out, 0.125)
		}
	})
	b.Run("config_hit", func(b *testing.B) {
		// CONFIG mode with 100 rules: the policy only matters on a miss, so
		// a hit should cost what dynamic_hit costs.
		d := newDispatcher(b, runtime.WithMode(runtime.ModeConfig), runtime.WithRulesFile(writeRules(b, hundredRules())))
		for b.Loop() {
			sink = d.AttentionCausal(a.q, a.k, a.v, a.out, 0.125)
		}
	})
	b.Run("config_miss", func(b *testing.B) {
		// What a decision-cache miss evaluates: the 100 rules' candidates.
		p, ds := runtime.ParsePolicy("rules.yaml", []byte(hundredRules()), kernels.Registry)
		if err := ds.Err(); err != nil {
			b.Fatal(err)
		}
		c := benchContext
		dst := make([]runtime.Choice, 0, 8)
		for b.Loop() {
			dst = p.Prefix(&c, dst[:0])
		}
		if len(dst) == 0 {
			b.Fatal("no rule fired")
		}
	})
	b.Run("breaker_check", func(b *testing.B) {
		e := newDispatcher(b, runtime.WithMode(runtime.ModeDynamic)).Engine()
		for b.Loop() {
			stateSink, _ = e.BreakerStatus(kernels.KernelNoopFast)
		}
	})
	b.Run("dynamic_parallel", func(b *testing.B) {
		d := newDispatcher(b, runtime.WithMode(runtime.ModeDynamic))
		b.RunParallel(func(pb *testing.PB) {
			var err error
			for pb.Next() {
				err = d.AttentionCausal(a.q, a.k, a.v, a.out, 0.125)
			}
			if err != nil {
				b.Error(err)
			}
		})
	})
}

// BenchmarkReload measures HOT_RELOAD from a rules file write to the new
// snapshot serving, reported as ms_past_debounce/op: the time beyond the
// watcher's debounce window (DESIGN §7: at most 10 ms).
func BenchmarkReload(b *testing.B) {
	texts := []string{lockRules("noop_ref"), lockRules("noop_medium")}
	path := writeRules(b, texts[0])
	e := newDispatcher(b, runtime.WithMode(runtime.ModeHotReload), runtime.WithRulesFile(path),
		runtime.WithWatchOptions(runtime.WatchOptions{Poll: -1})).Engine()
	var past time.Duration
	n := 0
	for b.Loop() {
		n++
		text := texts[n%2]
		want := sha256.Sum256([]byte(text))
		start := time.Now()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
		for p := e.Policy(); p == nil || p.Hash() != want; p = e.Policy() {
			if time.Since(start) > 5*time.Second {
				b.Fatal("reload never took effect")
			}
			time.Sleep(100 * time.Microsecond)
		}
		past += time.Since(start) - runtime.DefaultDebounce
	}
	b.ReportMetric(float64(past.Microseconds())/1000/float64(n), "ms_past_debounce/op")
}
