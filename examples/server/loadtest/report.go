package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// report accumulates outcomes from every client.
type report struct {
	plan    plan
	elapsed time.Duration

	mu        sync.Mutex
	latencies []time.Duration
	errors    int
	firstErrs []error
	events    []string
	breaker   []transition     // the faulty kernel's breaker transitions, from /metrics
	served    map[opKernel]int // dispatches per (op, kernel)
	fallbacks map[opKernel]int // of which served by a fallback
}

type opKernel struct{ op, kernel string }

func newReport(p plan) *report {
	return &report{plan: p, latencies: make([]time.Duration, 0, p.requests), served: map[opKernel]int{}, fallbacks: map[opKernel]int{}}
}

func (r *report) record(o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latencies = append(r.latencies, o.latency)
	if o.err != nil {
		r.errors++
		if len(r.firstErrs) < 5 {
			r.firstErrs = append(r.firstErrs, o.err)
		}
		return
	}
	for _, s := range o.steps {
		k := opKernel{s.Op, s.Kernel}
		r.served[k]++
		if s.Fallback {
			r.fallbacks[k]++
		}
	}
}

func (r *report) event(what string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		what += fmt.Sprintf(" FAILED: %v", err)
		r.errors++
	}
	r.events = append(r.events, what)
}

// percentile returns the latency below which a fraction q of requests fell
// (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (r *report) print(w io.Writer) {
	lat := slices.Clone(r.latencies)
	slices.Sort(lat)
	p := r.plan
	fmt.Fprintf(w, "%d requests (batch %d x seq %d) from %d clients in %v: %.0f requests/s\n",
		len(lat), p.batch, p.seq, p.clients, r.elapsed.Round(time.Millisecond), float64(len(lat))/r.elapsed.Seconds())
	fmt.Fprintf(w, "latency p50 %v  p99 %v  max %v\n", percentile(lat, 0.50).Round(10*time.Microsecond),
		percentile(lat, 0.99).Round(10*time.Microsecond), percentile(lat, 1).Round(10*time.Microsecond))
	fmt.Fprintf(w, "errors %d\n", r.errors)
	for _, err := range r.firstErrs {
		fmt.Fprintf(w, "  %v\n", err)
	}
	fmt.Fprintln(w, "events:")
	for _, e := range r.events {
		fmt.Fprintf(w, "  %s\n", e)
	}
	if len(r.breaker) > 0 {
		fmt.Fprintf(w, "breaker transitions of %s:", p.faultKernel)
		for i, t := range r.breaker {
			sep := ","
			if i == len(r.breaker)-1 {
				sep = "\n"
			}
			fmt.Fprintf(w, " into %s %s%s", t.state, t.count, sep)
		}
	}
	fmt.Fprintln(w, "kernels served (dispatches; of which by fallback):")
	keys := slices.SortedFunc(maps.Keys(r.served), func(a, b opKernel) int {
		return cmp.Or(cmp.Compare(a.op, b.op), cmp.Compare(a.kernel, b.kernel))
	})
	for _, k := range keys {
		fmt.Fprintf(w, "  %-18s %-22s %7d", k.op, k.kernel, r.served[k])
		if n := r.fallbacks[k]; n > 0 {
			fmt.Fprintf(w, "  (fallback %d)", n)
		}
		fmt.Fprintln(w)
	}
}
