package runtime

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Latency histogram buckets: bucket i counts durations in (2^(i-1), 2^i]
// nanoseconds, from 256 ns up to 2^33 ns (8.6 s); the first bucket takes
// everything shorter, the last everything longer.
const (
	minBucketLog = 8
	maxBucketLog = 33
	numBuckets   = maxBucketLog - minBucketLog + 2 // + the overflow bucket
)

// latencyBucket returns the bucket of a duration of ns nanoseconds.
func latencyBucket(ns int64) int {
	if ns <= 1<<minBucketLog {
		return 0
	}
	return min(bits.Len64(uint64(ns-1))-minBucketLog, numBuckets-1)
}

// kernelCounters are one kernel's telemetry. They are only written when
// telemetry is on; each kernel's block is padded to its own cache lines.
type kernelCounters struct {
	calls      atomic.Uint64 // kernel calls, failed ones included
	failures   atomic.Uint64 // calls that returned an error or panicked (caller errors excluded)
	fallbacks  atomic.Uint64 // dispatches this kernel served as a fallback
	skips      atomic.Uint64 // times its open breaker made the engine pass it over
	latencySum atomic.Int64
	latency    [numBuckets]atomic.Uint64
	_          [64]byte
}

// dispatchErrorKind classifies failed dispatches for the per-op counters.
type dispatchErrorKind uint8

const (
	errNoKernel dispatchErrorKind = iota
	errExhausted
	errInvalidArgument
	numDispatchErrorKinds
)

// telemetry is the engine's counters; nil when telemetry is off (breaker
// transitions are counted by the breakers themselves).
type telemetry struct {
	kernels []kernelCounters
	opErrs  [][numDispatchErrorKinds]atomic.Uint64
}

func newTelemetry(reg *Registry) *telemetry {
	return &telemetry{
		kernels: make([]kernelCounters, len(reg.Kernels)),
		opErrs:  make([][numDispatchErrorKinds]atomic.Uint64, len(reg.Ops)),
	}
}

func (t *telemetry) observe(k KernelID, d time.Duration) {
	kc := &t.kernels[k]
	kc.latencySum.Add(int64(d))
	kc.latency[latencyBucket(int64(d))].Add(1)
}

// Histogram is a latency distribution with fixed buckets.
type Histogram struct {
	Bounds []time.Duration // inclusive upper bound of each bucket but the last, which is unbounded
	Counts []uint64        // per bucket, not cumulative
	Sum    time.Duration
	Count  uint64
}

// histogramBounds are the bucket bounds every Histogram shares.
var histogramBounds = func() []time.Duration {
	b := make([]time.Duration, numBuckets-1)
	for i := range b {
		b[i] = time.Duration(1) << (minBucketLog + i)
	}
	return b
}()

// KernelStats is a snapshot of one kernel's counters and breaker.
type KernelStats struct {
	Kernel      KernelID
	Name        string
	Op          string
	Calls       uint64
	Failures    uint64
	Fallbacks   uint64
	Skips       uint64
	Breaker     BreakerState
	RetryAfter  time.Duration
	Transitions [3]uint64 // breaker transitions into each BreakerState
	Latency     Histogram
}

// OpStats counts an operation's failed dispatches by kind.
type OpStats struct {
	Op              string
	NoKernel        uint64 // no kernel fitted the context
	Exhausted       uint64 // every candidate failed or was skipped
	InvalidArgument uint64 // the caller's error, returned without fallback
}

// KernelStats returns kernel k's counters (zero unless telemetry is on) and
// its live breaker state.
func (e *Engine) KernelStats(k KernelID) KernelStats {
	info := &e.reg.Kernels[k]
	s := KernelStats{Kernel: k, Name: info.Name, Op: e.reg.Ops[info.Op].Name}
	s.Breaker, s.RetryAfter = e.BreakerStatus(k)
	s.Transitions = e.transitions(k)
	if e.tel == nil {
		return s
	}
	kc := &e.tel.kernels[k]
	s.Calls, s.Failures, s.Fallbacks, s.Skips = kc.calls.Load(), kc.failures.Load(), kc.fallbacks.Load(), kc.skips.Load()
	s.Latency = Histogram{Bounds: histogramBounds, Counts: make([]uint64, numBuckets), Sum: time.Duration(kc.latencySum.Load())}
	for i := range kc.latency {
		s.Latency.Counts[i] = kc.latency[i].Load()
		s.Latency.Count += s.Latency.Counts[i]
	}
	return s
}

// OpStats returns op's failed-dispatch counters (zero unless telemetry is on).
func (e *Engine) OpStats(op OpID) OpStats {
	s := OpStats{Op: e.reg.Ops[op].Name}
	if e.tel != nil {
		c := &e.tel.opErrs[op]
		s.NoKernel, s.Exhausted, s.InvalidArgument = c[errNoKernel].Load(), c[errExhausted].Load(), c[errInvalidArgument].Load()
	}
	return s
}
