//go:build gpu

package kcuda

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/layerzero/lzgen/runtime"
	"github.com/layerzero/lzgen/runtime/cuda"
)

// BenchmarkGPULaunch measures what a launch costs the caller: "enqueue" is
// Function.Launch alone (the Go wrapper, cgo and the driver queueing the
// kernel), "roundtrip" adds waiting for a one-block kernel to finish.
//
//	go test -tags gpu -run '^$' -bench GPULaunch ./kernels/cuda
func BenchmarkGPULaunch(b *testing.B) {
	requireGPU(b)
	x := toDevice(b, randomTensor(b, rand.New(rand.NewPCG(1, 1)), runtime.Float16, runtime.LayoutRowMajor, 1))
	fn, err := PTX.Ref("swiglu.cu", "lz_swiglu").Get()
	if err != nil {
		b.Fatal(err)
	}
	p, dtype, n := x.DevicePtr(), int32(runtime.Float16), int32(1)
	args := [...]unsafe.Pointer{unsafe.Pointer(&p), unsafe.Pointer(&p), unsafe.Pointer(&p), unsafe.Pointer(&dtype), unsafe.Pointer(&n)}
	one := cuda.Dim3{X: 1, Y: 1, Z: 1}
	run := func(b *testing.B, sync bool) {
		b.ReportAllocs()
		for b.Loop() {
			if err := fn.Launch(one, cuda.Dim3{X: 256, Y: 1, Z: 1}, 0, args[:]); err != nil {
				b.Fatal(err)
			}
			if sync {
				if err := cuda.Synchronize(0); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := cuda.Synchronize(0); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("enqueue", func(b *testing.B) { run(b, false) })
	b.Run("roundtrip", func(b *testing.B) { run(b, true) })
}

// peakBandwidth is the device's theoretical memory bandwidth in bytes per
// second: two transfers per memory clock over the bus.
func peakBandwidth(b *testing.B) float64 {
	clock, err := cuda.DeviceAttribute(0, cuda.AttrMemoryClockRateKHz)
	if err != nil {
		b.Fatal(err)
	}
	width, err := cuda.DeviceAttribute(0, cuda.AttrGlobalMemoryBusWidthBits)
	if err != nil {
		b.Fatal(err)
	}
	return 2 * float64(clock) * 1e3 * float64(width) / 8
}

// BenchmarkGPUBandwidth runs the memory-bound kernels on large float16
// tensors and reports the achieved bandwidth (MB/s) and its fraction of the
// device's peak.
//
//	go test -tags gpu -run '^$' -bench GPUBandwidth ./kernels/cuda
func BenchmarkGPUBandwidth(b *testing.B) {
	requireGPU(b)
	rng := rand.New(rand.NewPCG(9, 9))
	dt := runtime.Float16
	peak := peakBandwidth(b)
	measure := func(b *testing.B, bytes int, run func()) {
		b.SetBytes(int64(bytes))
		for b.Loop() {
			run()
			if err := cuda.Synchronize(0); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(bytes)*float64(b.N)/b.Elapsed().Seconds()/peak, "of-peak")
	}
	b.Run("swiglu", func(b *testing.B) {
		const n = 64 << 20
		gate, up := toDevice(b, randomTensor(b, rng, dt, runtime.LayoutRowMajor, n)), toDevice(b, randomTensor(b, rng, dt, runtime.LayoutRowMajor, n))
		measure(b, 3*n*dt.Size(), func() {
			launch(b, "swiglu.cu", "lz_swiglu", dim3(ceilDiv(n, 1024), 1, 1), dim3(256, 1, 1), gate, up, gate, int32(dt), int32(n))
		})
	})
	b.Run("rms_norm", func(b *testing.B) {
		const rows, cols = 16384, 4096
		x, w := toDevice(b, randomTensor(b, rng, dt, runtime.LayoutRowMajor, rows, cols)), toDevice(b, randomTensor(b, rng, dt, runtime.LayoutRowMajor, cols))
		measure(b, 2*rows*cols*dt.Size(), func() {
			launch(b, "norm.cu", "lz_rms_norm", dim3(rows, 1, 1), dim3(256, 1, 1), x, w, x, float32(1e-6), int32(dt), int32(rows), int32(cols))
		})
	})
	b.Run("rope", func(b *testing.B) {
		const batch, seq, heads, dim = 8, 2048, 32, 128
		x := toDevice(b, randomTensor(b, rng, dt, runtime.BSHD, batch, seq, heads, dim))
		cos := toDevice(b, randomTensor(b, rng, runtime.Float32, runtime.LayoutRowMajor, seq, dim/2))
		sin := toDevice(b, randomTensor(b, rng, runtime.Float32, runtime.LayoutRowMajor, seq, dim/2))
		measure(b, 2*batch*seq*heads*dim*dt.Size(), func() {
			launch(b, "rope.cu", "lz_rope", dim3(seq, batch, 1), dim3(128, 1, 1), x, cos, sin, x, int32(0), int32(dt), int32(batch), int32(seq), int32(heads), int32(dim))
		})
	})
}
