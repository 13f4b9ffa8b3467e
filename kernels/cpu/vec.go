package cpu

import "math"

// The fast kernels' inner loops, unrolled four ways with independent
// accumulators so the CPU overlaps the multiply-adds.

// dot returns the float32 dot product of x and y[:len(x)].
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy adds a*x to y, element by element over len(y).
func axpy(a float32, x, y []float32) {
	x = x[:len(y)]
	i := 0
	for ; i+4 <= len(y); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(y); i++ {
		y[i] += a * x[i]
	}
}

// scale multiplies x by a in place.
func scale(a float32, x []float32) {
	for i := range x {
		x[i] *= a
	}
}

// exp32 is e**x in float32 to within a few ulps, several times faster than
// math.Exp: x = k·ln2 + r with |r| <= ln2/2, e**r from its degree-7 Taylor
// polynomial, and 2**k put straight into the exponent bits. Results below
// the smallest normal float32 flush to zero.
func exp32(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2Hi = 0.693145751953125 // ln 2 split so k·ln2Hi is exact
		ln2Lo = 1.42860682030941723212e-6
	)
	switch {
	case x != x:
		return x
	case x > 88.72:
		return float32(math.Inf(1))
	case x < -87.33:
		return 0
	}
	k := float32(int32(x*log2e+128.5)) - 128 // round to nearest; positive before truncation
	r := x - k*ln2Hi - k*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	if k > 127 { // 2**128 has no float32 exponent: scale in two steps
		p, k = p*2, k-1
	}
	return p * math.Float32frombits(uint32(int32(k)+127)<<23)
}

// dot4 returns the dot products of q with k0, k1, k2 and k3 in one pass, so
// each element of q is loaded once for four keys.
func dot4(q, k0, k1, k2, k3 []float32) (s0, s1, s2, s3 float32) {
	n := len(q)
	k0, k1, k2, k3 = k0[:n], k1[:n], k2[:n], k3[:n]
	for i, x := range q {
		s0 += x * k0[i]
		s1 += x * k1[i]
		s2 += x * k2[i]
		s3 += x * k3[i]
	}
	return s0, s1, s2, s3
}

// axpy4 adds a0·x0 + a1·x1 + a2·x2 + a3·x3 to y in one pass, so each
// element of y is loaded and stored once for four values.
func axpy4(a0, a1, a2, a3 float32, x0, x1, x2, x3, y []float32) {
	n := len(y)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	for i := range y {
		y[i] += a0*x0[i] + a1*x1[i] + a2*x2[i] + a3*x3[i]
	}
}
