package cpu

import "github.com/layerzero/lzgen/runtime"

// Block sizes of MatmulBlocked: each work item owns blockRows rows of the
// output and walks b in blockK×blockN panels (128 KiB, resident in L2),
// updating four output rows per pass over a panel so each b value loaded
// feeds four multiply-adds.
const (
	blockRows = 32
	blockK    = 128
	blockN    = 256
)

// MatmulBlocked computes out = a·b like Matmul for float32 tensors only,
// cache-blocked and register-blocked, in parallel over blocks of output
// rows. out must not overlap a or b.
func MatmulBlocked(a, b, out runtime.Tensor) error {
	if err := checkFloat32(operand{"a", a}); err != nil {
		return err
	}
	s, err := newMatmul(a, b, out)
	if err != nil {
		return err
	}
	as, bs, cs := a.Float32s(), b.Float32s(), out.Float32s()
	parallel((s.m+blockRows-1)/blockRows, 2*blockRows*s.k*s.n, func(lo, hi int) {
		for item := lo; item < hi; item++ {
			i0 := item * blockRows
			i1 := min(i0+blockRows, s.m)
			clear(cs[i0*s.n : i1*s.n])
			for j0 := 0; j0 < s.n; j0 += blockN {
				j1 := min(j0+blockN, s.n)
				for p0 := 0; p0 < s.k; p0 += blockK {
					p1 := min(p0+blockK, s.k)
					panel := bs[p0*s.n+j0:]
					aRow := func(i int) []float32 { return as[i*s.k+p0 : i*s.k+p1] }
					cRow := func(i int) []float32 { return cs[i*s.n+j0 : i*s.n+j1] }
					i := i0
					for ; i+4 <= i1; i += 4 {
						panelTimes4(cRow(i), cRow(i+1), cRow(i+2), cRow(i+3), aRow(i), aRow(i+1), aRow(i+2), aRow(i+3), panel, s.n)
					}
					for ; i < i1; i++ {
						for p, x := range aRow(i) {
							axpy(x, panel[p*s.n:], cRow(i))
						}
					}
				}
			}
		}
	})
	return nil
}

// panelTimes4 adds to four output row segments c0..c3 the products of four
// row segments a0..a3 of a with a panel of b whose rows are stride apart:
// c_r[j] += Σ_p a_r[p]·panel[p·stride + j].
func panelTimes4(c0, c1, c2, c3, a0, a1, a2, a3, panel []float32, stride int) {
	n := len(c0)
	c1, c2, c3 = c1[:n], c2[:n], c3[:n]
	a1, a2, a3 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)]
	for p, x0 := range a0 {
		x1, x2, x3 := a1[p], a2[p], a3[p]
		bRow := panel[p*stride : p*stride+n]
		for j, y := range bRow {
			c0[j] += x0 * y
			c1[j] += x1 * y
			c2[j] += x2 * y
			c3[j] += x3 * y
		}
	}
}
