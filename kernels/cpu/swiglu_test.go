package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

func TestSwiGLUMatchesReference(t *testing.T) {
	shapes := [][]int{{1}, {3, 5}, {2, 1025}, {4, 3000}}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, shape := range shapes {
		for _, dt := range dtypes {
			for _, inPlace := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%v/inplace=%v", shape, dt, inPlace), func(t *testing.T) {
					gate, gv := randomTensor(t, rng, dt, runtime.LayoutRowMajor, 6, shape...)
					up, uv := randomTensor(t, rng, dt, runtime.LayoutRowMajor, 2, shape...)
					out := up
					if !inPlace {
						out = newTensor(t, dt, runtime.LayoutRowMajor, shape...)
					}
					if err := SwiGLU(gate, up, out); err != nil {
						t.Fatal(err)
					}
					want := make([]float64, len(gv))
					for i, g := range gv {
						want[i] = g / (1 + math.Exp(-g)) * uv[i]
					}
					assertClose(t, out, want)
				})
			}
		}
	}
}
