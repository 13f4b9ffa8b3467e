package cpu

import (
	"math"
	"testing"
)

func TestExp32(t *testing.T) {
	for x := float32(-87); x <= 88.5; x += 0.0137 {
		want := math.Exp(float64(x))
		if got := float64(exp32(x)); math.Abs(got-want) > 4e-7*want {
			t.Fatalf("exp32(%v) = %v, want %v (relative error %.2g)", x, got, want, math.Abs(got-want)/want)
		}
	}
	for _, c := range []struct{ in, want float32 }{
		{0, 1},
		{float32(math.Inf(-1)), 0},
		{-1000, 0},
		{1000, float32(math.Inf(1))},
	} {
		if got := exp32(c.in); got != c.want {
			t.Errorf("exp32(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if nan := float32(math.NaN()); !math.IsNaN(float64(exp32(nan))) {
		t.Error("exp32(NaN) is not NaN")
	}
}
