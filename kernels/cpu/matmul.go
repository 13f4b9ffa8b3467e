package cpu

import "github.com/layerzero/lzgen/runtime"

// matmulShape is a validated matrix product [m, k] × [k, n] → [m, n].
type matmulShape struct{ m, k, n int }

// newMatmul checks that a, b and out are rank-2 host tensors of one dtype
// with matching inner and outer dimensions.
func newMatmul(a, b, out runtime.Tensor) (matmulShape, error) {
	ops := []operand{{"a", a}, {"b", b}, {"out", out}}
	if err := checkOperands(ops...); err != nil {
		return matmulShape{}, err
	}
	for _, op := range ops {
		if op.t.Rank() != 2 {
			return matmulShape{}, invalid(op.name, "rank %d (shape %v); matmul needs matrices", op.t.Rank(), op.t.Shape())
		}
	}
	m, k, n := a.Dim(0), a.Dim(1), b.Dim(1)
	if b.Dim(0) != k {
		return matmulShape{}, invalid("b", "shape %v; want %d rows to match a's %d columns", b.Shape(), k, k)
	}
	if out.Dim(0) != m || out.Dim(1) != n {
		return matmulShape{}, invalid("out", "shape %v; want [%d %d]", out.Shape(), m, n)
	}
	return matmulShape{m, k, n}, nil
}

// Matmul is the reference matrix product out = a·b of a [M, K] and b
// [K, N] into out [M, N], in any dtype (all three the same) with float32
// accumulation, one output row per work item. For float16 and bfloat16 it
// converts b to float32 once per call (an allocation of K·N floats). out
// must not overlap a or b.
func Matmul(a, b, out runtime.Tensor) error {
	s, err := newMatmul(a, b, out)
	if err != nil {
		return err
	}
	as, os := storageOf(a), storageOf(out)
	var bf []float32
	if b.DType() != runtime.Float32 {
		bf = make([]float32, s.k*s.n)
	}
	bf = storageOf(b).load(0, s.k*s.n, bf)
	parallel(s.m, 2*s.k*s.n, func(lo, hi int) {
		scratch := getScratch(s.k + s.n)
		defer putScratch(scratch)
		buf := *scratch
		for i := lo; i < hi; i++ {
			row := as.load(i*s.k, s.k, buf)
			acc := os.target(i*s.n, s.n, buf[s.k:])
			clear(acc)
			for p, x := range row {
				bRow := bf[p*s.n : (p+1)*s.n]
				for j := range acc {
					acc[j] += x * bRow[j]
				}
			}
			os.store(i*s.n, acc)
		}
	})
	return nil
}
