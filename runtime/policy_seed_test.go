package runtime

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files under testdata/")

// seedRegistry declares the kernels of testdata/rules/seed.yaml the way a
// manifest would.
func seedRegistry() *Registry {
	half := DTypeSet(0).With(Float16).With(BFloat16)
	reg := &Registry{Manifest: "seed_kernels.yaml"}
	ops := map[string]OpID{}
	for _, k := range []struct {
		op, name string
		prio     int32
		c        Constraints
	}{
		{"attention.causal", "flash_attention_v2", 300, Constraints{Platform: PlatformCUDA, DTypes: half, MinSM: 80, HeadDim: Range{Max: 256}, SupportsGQA: true}},
		{"attention.causal", "xformers_memory_efficient", 200, Constraints{Platform: PlatformCUDA, MinSM: 70, SupportsGQA: true, SupportsDropout: true}},
		{"attention.causal", "flash_attention_experimental", 100, Constraints{Platform: PlatformCUDA, DTypes: half, MinSM: 90}},
		{"attention.causal", "torch_sdpa", 0, Constraints{SupportsGQA: true, SupportsDropout: true, Deterministic: true}},
		{"attention.decode", "flashinfer_decode", 300, Constraints{Platform: PlatformCUDA, DTypes: half, MinSM: 80, SupportsGQA: true}},
		{"attention.decode", "torch_sdpa_decode", 0, Constraints{SupportsGQA: true, Deterministic: true}},
		{"rms_norm", "liger_rms_norm", 300, Constraints{Platform: PlatformCUDA}},
		{"rms_norm", "triton_rms_norm", 200, Constraints{Platform: PlatformCUDA}},
		{"rms_norm", "torch_rms_norm", 0, Constraints{Deterministic: true}},
		{"rope.standard", "liger_rope", 300, Constraints{Platform: PlatformCUDA}},
		{"rope.standard", "torch_rope", 0, Constraints{Deterministic: true}},
	} {
		op, ok := ops[k.op]
		if !ok {
			op = OpID(len(reg.Ops))
			ops[k.op] = op
			reg.Ops = append(reg.Ops, OpInfo{Name: k.op})
		}
		id := KernelID(len(reg.Kernels))
		reg.Kernels = append(reg.Kernels, KernelInfo{Name: k.name, Op: op, Backend: k.c.Platform, Priority: k.prio, Constraints: k.c,
			Pos: reg.Manifest + ":" + k.name})
		reg.Ops[op].Kernels = append(reg.Ops[op].Kernels, id)
		if k.prio == 0 {
			reg.Ops[op].Reference = id
		}
	}
	return reg
}

// TestSeedRulesFile loads a rules file written as the seed system documents
// it and compares its diagnostics with testdata/rules/seed.golden.
func TestSeedRulesFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "rules", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	reg := seedRegistry()
	p, ds := ParsePolicy("seed.yaml", data, reg)
	if ds.HasErrors() {
		t.Fatalf("seed.yaml does not load:\n%s", ds)
	}
	got := []byte(ds.String())
	golden := filepath.Join("testdata", "rules", "seed.golden")
	if *updateGolden {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./runtime -run TestSeedRulesFile -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("diagnostics differ from %s (rerun with -update if intended):\n got:\n%s\nwant:\n%s", golden, got, want)
	}

	causal, _ := reg.OpByName("attention.causal")
	c := Context{Op: causal, Platform: PlatformCUDA, Device: 2, SM: 90, DType: Float16, Layout: BSHD, BatchSize: 16,
		SeqLenQ: 512, SeqLenK: 512, NumHeads: 32, NumKVHeads: 32, HeadDim: 128, IsCausal: true, PPSize: 1}
	expectEqual(t, []string{"flash_attention_v2", "xformers_memory_efficient"}, kernelNames(reg, p.Prefix(&c, nil)))
	c.DropoutP = 0.1 // flash attention has no dropout: the dropout rule picks xformers; torch_sdpa is a CPU kernel
	expectEqual(t, []string{"xformers_memory_efficient"}, kernelNames(reg, p.Prefix(&c, nil)))
}
