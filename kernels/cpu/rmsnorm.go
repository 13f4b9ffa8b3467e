package cpu

import (
	"math"

	"github.com/layerzero/lzgen/runtime"
)

// RMSNorm normalises each row of x's last dimension by its root mean
// square and multiplies by weight: out = x / sqrt(mean(x²) + eps) · weight.
// x, weight ([hidden]) and out (x's shape) share one dtype, any of the
// three; out may be x itself.
func RMSNorm(x, weight, out runtime.Tensor, eps float32) error {
	rw, err := newNorm(x, out, eps, operand{"weight", weight})
	if err != nil {
		return err
	}
	n := rw.cols
	w := storageOf(weight)
	parallel(rw.rows, 3*n, func(lo, hi int) {
		scratch := getScratch(3 * n)
		defer putScratch(scratch)
		buf := *scratch
		gain := w.load(0, n, buf)
		for r := lo; r < hi; r++ {
			row := rw.x.load(r*n, n, buf[n:])
			var sum float32
			for _, v := range row {
				sum += v * v
			}
			inv := invRootMean(sum, n, eps)
			o := rw.out.target(r*n, n, buf[2*n:])
			for i, v := range row {
				o[i] = v * inv * gain[i]
			}
			rw.out.store(r*n, o)
		}
	})
	return nil
}

// invRootMean returns 1/sqrt(sumSquares/n + eps): the factor that scales a
// row of n values to unit root mean square (RMSNorm, sumSquares of the
// values) or unit variance (LayerNorm, sumSquares of the deviations).
func invRootMean(sumSquares float32, n int, eps float32) float32 {
	return float32(1 / math.Sqrt(float64(sumSquares/float32(n)+eps)))
}

// RMSNormF32 is RMSNorm for float32 tensors only, with unrolled inner
// loops and no conversion step; other dtypes are rejected.
func RMSNormF32(x, weight, out runtime.Tensor, eps float32) error {
	if err := checkFloat32(operand{"x", x}); err != nil {
		return err
	}
	rw, err := newNorm(x, out, eps, operand{"weight", weight})
	if err != nil {
		return err
	}
	n := rw.cols
	xs, os, gain := x.Float32s(), out.Float32s(), weight.Float32s()
	parallel(rw.rows, 3*n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row, o := xs[r*n:(r+1)*n], os[r*n:(r+1)*n]
			mulScaled(o, row, gain, invRootMean(dot(row, row), n, eps))
		}
	})
	return nil
}

// mulScaled sets out[i] = x[i]·a·w[i], unrolled four ways; out may be x.
func mulScaled(out, x, w []float32, a float32) {
	x, w = x[:len(out)], w[:len(out)]
	i := 0
	for ; i+4 <= len(out); i += 4 {
		out[i] = x[i] * a * w[i]
		out[i+1] = x[i+1] * a * w[i+1]
		out[i+2] = x[i+2] * a * w[i+2]
		out[i+3] = x[i+3] * a * w[i+3]
	}
	for ; i < len(out); i++ {
		out[i] = x[i] * a * w[i]
	}
}
