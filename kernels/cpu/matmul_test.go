package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

// naiveMatmul is the float64 reference of a [m, k] × [k, n] product.
func naiveMatmul(a, b []float64, m, k, n int) []float64 {
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			for p := range k {
				out[i*n+j] += a[i*k+p] * b[p*n+j]
			}
		}
	}
	return out
}

func TestMatmulMatchesReference(t *testing.T) {
	kernels := []struct {
		name   string
		fn     func(a, b, out runtime.Tensor) error
		dtypes []runtime.DType
	}{
		{"Matmul", Matmul, dtypes},
		{"MatmulBlocked", MatmulBlocked, dtypes[:1]},
	}
	// Sizes straddle the blocked kernel's row (32, by 4), k (128) and n (256) blocks.
	shapes := [][3]int{{1, 1, 1}, {3, 5, 7}, {4, 8, 16}, {37, 130, 259}, {70, 300, 9}, {64, 64, 512}}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, kern := range kernels {
		for _, s := range shapes {
			for _, dt := range kern.dtypes {
				t.Run(fmt.Sprintf("%s/%dx%dx%d/%v", kern.name, s[0], s[1], s[2], dt), func(t *testing.T) {
					m, k, n := s[0], s[1], s[2]
					a, av := randomTensor(t, rng, dt, runtime.LayoutRowMajor, 1, m, k)
					b, bv := randomTensor(t, rng, dt, runtime.LayoutRowMajor, 1, k, n)
					out := newTensor(t, dt, runtime.LayoutRowMajor, m, n)
					if err := kern.fn(a, b, out); err != nil {
						t.Fatal(err)
					}
					assertClose(t, out, naiveMatmul(av, bv, m, k, n))
				})
			}
		}
	}
}
