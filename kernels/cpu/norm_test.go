package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

// normShapes are the x shapes the norm kernels are tested on; hidden is
// the last dimension.
var normShapes = [][]int{{1}, {1, 7}, {3, 64}, {2, 5, 33}, {4, 1000}, {64, 512}}

// naiveRMSNorm is the float64 reference of RMSNorm.
func naiveRMSNorm(x, w []float64, hidden int, eps float64) []float64 {
	out := make([]float64, len(x))
	for r := 0; r < len(x); r += hidden {
		sum := 0.0
		for _, v := range x[r : r+hidden] {
			sum += v * v
		}
		inv := 1 / math.Sqrt(sum/float64(hidden)+eps)
		for i := range hidden {
			out[r+i] = x[r+i] * inv * w[i]
		}
	}
	return out
}

// naiveLayerNorm is the float64 reference of LayerNorm.
func naiveLayerNorm(x, w, b []float64, hidden int, eps float64) []float64 {
	out := make([]float64, len(x))
	for r := 0; r < len(x); r += hidden {
		mean, variance := 0.0, 0.0
		for _, v := range x[r : r+hidden] {
			mean += v
		}
		mean /= float64(hidden)
		for _, v := range x[r : r+hidden] {
			variance += (v - mean) * (v - mean)
		}
		inv := 1 / math.Sqrt(variance/float64(hidden)+eps)
		for i := range hidden {
			out[r+i] = (x[r+i]-mean)*inv*w[i] + b[i]
		}
	}
	return out
}

func TestRMSNormMatchesReference(t *testing.T) {
	kernels := []struct {
		name   string
		fn     func(x, weight, out runtime.Tensor, eps float32) error
		dtypes []runtime.DType
	}{
		{"RMSNorm", RMSNorm, dtypes},
		{"RMSNormF32", RMSNormF32, dtypes[:1]},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, kern := range kernels {
		for _, shape := range normShapes {
			for _, dt := range kern.dtypes {
				for _, inPlace := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/%v/%v/inplace=%v", kern.name, shape, dt, inPlace), func(t *testing.T) {
						hidden := shape[len(shape)-1]
						x, xv := randomTensor(t, rng, dt, runtime.LayoutRowMajor, 3, shape...)
						w, wv := randomTensor(t, rng, dt, runtime.LayoutRowMajor, 2, hidden)
						out := x
						if !inPlace {
							out = newTensor(t, dt, runtime.LayoutRowMajor, shape...)
						}
						if err := kern.fn(x, w, out, 1e-5); err != nil {
							t.Fatal(err)
						}
						assertClose(t, out, naiveRMSNorm(xv, wv, hidden, float64(float32(1e-5))))
					})
				}
			}
		}
	}
}

func TestLayerNormMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, shape := range normShapes {
		for _, dt := range dtypes {
			for _, inPlace := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%v/inplace=%v", shape, dt, inPlace), func(t *testing.T) {
					hidden := shape[len(shape)-1]
					x, xv := randomTensor(t, rng, dt, runtime.LayoutRowMajor, 3, shape...)
					w, wv := randomTensor(t, rng, dt, runtime.LayoutRowMajor, 2, hidden)
					b, bv := randomTensor(t, rng, dt, runtime.LayoutRowMajor, 1, hidden)
					out := x
					if !inPlace {
						out = newTensor(t, dt, runtime.LayoutRowMajor, shape...)
					}
					if err := LayerNorm(x, w, b, out, 1e-5); err != nil {
						t.Fatal(err)
					}
					assertClose(t, out, naiveLayerNorm(xv, wv, bv, hidden, float64(float32(1e-5))))
				})
			}
		}
	}
}
