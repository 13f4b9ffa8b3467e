package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestHalfRoundTrip checks that every float16 and bfloat16 bit pattern
// survives a trip through float32 unchanged (NaNs stay NaNs).
func TestHalfRoundTrip(t *testing.T) {
	for h := range 1 << 16 {
		bits := uint16(h)
		f := Float16ToFloat32(bits)
		if back := Float32ToFloat16(f); back != bits && !(math.IsNaN(float64(f)) && back&0x7c00 == 0x7c00 && back&0x3ff != 0) {
			t.Errorf("float16 %#04x -> %v -> %#04x", bits, f, back)
		}
		b := BFloat16ToFloat32(bits)
		if back := Float32ToBFloat16(b); back != bits && !(math.IsNaN(float64(b)) && math.IsNaN(float64(BFloat16ToFloat32(back)))) {
			t.Errorf("bfloat16 %#04x -> %v -> %#04x", bits, b, back)
		}
	}
}

// TestHalfRounding checks known roundings: ties to even, overflow to
// infinity, subnormals and underflow to zero.
func TestHalfRounding(t *testing.T) {
	f16 := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3c00},
		{-2, 0xc000},
		{65504, 0x7bff},                 // largest finite half
		{65520, 0x7c00},                 // halfway to the next: ties to even = infinity
		{1e6, 0x7c00},                   // overflow
		{1 + 1.0/2048, 0x3c00},          // tie between 0x3c00 and 0x3c01: even
		{1 + 3.0/2048, 0x3c02},          // tie between 0x3c01 and 0x3c02: even
		{0x1p-24, 0x0001},               // smallest subnormal
		{0x1p-25, 0x0000},               // half of it: ties to even = zero
		{0x1.8p-25, 0x0001},             // above the tie
		{0x1p-14, 0x0400},               // smallest normal
		{float32(math.Inf(-1)), 0xfc00}, // infinity keeps its sign
	}
	for _, c := range f16 {
		if got := Float32ToFloat16(c.in); got != c.want {
			t.Errorf("Float32ToFloat16(%v) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
	bf16 := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3f80},
		{math.Float32frombits(0x3f808000), 0x3f80}, // tie: even
		{math.Float32frombits(0x3f818000), 0x3f82}, // tie: even
		{math.Float32frombits(0x3f808001), 0x3f81}, // above the tie
		{math.MaxFloat32, 0x7f80},                  // rounds up to infinity
	}
	for _, c := range bf16 {
		if got := Float32ToBFloat16(c.in); got != c.want {
			t.Errorf("Float32ToBFloat16(%v) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
	if nan := Float32ToFloat16(float32(math.NaN())); nan&0x7c00 != 0x7c00 || nan&0x3ff == 0 {
		t.Errorf("Float32ToFloat16(NaN) = %#04x, not a NaN", nan)
	}
	if nan := Float32ToBFloat16(float32(math.NaN())); !math.IsNaN(float64(BFloat16ToFloat32(nan))) {
		t.Errorf("Float32ToBFloat16(NaN) = %#04x, not a NaN", nan)
	}
}

// TestHalfRoundsToNearest checks on random finite float32 values that the
// conversion picks the nearer of the two neighbouring representable values.
func TestHalfRoundsToNearest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		f := math.Float32frombits(rng.Uint32())
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			continue
		}
		if h := Float32ToFloat16(f); h&0x7c00 != 0x7c00 {
			checkNearest(t, "float16", f, h, Float16ToFloat32)
		}
		if b := Float32ToBFloat16(f); b&0x7f80 != 0x7f80 {
			checkNearest(t, "bfloat16", f, b, BFloat16ToFloat32)
		}
	}
}

// checkNearest fails when a neighbour of bits (one step either way in
// magnitude) is strictly closer to f than bits itself.
func checkNearest(t *testing.T, name string, f float32, bits uint16, decode func(uint16) float32) {
	t.Helper()
	dist := math.Abs(float64(decode(bits)) - float64(f))
	for _, n := range []uint16{bits + 1, bits - 1} {
		if n&0x7fff == 0x7fff || (bits&0x7fff == 0 && n == bits-1) {
			continue // no neighbour beyond the NaNs or below zero
		}
		v := decode(n)
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			continue
		}
		if d := math.Abs(float64(v) - float64(f)); d < dist {
			t.Fatalf("%s of %v: got %#04x (%v), but %#04x (%v) is nearer", name, f, bits, decode(bits), n, v)
		}
	}
}
