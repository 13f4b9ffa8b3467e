package bench

import (
	"testing"

	quickstart "github.com/layerzero/lzgen/examples/quickstart/kernels"
	"github.com/layerzero/lzgen/kernels/cpu"
	"github.com/layerzero/lzgen/runtime"
)

// BenchmarkSmallKernel puts dispatch beside a real kernel at the smallest
// size a server calls it with: RMSNorm of one decode-step token (1 x 4096,
// float32), the fast path the quickstart manifest selects. The no-op
// benchmarks measure dispatch alone; this one shows what it adds to real work.
func BenchmarkSmallKernel(b *testing.B) {
	x, err := runtime.New(runtime.Float32, runtime.LayoutRowMajor, 1, 4096)
	if err != nil {
		b.Fatal(err)
	}
	w, _ := runtime.New(runtime.Float32, runtime.LayoutRowMajor, 4096)
	out, _ := runtime.New(runtime.Float32, runtime.LayoutRowMajor, 1, 4096)
	for i, v := range w.Float32s() {
		v = 1 + float32(i%7)/8
		w.Float32s()[i] = v
		x.Float32s()[i] = float32(i%13) - 6
	}
	b.Run("direct_rms_norm", func(b *testing.B) {
		for b.Loop() {
			sink = cpu.RMSNormF32(x, w, out, 1e-5)
		}
	})
	b.Run("static_rms_norm", func(b *testing.B) {
		for b.Loop() {
			sink = quickstart.NormRms(x, w, out, 1e-5)
		}
	})
	b.Run("dynamic_rms_norm", func(b *testing.B) {
		d, err := quickstart.NewDispatcher(runtime.WithMode(runtime.ModeDynamic), runtime.WithLogger(nil))
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		for b.Loop() {
			sink = d.NormRms(x, w, out, 1e-5)
		}
	})
}
