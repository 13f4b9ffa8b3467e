package cpu

import "github.com/layerzero/lzgen/runtime"

// LayerNorm normalises each row of x's last dimension to zero mean and
// unit variance, then applies weight and bias:
// out = (x - mean) / sqrt(var + eps) · weight + bias. x, weight and bias
// ([hidden]) and out (x's shape) share one dtype; out may be x itself.
// The variance is the population variance, computed in two passes.
func LayerNorm(x, weight, bias, out runtime.Tensor, eps float32) error {
	rw, err := newNorm(x, out, eps, operand{"weight", weight}, operand{"bias", bias})
	if err != nil {
		return err
	}
	n := rw.cols
	w, b := storageOf(weight), storageOf(bias)
	parallel(rw.rows, 5*n, func(lo, hi int) {
		scratch := getScratch(4 * n)
		defer putScratch(scratch)
		buf := *scratch
		gain, shift := w.load(0, n, buf), b.load(0, n, buf[n:])
		for r := lo; r < hi; r++ {
			row := rw.x.load(r*n, n, buf[2*n:])
			var sum float32
			for _, v := range row {
				sum += v
			}
			mean := sum / float32(n)
			var squares float32
			for _, v := range row {
				squares += (v - mean) * (v - mean)
			}
			inv := invRootMean(squares, n, eps)
			o := rw.out.target(r*n, n, buf[3*n:])
			for i, v := range row {
				o[i] = (v-mean)*inv*gain[i] + shift[i]
			}
			rw.out.store(r*n, o)
		}
	})
	return nil
}
