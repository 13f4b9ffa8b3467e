package goldenrun

import (
	"testing"

	"github.com/layerzero/lzgen/runtime"
	noop "github.com/layerzero/lzgen/testdata/golden/noop/out"
	"github.com/layerzero/lzgen/testdata/golden/testkernels"
)

func noopTensor(tb testing.TB) runtime.Tensor {
	x, err := runtime.New(runtime.Float16, runtime.LayoutRowMajor, 2, 8)
	if err != nil {
		tb.Fatal(err)
	}
	return x
}

// TestStaticDispatchDoesNotAllocate: the success path of a static
// dispatcher builds its context on the stack and calls the kernel directly.
func TestStaticDispatchDoesNotAllocate(t *testing.T) {
	x := noopTensor(t)
	if allocs := testing.AllocsPerRun(1000, func() {
		if err := noop.Noop(x); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("static dispatch allocates %v times per call, want 0", allocs)
	}
}

// BenchmarkStaticVsDirect compares the static dispatcher with a direct call
// of the kernel it selects (DESIGN §7: static ≤ 1.5× direct).
func BenchmarkStaticVsDirect(b *testing.B) {
	x := noopTensor(b)
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := testkernels.Noop(x); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("static", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := noop.Noop(x); err != nil {
				b.Fatal(err)
			}
		}
	})
}
