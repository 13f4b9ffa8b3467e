package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

// dtypes are the storage types every kernel is tested in.
var dtypes = []runtime.DType{runtime.Float32, runtime.Float16, runtime.BFloat16}

// tolerance is the accuracy each dtype must reach against the float64
// reference, both relative and absolute.
var tolerance = map[runtime.DType]float64{runtime.Float32: 1e-5, runtime.Float16: 1e-3, runtime.BFloat16: 1e-2}

// roundTo rounds v to the nearest value the dtype can store.
func roundTo(dt runtime.DType, v float64) float64 {
	switch dt {
	case runtime.Float16:
		return float64(runtime.Float16ToFloat32(runtime.Float32ToFloat16(float32(v))))
	case runtime.BFloat16:
		return float64(runtime.BFloat16ToFloat32(runtime.Float32ToBFloat16(float32(v))))
	}
	return float64(float32(v))
}

// values reads every element of a host tensor as float64.
func values(t runtime.Tensor) []float64 {
	out := make([]float64, t.Numel())
	if f := t.Float32s(); f != nil {
		for i, v := range f {
			out[i] = float64(v)
		}
		return out
	}
	for i, h := range t.Uint16s() {
		if t.DType() == runtime.Float16 {
			out[i] = float64(runtime.Float16ToFloat32(h))
		} else {
			out[i] = float64(runtime.BFloat16ToFloat32(h))
		}
	}
	return out
}

// fill stores vals (rounded to the dtype) into a host tensor.
func fill(t runtime.Tensor, vals []float64) {
	if f := t.Float32s(); f != nil {
		for i, v := range vals {
			f[i] = float32(v)
		}
		return
	}
	u := t.Uint16s()
	for i, v := range vals {
		if t.DType() == runtime.Float16 {
			u[i] = runtime.Float32ToFloat16(float32(v))
		} else {
			u[i] = runtime.Float32ToBFloat16(float32(v))
		}
	}
}

// newTensor returns a zeroed host tensor, failing the test on error.
func newTensor(t testing.TB, dt runtime.DType, layout runtime.Layout, shape ...int) runtime.Tensor {
	t.Helper()
	x, err := runtime.New(dt, layout, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// randomTensor returns a host tensor of values uniform in [-spread, spread)
// and those values as stored (rounded to the dtype), for the reference.
func randomTensor(t testing.TB, rng *rand.Rand, dt runtime.DType, layout runtime.Layout, spread float64, shape ...int) (runtime.Tensor, []float64) {
	t.Helper()
	x := newTensor(t, dt, layout, shape...)
	vals := make([]float64, x.Numel())
	for i := range vals {
		vals[i] = (2*rng.Float64() - 1) * spread
	}
	fill(x, vals)
	return x, values(x)
}

// assertClose checks got against the float64 reference want, rounded to
// got's dtype first: |got - want| <= tol·(1 + |want|).
func assertClose(t *testing.T, got runtime.Tensor, want []float64) {
	t.Helper()
	tol := tolerance[got.DType()]
	g := values(got)
	if len(g) != len(want) {
		t.Fatalf("got %d values, want %d", len(g), len(want))
	}
	bad := 0
	for i := range g {
		w := roundTo(got.DType(), want[i])
		if diff := math.Abs(g[i] - w); !(diff <= tol*(1+math.Abs(w))) {
			if bad < 5 {
				t.Errorf("element %d: got %v, want %v (diff %.3g, tolerance %.0e)", i, g[i], w, diff, tol)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d elements outside tolerance", bad, len(g))
	}
}
