// Package bench holds lzgen's dispatch benchmarks over no-op kernels, so
// that what they measure is the cost of choosing a kernel: `make bench`
// prints them side by side.
package bench

import (
	"testing"

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

// BenchmarkDispatch measures one attention.causal call in every way lzgen
// offers: the kernel called directly, the generated static dispatcher, the
// engine on a decision-cache hit (alone, with telemetry, from all
// goroutines), and the circuit-breaker check on its own.
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
		c := runtime.Context{Platform: runtime.PlatformCPU, DType: runtime.Float16, Layout: runtime.BSHD, BatchSize: 1,
			SeqLenQ: 128, SeqLenK: 128, NumHeads: 8, NumKVHeads: 8, HeadDim: 64, IsCausal: true}
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
