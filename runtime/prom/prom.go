// Package prom exports an lzgen dispatch engine's telemetry to Prometheus.
// Every label value comes from the engine's registry (op and kernel names)
// or from a fixed set (breaker states, error kinds), so the series count is
// bounded by the manifest.
package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/layerzero/lzgen/runtime"
)

// Collector is a prometheus.Collector over one engine. Register it with
// prometheus.MustRegister(prom.NewCollector(engine)).
type Collector struct {
	engine      *runtime.Engine
	calls       *prometheus.Desc
	failures    *prometheus.Desc
	fallbacks   *prometheus.Desc
	skips       *prometheus.Desc
	latency     *prometheus.Desc
	state       *prometheus.Desc
	transitions *prometheus.Desc
	errors      *prometheus.Desc
	version     *prometheus.Desc
	reloads     *prometheus.Desc
	lastReload  *prometheus.Desc
}

// NewCollector returns a collector reading e's counters at scrape time.
func NewCollector(e *runtime.Engine) *Collector {
	kernel := []string{"op", "kernel"}
	return &Collector{
		engine:      e,
		calls:       prometheus.NewDesc("lzgen_kernel_calls_total", "Kernel calls, failed ones included.", kernel, nil),
		failures:    prometheus.NewDesc("lzgen_kernel_failures_total", "Kernel calls that returned an error or panicked (caller errors excluded).", kernel, nil),
		fallbacks:   prometheus.NewDesc("lzgen_kernel_fallbacks_total", "Dispatches the kernel served as a fallback.", kernel, nil),
		skips:       prometheus.NewDesc("lzgen_kernel_breaker_skips_total", "Times an open circuit breaker passed the kernel over.", kernel, nil),
		latency:     prometheus.NewDesc("lzgen_kernel_duration_seconds", "Kernel call latency.", kernel, nil),
		state:       prometheus.NewDesc("lzgen_breaker_state", "1 for the kernel breaker's current state, 0 for the others.", []string{"op", "kernel", "state"}, nil),
		transitions: prometheus.NewDesc("lzgen_breaker_transitions_total", "Breaker transitions into each state.", []string{"op", "kernel", "state"}, nil),
		errors:      prometheus.NewDesc("lzgen_dispatch_errors_total", "Failed dispatches by kind.", []string{"op", "reason"}, nil),
		version:     prometheus.NewDesc("lzgen_rules_version", "Version of the rules snapshot in force.", nil, nil),
		reloads:     prometheus.NewDesc("lzgen_rules_reloads_total", "Rules file reload attempts by result (HOT_RELOAD only).", []string{"result"}, nil),
		lastReload:  prometheus.NewDesc("lzgen_rules_last_success_timestamp_seconds", "When the rules snapshot in force was applied (HOT_RELOAD only).", nil, nil),
	}
}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.calls, c.failures, c.fallbacks, c.skips, c.latency, c.state, c.transitions, c.errors, c.version, c.reloads, c.lastReload} {
		ch <- d
	}
}

var states = [...]runtime.BreakerState{runtime.BreakerClosed, runtime.BreakerOpen, runtime.BreakerHalfOpen}

// Collect reads the engine's counters and breaker states.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	reg := c.engine.Registry()
	for id := range reg.Kernels {
		s := c.engine.KernelStats(runtime.KernelID(id))
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), s.Op, s.Name)
		}
		counter(c.calls, s.Calls)
		counter(c.failures, s.Failures)
		counter(c.fallbacks, s.Fallbacks)
		counter(c.skips, s.Skips)
		for _, st := range states {
			on := 0.0
			if s.Breaker == st {
				on = 1
			}
			ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, on, s.Op, s.Name, st.String())
			ch <- prometheus.MustNewConstMetric(c.transitions, prometheus.CounterValue, float64(s.Transitions[st]), s.Op, s.Name, st.String())
		}
		if s.Latency.Counts != nil {
			ch <- prometheus.MustNewConstHistogram(c.latency, s.Latency.Count, s.Latency.Sum.Seconds(), cumulative(s.Latency), s.Op, s.Name)
		}
	}
	for op := range reg.Ops {
		s := c.engine.OpStats(runtime.OpID(op))
		for _, e := range [...]struct {
			reason string
			n      uint64
		}{{"no_kernel", s.NoKernel}, {"exhausted", s.Exhausted}, {"invalid_argument", s.InvalidArgument}} {
			ch <- prometheus.MustNewConstMetric(c.errors, prometheus.CounterValue, float64(e.n), s.Op, e.reason)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.version, prometheus.GaugeValue, float64(c.engine.PolicyVersion()))
	if w := c.engine.Watcher(); w != nil {
		st := w.Status()
		for r, n := range st.Counts {
			ch <- prometheus.MustNewConstMetric(c.reloads, prometheus.CounterValue, float64(n), runtime.ReloadResult(r).String())
		}
		if !st.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastReload, prometheus.GaugeValue, float64(st.LastSuccess.UnixNano())/1e9)
		}
	}
}

// cumulative converts per-bucket counts to Prometheus's cumulative buckets
// keyed by upper bound in seconds (the unbounded last bucket is +Inf,
// implied by the total count).
func cumulative(h runtime.Histogram) map[float64]uint64 {
	out := make(map[float64]uint64, len(h.Bounds))
	var sum uint64
	for i, b := range h.Bounds {
		sum += h.Counts[i]
		out[b.Seconds()] = sum
	}
	return out
}
