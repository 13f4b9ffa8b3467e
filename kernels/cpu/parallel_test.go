package cpu

import (
	"sync/atomic"
	"testing"
)

// TestParallelCoversEveryItemOnce runs parallel inline and spread over
// workers and checks each item is visited exactly once, in valid ranges.
func TestParallelCoversEveryItemOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100, 1001} {
		for _, work := range []int{1, serialWork} {
			seen := make([]atomic.Int32, n)
			parallel(n, work, func(lo, hi int) {
				if lo < 0 || lo >= hi || hi > n {
					t.Errorf("n=%d: bad range [%d, %d)", n, lo, hi)
					return
				}
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("n=%d work=%d: item %d visited %d times", n, work, i, c)
				}
			}
		}
	}
}
