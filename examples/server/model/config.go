// Package model is the transformer block the example server runs per request:
// RMSNorm, causal grouped-query attention with RoPE, and a SwiGLU MLP, each
// step dispatched through lzgen-generated code. Weights are random but seeded,
// so two servers started with the same flags compute the same outputs.
package model

import (
	"errors"
	"fmt"
)

// Config sizes the block. Hidden need not equal Heads*HeadDim: the output
// projection maps the attention heads back to the hidden size.
type Config struct {
	Hidden   int     `json:"hidden"`    // width of the residual stream
	Heads    int     `json:"heads"`     // query heads
	KVHeads  int     `json:"kv_heads"`  // key/value heads; Heads must be a multiple (GQA)
	HeadDim  int     `json:"head_dim"`  // per-head width, even (RoPE rotates pairs)
	FFN      int     `json:"ffn"`       // MLP inner width
	MaxSeq   int     `json:"max_seq"`   // longest sequence a request may send (sizes the RoPE tables)
	Eps      float32 `json:"eps"`       // RMSNorm epsilon
	RopeBase float64 `json:"rope_base"` // RoPE frequency base (10000 in most models)
	Seed     uint64  `json:"seed"`      // weight initialisation seed
}

// DefaultConfig is small enough that a two-core machine serves hundreds of
// requests a second.
func DefaultConfig() Config {
	return Config{Hidden: 256, Heads: 8, KVHeads: 2, HeadDim: 32, FFN: 512, MaxSeq: 128, Eps: 1e-5, RopeBase: 10000, Seed: 1}
}

// Validate reports every size that cannot build a block.
func (c Config) Validate() error {
	var errs []error
	positive := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s is %d, want > 0", name, v))
		}
	}
	positive("hidden", c.Hidden)
	positive("heads", c.Heads)
	positive("kv-heads", c.KVHeads)
	positive("head-dim", c.HeadDim)
	positive("ffn", c.FFN)
	positive("max-seq", c.MaxSeq)
	if c.Heads > 0 && c.KVHeads > 0 && c.Heads%c.KVHeads != 0 {
		errs = append(errs, fmt.Errorf("heads %d is not a multiple of kv-heads %d", c.Heads, c.KVHeads))
	}
	if c.HeadDim%2 != 0 {
		errs = append(errs, fmt.Errorf("head-dim %d is odd, RoPE needs an even head dimension", c.HeadDim))
	}
	if !(c.Eps > 0) {
		errs = append(errs, fmt.Errorf("eps is %v, want > 0", c.Eps))
	}
	if !(c.RopeBase > 1) {
		errs = append(errs, fmt.Errorf("rope base is %v, want > 1", c.RopeBase))
	}
	return errors.Join(errs...)
}
