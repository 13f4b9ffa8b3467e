package runtime

import (
	"errors"
	"sync/atomic"
	"testing"
)

// Kernel ids of testRegistry.
const (
	kFast   KernelID = iota // attention: fp16/bf16, head_dim <= 128 and %8, seq_len_k <= 4096
	kMedium                 // attention: seq_len_q <= 8192, batch <= 64
	kGPU                    // attention: cuda, sm >= 80
	kSlow                   // attention: any cpu context
	kRef                    // attention: reference
	kRMS                    // norm.rms
	kRMSRef                 // norm.rms reference
)

// testRegistry is a hand-built registration table shaped like lzgen's output.
func testRegistry() *Registry {
	fp16 := DTypeSet(0).With(Float16).With(BFloat16)
	return &Registry{
		Manifest: "kernels.yaml",
		Ops: []OpInfo{
			{Name: "attention.causal", Reference: kRef, Kernels: []KernelID{kGPU, kFast, kMedium, kSlow, kRef}},
			{Name: "norm.rms", Reference: kRMSRef, Kernels: []KernelID{kRMS, kRMSRef}},
		},
		Kernels: []KernelInfo{
			kFast:   {Name: "fast", Op: 0, Backend: PlatformCPU, Priority: 100, Constraints: Constraints{DTypes: fp16, HeadDim: Range{Max: 128, Multiple: 8}, SeqLenK: Range{Max: 4096}}},
			kMedium: {Name: "medium", Op: 0, Backend: PlatformCPU, Priority: 50, Constraints: Constraints{SeqLenQ: Range{Max: 8192}, BatchSize: Range{Min: 1, Max: 64}, SupportsGQA: true}},
			kGPU:    {Name: "gpu", Op: 0, Backend: PlatformCUDA, Priority: 200, Constraints: Constraints{Platform: PlatformCUDA, MinSM: 80}},
			kSlow:   {Name: "slow", Op: 0, Backend: PlatformCPU, Priority: 10, Constraints: Constraints{SupportsGQA: true, SupportsDropout: true}},
			kRef:    {Name: "ref", Op: 0, Backend: PlatformCPU, Priority: 0, Constraints: Constraints{SupportsGQA: true, SupportsDropout: true, Deterministic: true}},
			kRMS:    {Name: "rms_fast", Op: 1, Backend: PlatformCPU, Priority: 10, Constraints: Constraints{BatchSize: Range{Min: 16}}},
			kRMSRef: {Name: "rms_ref", Op: 1, Backend: PlatformCPU},
		},
	}
}

// attnCtx is an attention context every cpu kernel of testRegistry accepts.
func attnCtx() Context {
	return Context{Op: 0, Platform: PlatformCPU, DType: Float16, Layout: BSHD, BatchSize: 2, SeqLenQ: 512, SeqLenK: 512, NumHeads: 8, NumKVHeads: 8, HeadDim: 64, IsCausal: true}
}

var errKernel = errors.New("kernel failed")

// kernels is a programmable set of fake kernels: each kernel's behaviour
// is a func swapped atomically, and every invocation is counted.
type kernels struct {
	behave [kRMSRef + 1]atomic.Pointer[func() error]
	calls  [kRMSRef + 1]atomic.Int64
}

// set makes kernel k run f; nil makes it succeed.
func (ks *kernels) set(k KernelID, f func() error) {
	if f == nil {
		ks.behave[k].Store(nil)
		return
	}
	ks.behave[k].Store(&f)
}

// invoke mirrors a generated invoke function: dispatch by id, panics recovered.
func (ks *kernels) invoke(id KernelID) (err error) {
	defer RecoverKernel(&err)
	ks.calls[id].Add(1)
	if f := ks.behave[id].Load(); f != nil {
		return (*f)()
	}
	return nil
}

// dispatch is the generated Dispatcher method's loop, verbatim.
func (ks *kernels) dispatch(e *Engine, c Context, res *Result) error {
	var call Call
	e.Begin(&call, &c, res)
	for call.Next() {
		call.Done(ks.invoke(call.Kernel()))
	}
	return call.Err()
}

func failWith(err error) func() error { return func() error { return err } }

func newTestEngine(t testing.TB, opts ...Option) (*Engine, *kernels) {
	t.Helper()
	e, err := NewEngine(testRegistry(), append([]Option{WithMode(ModeDynamic), WithLogger(nil)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e, &kernels{}
}
