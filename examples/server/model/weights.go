package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/layerzero/lzgen/runtime"
)

// weights are the block's parameters, row-major float32 matrices laid out
// [in, out] so that a projection is matmul(x[rows, in], w[in, out]).
type weights struct {
	attnNorm, mlpNorm runtime.Tensor // [hidden]
	wq                runtime.Tensor // [hidden, heads*head_dim]
	wk, wv            runtime.Tensor // [hidden, kv_heads*head_dim]
	wo                runtime.Tensor // [heads*head_dim, hidden]
	wGate, wUp        runtime.Tensor // [hidden, ffn]
	wDown             runtime.Tensor // [ffn, hidden]
}

// newWeights draws every matrix from N(0, 1/fan_in), seeded, and sets the
// norm weights to one, the usual initialisation.
func newWeights(c Config) (weights, error) {
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	var t tensors
	matrix := func(in, out int) runtime.Tensor {
		data := make([]float32, in*out)
		std := 1 / math.Sqrt(float64(in))
		for i := range data {
			data[i] = float32(rng.NormFloat64() * std)
		}
		return t.matrix(data, in, out)
	}
	ones := func(n int) runtime.Tensor {
		data := make([]float32, n)
		for i := range data {
			data[i] = 1
		}
		return t.wrap(runtime.LayoutRowMajor, data, n)
	}
	var w weights
	attn, kv := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	w.attnNorm, w.mlpNorm = ones(c.Hidden), ones(c.Hidden)
	w.wq, w.wk, w.wv, w.wo = matrix(c.Hidden, attn), matrix(c.Hidden, kv), matrix(c.Hidden, kv), matrix(attn, c.Hidden)
	w.wGate, w.wUp, w.wDown = matrix(c.Hidden, c.FFN), matrix(c.Hidden, c.FFN), matrix(c.FFN, c.Hidden)
	if t.err != nil {
		return weights{}, fmt.Errorf("model weights: %w", t.err)
	}
	return w, nil
}

// ropeTables returns cos and sin of position*frequency for every position
// below maxSeq and every rotated pair, [maxSeq, headDim/2] row-major.
func ropeTables(maxSeq, headDim int, base float64) (cos, sin []float32) {
	half := headDim / 2
	cos, sin = make([]float32, maxSeq*half), make([]float32, maxSeq*half)
	for p := range maxSeq {
		for i := range half {
			angle := float64(p) / math.Pow(base, float64(2*i)/float64(headDim))
			cos[p*half+i], sin[p*half+i] = float32(math.Cos(angle)), float32(math.Sin(angle))
		}
	}
	return cos, sin
}
