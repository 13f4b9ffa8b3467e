package runtime

import (
	"math/bits"
	goruntime "runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// Latency histogram buckets: bucket i counts durations in
// (2^(minBucketLog+i-1), 2^(minBucketLog+i)] nanoseconds, from 256 ns up to
// 2^33 ns (8.6 s); the first bucket takes everything shorter, the last
// everything longer.
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

// kernelCounters are one kernel's telemetry in one shard. They are only
// written when telemetry is on; each block fills whole cache lines of its
// own, so shards never share a written line.
type kernelCounters struct {
	failures   atomic.Uint64 // calls that returned an error or panicked (caller errors excluded)
	fallbacks  atomic.Uint64 // dispatches this kernel served as a fallback
	skips      atomic.Uint64 // times its open breaker made the engine pass it over
	latencySum atomic.Int64
	latency    [numBuckets]atomic.Uint64 // every call, failed ones included: their sum is the call count
	_          [kernelCountersPad]byte
}

// kernelCountersPad rounds kernelCounters up to whole 64-byte lines.
const kernelCountersPad = (64 - (4+numBuckets)*8%64) % 64

func (kc *kernelCounters) observe(ns int64) {
	kc.latencySum.Add(ns)
	kc.latency[latencyBucket(ns)].Add(1)
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
// transitions are counted by the breakers themselves). Kernel counters are
// striped over shards so that goroutines dispatching the same kernel mostly
// add to different cache lines; readers sum the shards.
type telemetry struct {
	kernels   []kernelCounters // shard-major: shard s, kernel k at s*numKernels+k
	numKernel int
	shardMask uintptr
	opErrs    [][numDispatchErrorKinds]atomic.Uint64
}

// Shards: a few per CPU, within a memory budget for very large manifests.
const (
	shardsPerCPU          = 4
	maxShards             = 64
	telemetryBudgetBytes  = 16 << 20
	stackShardGranularity = 13 // goroutine stacks start 8 KiB or more apart
)

func newTelemetry(reg *Registry) *telemetry {
	n := len(reg.Kernels)
	shards := min(1<<bits.Len(uint(shardsPerCPU*goruntime.GOMAXPROCS(0)-1)), maxShards)
	for shards > 1 && shards*n*int(unsafe.Sizeof(kernelCounters{})) > telemetryBudgetBytes {
		shards /= 2
	}
	return &telemetry{
		kernels:   make([]kernelCounters, shards*n),
		numKernel: n,
		shardMask: uintptr(shards - 1),
		opErrs:    make([][numDispatchErrorKinds]atomic.Uint64, len(reg.Ops)),
	}
}

// shard returns kernel k's counters in the shard of a call living at addr:
// calls on different goroutines' stacks mostly hash to different shards.
// It is a cheap stand-in for a per-P counter that needs no runtime hooks.
func (t *telemetry) shard(addr uintptr, k KernelID) *kernelCounters {
	s := (addr >> stackShardGranularity) * 0x9E3779B9 >> 16 & t.shardMask
	return &t.kernels[int(s)*t.numKernel+int(k)]
}

// sum adds up kernel k's counters over every shard.
func (t *telemetry) sum(k KernelID) (failures, fallbacks, skips uint64, latencySum int64, latency [numBuckets]uint64) {
	for i := int(k); i < len(t.kernels); i += t.numKernel {
		kc := &t.kernels[i]
		failures += kc.failures.Load()
		fallbacks += kc.fallbacks.Load()
		skips += kc.skips.Load()
		latencySum += kc.latencySum.Load()
		for b := range kc.latency {
			latency[b] += kc.latency[b].Load()
		}
	}
	return
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
	failures, fallbacks, skips, sum, latency := e.tel.sum(k)
	s.Failures, s.Fallbacks, s.Skips = failures, fallbacks, skips
	s.Latency = Histogram{Bounds: histogramBounds, Counts: latency[:], Sum: time.Duration(sum)}
	for _, n := range latency {
		s.Latency.Count += n
	}
	s.Calls = s.Latency.Count // every call is timed
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
