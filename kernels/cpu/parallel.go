package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// serialWork is the estimated number of floating-point operations below
// which a kernel runs on the calling goroutine: starting workers would cost
// more than it saves.
const serialWork = 1 << 15

// parallel runs body over the items [0, n) in contiguous chunks spread over
// up to GOMAXPROCS goroutines, each taking the next chunk when it finishes
// one, so uneven items (causal attention rows) balance out. workPerItem
// estimates the floating-point operations of one item; small calls run
// inline. body must be safe to call concurrently on disjoint ranges.
func parallel(n, workPerItem int, body func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n*workPerItem < serialWork {
		if n > 0 {
			body(0, n)
		}
		return
	}
	chunk := max(1, n/(workers*4))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				hi := int(next.Add(int64(chunk)))
				lo := hi - chunk
				if lo >= n {
					return
				}
				body(lo, min(hi, n))
			}
		})
	}
	wg.Wait()
}

// scratchPool recycles float32 work buffers across calls and workers so
// kernels do not allocate them on every call.
var scratchPool sync.Pool

// getScratch returns a buffer of n float32 values with unspecified contents;
// give it back with putScratch.
func getScratch(n int) *[]float32 {
	if p, ok := scratchPool.Get().(*[]float32); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			return p
		}
	}
	b := make([]float32, n)
	return &b
}

func putScratch(p *[]float32) { scratchPool.Put(p) }
