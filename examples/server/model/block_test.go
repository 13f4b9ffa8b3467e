package model

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/layerzero/lzgen/kernels/cpu"
	"github.com/layerzero/lzgen/runtime"
)

// referenceOps calls the reference CPU kernels directly, standing in for the
// generated dispatcher so the block is tested without an engine.
type referenceOps struct{}

func served(name string, err error) (runtime.Result, error) {
	return runtime.Result{KernelName: name}, err
}

func (referenceOps) NormRmsResult(x, weight, out runtime.Tensor, eps float32) (runtime.Result, error) {
	return served("rms_norm_ref", cpu.RMSNorm(x, weight, out, eps))
}
func (referenceOps) MatmulResult(a, b, out runtime.Tensor) (runtime.Result, error) {
	return served("matmul_ref", cpu.Matmul(a, b, out))
}
func (referenceOps) PosencRopeResult(x, cos, sin, out runtime.Tensor, interleaved bool) (runtime.Result, error) {
	return served("rope_ref", cpu.RoPE(x, cos, sin, out, interleaved))
}
func (referenceOps) AttentionCausalResult(q, k, v, out runtime.Tensor, scale float32) (runtime.Result, error) {
	return served("attention_causal_ref", cpu.AttentionCausal(q, k, v, out, scale))
}
func (referenceOps) ActivationSwigluResult(gate, up, out runtime.Tensor) (runtime.Result, error) {
	return served("swiglu_ref", cpu.SwiGLU(gate, up, out))
}

var smallConfig = Config{Hidden: 16, Heads: 4, KVHeads: 2, HeadDim: 4, FFN: 24, MaxSeq: 8, Eps: 1e-5, RopeBase: 10000, Seed: 5}

func input(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(math.Cos(float64(i) * 0.7))
	}
	return x
}

func TestForwardRunsEveryStepInOrder(t *testing.T) {
	b, err := New(smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	x := input(2 * 3 * smallConfig.Hidden)
	out, steps, err := b.Forward(referenceOps{}, x, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Name+":"+s.Kernel)
	}
	want := []string{"attn_norm:rms_norm_ref", "q_proj:matmul_ref", "k_proj:matmul_ref", "v_proj:matmul_ref",
		"q_rope:rope_ref", "k_rope:rope_ref", "attention:attention_causal_ref", "o_proj:matmul_ref",
		"mlp_norm:rms_norm_ref", "gate_proj:matmul_ref", "up_proj:matmul_ref", "swiglu:swiglu_ref", "down_proj:matmul_ref"}
	if !slices.Equal(names, want) {
		t.Fatalf("steps\n%v\nwant\n%v", names, want)
	}
	if len(out) != len(x) || slices.Equal(out, x) {
		t.Fatalf("output of %d values equal to the input: the block did nothing", len(out))
	}
	if !slices.Equal(x, input(len(x))) {
		t.Fatal("Forward modified its input")
	}
}

// TestForwardIsCausal changes the last position of a sequence: the outputs
// at earlier positions must not move, the last must.
func TestForwardIsCausal(t *testing.T) {
	b, err := New(smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	h := smallConfig.Hidden
	x := input(3 * h)
	before, _, err := b.Forward(referenceOps{}, x, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	x[2*h] += 1
	after, _, err := b.Forward(referenceOps{}, x, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before[:2*h], after[:2*h]) {
		t.Error("changing position 2 moved the outputs at positions 0 and 1")
	}
	if slices.Equal(before[2*h:], after[2*h:]) {
		t.Error("changing position 2 left its output unchanged")
	}
}

func TestForwardSameSeedSameOutput(t *testing.T) {
	x := input(2 * smallConfig.Hidden)
	run := func(seed uint64) []float32 {
		c := smallConfig
		c.Seed = seed
		b, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := b.Forward(referenceOps{}, x, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if !slices.Equal(run(5), run(5)) {
		t.Error("two blocks with seed 5 disagree")
	}
	if slices.Equal(run(5), run(6)) {
		t.Error("seeds 5 and 6 gave the same output")
	}
}

// failingOps fails the matmul of one step and counts every dispatch.
type failingOps struct {
	referenceOps
	failAt, calls int // failAt: the number of the matmul call that fails
	matmuls       int
}

func (o *failingOps) NormRmsResult(x, weight, out runtime.Tensor, eps float32) (runtime.Result, error) {
	o.calls++
	return o.referenceOps.NormRmsResult(x, weight, out, eps)
}

func (o *failingOps) MatmulResult(a, b, out runtime.Tensor) (runtime.Result, error) {
	o.calls++
	if o.matmuls++; o.matmuls == o.failAt {
		return runtime.Result{}, errors.New("kernel exploded")
	}
	return o.referenceOps.MatmulResult(a, b, out)
}

// TestForwardStopsAtTheFirstFailure fails k_proj, the second matmul: the
// error names the step, the steps before it are reported, and nothing after
// it is dispatched.
func TestForwardStopsAtTheFirstFailure(t *testing.T) {
	b, err := New(smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	ops := &failingOps{failAt: 2}
	out, steps, err := b.Forward(ops, input(2*smallConfig.Hidden), 1, 2)
	if err == nil || out != nil || !strings.Contains(err.Error(), "step k_proj (matmul): kernel exploded") {
		t.Fatalf("Forward = %d values, %v; want no output and an error naming step k_proj", len(out), err)
	}
	if len(steps) != 2 || steps[0].Name != "attn_norm" || steps[1].Name != "q_proj" {
		t.Errorf("steps %+v, want attn_norm and q_proj", steps)
	}
	if ops.calls != 3 {
		t.Errorf("%d dispatches, want 3: attn_norm, q_proj and the failing k_proj, nothing after", ops.calls)
	}
}

func TestForwardRejectsBadShapes(t *testing.T) {
	b, err := New(smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ n, batch, seq int }{{16, 0, 1}, {16, 1, 0}, {16 * 9, 1, 9}, {15, 1, 1}} {
		if _, _, err := b.Forward(referenceOps{}, input(tc.n), tc.batch, tc.seq); err == nil {
			t.Errorf("Forward(%d values, batch %d, seq %d) succeeded", tc.n, tc.batch, tc.seq)
		}
	}
}

func TestConfigValidateListsEveryProblem(t *testing.T) {
	err := Config{Hidden: 0, Heads: 6, KVHeads: 4, HeadDim: 3, FFN: 1, MaxSeq: 1, Eps: 0, RopeBase: 1}.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{"hidden is 0", "heads 6 is not a multiple of kv-heads 4", "head-dim 3 is odd", "eps is 0", "rope base is 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\ndoes not mention %q", err, want)
		}
	}
}
