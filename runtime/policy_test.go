package runtime

import (
	"slices"
	"testing"
)

const orderRules = `version: "1.0"
defaults:
  fallback_policy: [reference]
  default_priority: 10
dispatch_rules:
  - operation: "matmul"
    kernel: matmul_experimental
    conditions: {batch_size_gte: 8}
  - operation: "mat*"
    kernel: matmul_blocked
    priority: 500
    conditions: {batch_size_gte: 32, dtype: float32}
kernel_locks:
  "norm.*": rms_norm_f32
fallback_chains:
  matmul: [matmul_experimental]
  "*": [attention_causal_tiled, rms_norm_ref]
`

func kernelNames(reg *Registry, cs []Choice) []string {
	var names []string
	for _, c := range cs {
		names = append(names, reg.Kernels[c.Kernel].Name)
	}
	return names
}

func TestPrefixOrder(t *testing.T) {
	reg := rulesRegistry(t)
	p := mustPolicy(t, reg, orderRules)
	mm, _ := reg.OpByName("matmul")
	rms, _ := reg.OpByName("norm.rms")
	attn, _ := reg.OpByName("attention.causal")

	big := cpuCall(mm)
	big.BatchSize = 64
	got := p.Prefix(&big, nil)
	expectEqual(t, []string{"matmul_blocked", "matmul_experimental", "matmul_ref"}, kernelNames(reg, got))
	expectEqual(t, []string{"rule 2 (rules.yaml:9:5)", "rule 1 (rules.yaml:6:5)", `defaults.fallback_policy "reference" (rules.yaml:3:21)`},
		[]string{p.Describe(got[0].Source), p.Describe(got[1].Source), p.Describe(got[2].Source)})

	small := cpuCall(mm)
	small.BatchSize = 2 // no rule fires: the exact chain key wins over "*"
	got = p.Prefix(&small, nil)
	expectEqual(t, []string{"matmul_experimental", "matmul_ref"}, kernelNames(reg, got))
	expectEqual(t, `fallback chain "matmul" (rules.yaml:16:3)`, p.Describe(got[0].Source))

	norm := cpuCall(rms)
	got = p.Prefix(&norm, nil)
	expectEqual(t, []string{"rms_norm_f32", "rms_norm_ref"}, kernelNames(reg, got))
	expectEqual(t, `lock "norm.*" (rules.yaml:14:3)`, p.Describe(got[0].Source))
	norm.DType = Float16 // the lock's kernel does not fit: it is skipped, not called
	expectEqual(t, []string{"rms_norm_ref"}, kernelNames(reg, p.Prefix(&norm, nil)))

	a := cpuCall(attn)
	expectEqual(t, []string{"attention_causal_tiled", "attention_causal_ref"}, kernelNames(reg, p.Prefix(&a, nil)))

	id, ok := p.Lock(rms)
	expectEqual(t, true, ok)
	expectEqual(t, kernelID(t, reg, "rms_norm_f32"), id)
	_, ok = p.Lock(mm)
	expectEqual(t, false, ok)
	expectEqual(t, []KernelID{kernelID(t, reg, "matmul_experimental")}, p.Chain(mm))
	expectEqual(t, []int64{8, 32}, p.Thresholds(mm, FieldBatchSize))
	expectEqual(t, []int64(nil), p.Thresholds(attn, FieldBatchSize))
}

func TestPrefixAppendsWithoutAllocating(t *testing.T) {
	reg := rulesRegistry(t)
	p := mustPolicy(t, reg, orderRules)
	mm, _ := reg.OpByName("matmul")
	c := cpuCall(mm)
	c.BatchSize = 64
	dst := make([]Choice, 0, 8)
	allocs := testing.AllocsPerRun(100, func() { dst = p.Prefix(&c, dst[:0]) })
	expectEqual(t, 0.0, allocs, "allocs")
	expectEqual(t, 3, len(dst))
}

func TestAdmission(t *testing.T) {
	reg := rulesRegistry(t)
	p := mustPolicy(t, reg, `version: "1.0"
kernel_allows: ["*_ref", "matmul_*", "rms_norm_f32"]
kernel_denies: ["*_experimental"]
fallback_chains:
  matmul: [matmul_experimental, matmul_blocked]
`)
	for name, want := range map[string]bool{
		"matmul_experimental": false, "matmul_blocked": true, "matmul_ref": true, "rms_norm_f32": true,
		"rms_norm_cuda": false, "attention_causal_tiled": false, "attention_causal_ref": true,
	} {
		expectEqual(t, want, p.Admits(kernelID(t, reg, name)), name)
	}
	mm, _ := reg.OpByName("matmul")
	c := cpuCall(mm)
	c.BatchSize = 64
	expectEqual(t, []string{"matmul_blocked"}, kernelNames(reg, p.Prefix(&c, nil)), "denied chain entries are skipped")
	expectContains(t, p.Warnings().String(), `rules.yaml:5:12: warning: chain "matmul": kernel "matmul_experimental" is excluded`)
}

func TestConditionOperators(t *testing.T) {
	reg := rulesRegistry(t)
	attn, _ := reg.OpByName("attention.causal")
	base := cpuCall(attn)
	cuda := base
	cuda.Platform, cuda.Device, cuda.SM, cuda.DType = PlatformCUDA, 3, 90, Float16
	gqa := base
	gqa.NumKVHeads, gqa.EnableGQA, gqa.DropoutP = 2, true, 0.25
	cases := []struct {
		cond string
		ctx  Context
		want bool
	}{
		{"head_dim: 64", base, true},
		{"head_dim: [32, 64]", base, true},
		{"head_dim_eq: 63", base, false},
		{"head_dim_ne: 63", base, true},
		{"seq_len_gt: 128", base, false},
		{"seq_len_gte: 128", base, true},
		{"seq_len_k_lt: 129", base, true},
		{"seq_len_q_lte: 127", base, false},
		{"batch_size_in: [1, 2, 4]", base, true},
		{"batch_size_not_in: [1, 2, 4]", base, false},
		{"num_heads_match: '8'", base, true},
		{"num_heads_regex: '1[0-9]'", base, false},
		{"dtype: fp32", base, true},
		{"dtype_ne: float32", base, false},
		{"dtype_in: [float16, bf16]", base, false},
		{"dtype_not_in: [float16, bfloat16]", base, true},
		{"dtype_match: 'float*'", base, true},
		{"dtype_regex: 'b?float16'", base, false},
		{"layout: BSHD", base, true},
		{"layout_match: 'B?SD'", base, false},
		{"platform: cuda", cuda, true},
		{"platform_regex: cpu", cuda, false},
		{"op: attention.causal", base, true},
		{"op_match: 'norm.*'", base, false},
		{"device: cpu", base, true},
		{"device: 'cuda:3'", cuda, true},
		{"device_ne: 'cuda:3'", cuda, false},
		{"device_in: ['cuda:0', 'cuda:1']", cuda, false},
		{"device_not_in: ['cuda:0', 'cuda:1']", cuda, true},
		{"device_match: 'cuda:*'", cuda, true},
		{"device_match: 'cuda:*'", base, false},
		{"device_regex: 'cuda:[0-3]'", cuda, true},
		{"device_gte: 2", cuda, true},
		{"sm_gte: 80", cuda, true},
		{"sm_lt: 80", cuda, false},
		{"is_causal: false", base, true},
		{"enable_gqa: true", gqa, true},
		{"enable_gqa_ne: true", gqa, false},
		{"enable_gqa_in: [true]", base, false},
		{"enable_gqa_match: 'tr*'", gqa, true},
		{"dropout_p_gt: 0.0", gqa, true},
		{"dropout_p_gt: 0.0", base, false},
		{"dropout_p_lte: 0.25", gqa, true},
		{"dropout_p_regex: '0\\.2.*'", gqa, true},
		{"num_kv_heads_lt: 8", gqa, true},
		{"tp_size: 0", base, true},
		{"pp_size_gt: 1", base, false},
		{"requires_deterministic: false", base, true},
		{"is_cuda_graph_capturing_eq: true", base, false},
		{"kernel_regex: 'attention_.*_ref'", base, true},
	}
	for _, tc := range cases {
		t.Run(tc.cond, func(t *testing.T) {
			kernel := "attention_causal_ref"
			if tc.ctx.Platform == PlatformCUDA {
				kernel = "attention_causal_flash_sm80"
			}
			p := mustPolicy(t, reg, `version: "1.0"
dispatch_rules:
  - {operation: attention.causal, kernel: `+kernel+`, priority: 1000, conditions: {`+tc.cond+`}}
`)
			c := tc.ctx
			got := p.Prefix(&c, nil)
			fired := len(got) > 0 && got[0].Source.Kind == SourceRule
			expectEqual(t, tc.want, fired)
		})
	}
}

func TestThresholdsKeepCachedDecisionsExact(t *testing.T) {
	reg := rulesRegistry(t)
	p := mustPolicy(t, reg, `version: "1.0"
dispatch_rules:
  - {operation: matmul, kernel: matmul_experimental, conditions: {batch_size_gt: 10, batch_size_lte: 20}}
  - {operation: matmul, kernel: matmul_ref, conditions: {batch_size_in: [3, 40], tp_size_ne: 2}}
  - {operation: matmul, kernel: matmul_blocked, conditions: {seq_len_regex: '1.*'}}
`)
	mm, _ := reg.OpByName("matmul")
	expectEqual(t, []int64{3, 4, 11, 21, 40, 41}, p.Thresholds(mm, FieldBatchSize))
	expectEqual(t, []int64{2, 3}, p.Thresholds(mm, FieldTPSize))
	expectEqual(t, true, p.Exact(mm, FieldSeqLenQ))
	expectEqual(t, false, p.Exact(mm, FieldBatchSize))
	// Every value between consecutive thresholds gets the same prefix.
	// The engine adds the kernels' own constraint bounds (matmul_blocked: min 16).
	bounds := append([]int64{16}, p.Thresholds(mm, FieldBatchSize)...)
	slices.Sort(bounds)
	decide := func(b int32) []string {
		c := cpuCall(mm)
		c.BatchSize = b
		return kernelNames(reg, p.Prefix(&c, nil))
	}
	for v := int32(-2); v < 60; v++ {
		i, _ := slices.BinarySearch(bounds, int64(v)+1)
		rep := int32(-5)
		if i > 0 {
			rep = int32(bounds[i-1])
		}
		expectEqual(t, decide(rep), decide(v), "batch_size ", v, " vs interval start ", rep)
	}
}

func TestDescribeEngineSources(t *testing.T) {
	p := mustPolicy(t, rulesRegistry(t), `version: "1.0"`)
	expectEqual(t, "priority", p.Describe(Source{Kind: SourcePriority}))
	expectEqual(t, "reference kernel", p.Describe(Source{Kind: SourceReference}))
	expectContains(t, p.Describe(Source{Kind: SourceRule, Index: 7}), "rule 8")
}
