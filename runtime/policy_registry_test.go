package runtime

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// rulesRegistry builds a registry like the quickstart manifest's, by hand,
// so the rules tests do not depend on the generator.
func rulesRegistry(t testing.TB) *Registry {
	t.Helper()
	half := DTypeSet(0).With(Float16).With(BFloat16)
	f32 := DTypeSet(0).With(Float32)
	reg := &Registry{Manifest: "kernels.yaml"}
	addOp := func(name string) OpID {
		reg.Ops = append(reg.Ops, OpInfo{Name: name})
		return OpID(len(reg.Ops) - 1)
	}
	addKernel := func(op OpID, name string, backend Platform, prio int32, c Constraints) {
		c.Platform = backend
		id := KernelID(len(reg.Kernels))
		reg.Kernels = append(reg.Kernels, KernelInfo{Name: name, Op: op, Backend: backend, Priority: prio, Constraints: c,
			Pos: "kernels.yaml:" + name})
		reg.Ops[op].Kernels = append(reg.Ops[op].Kernels, id)
		if prio == 0 {
			reg.Ops[op].Reference = id
		}
	}
	attn := addOp("attention.causal")
	addKernel(attn, "attention_causal_flash_sm80", PlatformCUDA, 300, Constraints{DTypes: half, MinSM: 80,
		HeadDim: Range{Max: 128, Multiple: 64}, Layouts: LayoutSet(0).With(BSHD), SupportsGQA: true, CUDAGraphSafe: true})
	addKernel(attn, "attention_causal_tiled", PlatformCPU, 200, Constraints{HeadDim: Range{Max: 256, Multiple: 8},
		Layouts: LayoutSet(0).With(BSHD).With(BHSD), SupportsGQA: true, Deterministic: true})
	addKernel(attn, "attention_causal_ref", PlatformCPU, 0, Constraints{SupportsGQA: true, SupportsDropout: true, Deterministic: true})
	rms := addOp("norm.rms")
	addKernel(rms, "rms_norm_cuda", PlatformCUDA, 300, Constraints{MinSM: 70, CUDAGraphSafe: true})
	addKernel(rms, "rms_norm_f32", PlatformCPU, 100, Constraints{DTypes: f32, Deterministic: true})
	addKernel(rms, "rms_norm_ref", PlatformCPU, 0, Constraints{Deterministic: true})
	mm := addOp("matmul")
	addKernel(mm, "matmul_blocked", PlatformCPU, 100, Constraints{DTypes: f32, BatchSize: Range{Min: 16}, Deterministic: true})
	addKernel(mm, "matmul_experimental", PlatformCPU, 50, Constraints{Deterministic: true})
	addKernel(mm, "matmul_ref", PlatformCPU, 0, Constraints{Deterministic: true})
	return reg
}

// kernelID looks a kernel up by name or fails the test.
func kernelID(t testing.TB, reg *Registry, name string) KernelID {
	t.Helper()
	id, ok := reg.KernelByName(name)
	if !ok {
		t.Fatalf("no kernel %q", name)
	}
	return id
}

// mustPolicy compiles rules text that must load without errors.
func mustPolicy(t testing.TB, reg *Registry, text string) *Policy {
	t.Helper()
	p, ds := ParsePolicy("rules.yaml", []byte(text), reg)
	if ds.HasErrors() || p == nil {
		t.Fatalf("rules do not load:\n%s", ds)
	}
	return p
}

// cpuCall is an attention-sized CPU context for op.
func cpuCall(op OpID) Context {
	return Context{Op: op, Platform: PlatformCPU, DType: Float32, Layout: BSHD, Device: -1, BatchSize: 4,
		SeqLenQ: 128, SeqLenK: 128, NumHeads: 8, NumKVHeads: 8, HeadDim: 64}
}

// expectEqual fails the test when got differs from want.
func expectEqual[T any](t testing.TB, want, got T, what ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s\n got: %#v\nwant: %#v", fmt.Sprint(what...), got, want)
	}
}

// expectContains fails the test when s lacks sub.
func expectContains(t testing.TB, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("missing %q in:\n%s", sub, s)
	}
}
