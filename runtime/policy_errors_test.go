package runtime

import (
	"strings"
	"testing"
)

// TestRulesErrorsAllInOnePass checks that one bad file reports every
// problem, each with its position and, where it helps, a hint.
func TestRulesErrorsAllInOnePass(t *testing.T) {
	reg := rulesRegistry(t)
	_, ds := ParsePolicy("rules.yaml", []byte(`version: 1.0
defaults:
  default_priorty: 3
  fallback_policy: matmul_rev
dispatch_rules:
  - operation: "matmul"
    kernel: rms_norm_ref
  - operation: matmull
    kernel: matmul_ref
  - operation: "matmul"
    kernel: matmul_ref
    priority: 2000
    conditions:
      batch_sise_gte: 3
      dtype: fp64
      dtype_gt: float16
      seq_len_regex: "(["
      device: cuda
      head_dim_in: 64
      tp_size: "two"
  - operation: "mat[mul]"
    kernel: matmul_ref
kernel_denies: ["matmul_re?"]
kernel_locks:
  matmul: nope
`), reg)
	want := []string{
		`rules.yaml:1:10: version must be a string, got the number 1.0 (quote it: version: "1.0")`,
		`rules.yaml:3:3: unknown key "default_priorty" in defaults (did you mean "default_priority"?)`,
		`rules.yaml:4:20: fallback_policy: unknown kernel "matmul_rev" (did you mean "matmul_ref"?)`,
		`rules.yaml:7:13: kernel "rms_norm_ref" implements norm.rms, not matmul`,
		`rules.yaml:8:16: unknown operation "matmull" (did you mean "matmul"?)`,
		`rules.yaml:12:15: priority 2000 is out of range (priorities lie in 0..1000)`,
		`rules.yaml:14:7: unknown condition field "batch_sise_gte" (did you mean "batch_size_gte"?)`,
		`rules.yaml:15:14: dtype: unknown dtype "fp64"`,
		`rules.yaml:16:7: dtype_gt: dtype is not a number and has no order`,
		`rules.yaml:17:22: seq_len_regex: bad regular expression`,
		`rules.yaml:18:15: device: bad device "cuda"`,
		`rules.yaml:19:20: head_dim_in needs a list, got an integer`,
		`rules.yaml:20:16: tp_size: want an integer, got a string "two"`,
		`rules.yaml:21:16: bad operation pattern "mat[mul]": '[' is not supported`,
		`rules.yaml:23:17: kernel_denies entry "matmul_re?" denies matmul_ref, the reference kernel of matmul`,
		`rules.yaml:25:11: unknown kernel "nope"`,
	}
	got := ds.Errors().String()
	for _, w := range want {
		expectContains(t, got, w)
	}
	if n := len(ds.Errors()); n != len(want) {
		t.Errorf("got %d errors, want %d:\n%s", n, len(want), got)
	}
}

func TestRulesSyntaxAndShapeErrors(t *testing.T) {
	reg := rulesRegistry(t)
	for _, tc := range []struct{ text, want string }{
		{"", "rules.yaml:1:1: rules file is empty"},
		{"version: \"1.0\"\ndispatch_rules: [\n", "rules.yaml:2:1: did not find expected node content"},
		{"version: \"2.0\"", `rules.yaml:1:10: unsupported rules version "2.0"`},
		{"- 1\n- 2", "rules.yaml:1:1: rules file must be a mapping, got a list"},
		{"version: \"1.0\"\ndispatch_rules: {a: b}", "rules.yaml:2:17: dispatch_rules must be a list, got a mapping"},
		{"version: \"1.0\"\ndispatch_rules: [{kernel: matmul_ref}]", "rules.yaml:2:18: dispatch rule 1 has no operation"},
		{"version: \"1.0\"\nkernel_allows: [matmul_*]", "kernel_allows does not allow attention_causal_ref"},
		{"version: \"1.0\"\nversion: \"1.0\"", `rules.yaml:2:1: duplicate key "version"`},
		{"version: \"1.0\"\ndispatch_rules:\n  - {operation: matmul, kernel: matmul_ref, conditions: {kernel_gt: 3}}", "kernel_gt compares numbers"},
	} {
		_, ds := ParsePolicy("rules.yaml", []byte(tc.text), reg)
		if !ds.HasErrors() {
			t.Errorf("%q: no error", tc.text)
			continue
		}
		expectContains(t, ds.String(), tc.want)
	}
}

func TestRulesWarnings(t *testing.T) {
	reg := rulesRegistry(t)
	p := mustPolicy(t, reg, `version: "1.0"
dispatch_rules:
  - {operation: matmul, kernel: matmul_experimental}
  - {operation: "attention.*", kernel: attention_causal_flash_sm80, conditions: {dtype_eq: float32}}
  - {operation: matmul, kernel: matmul_blocked, conditions: {batch_size_lt: 8}}
  - {operation: matmul, kernel: matmul_ref, conditions: {batch_size_gt: 8, batch_size_lt: 4}}
  - {operation: norm.rms, kernel: rms_norm_f32}
  - {operation: matmul, kernel: matmul_ref, conditions: {kernel_match: "*_blocked"}}
  - {operation: attention.causal, kernel: attention_causal_tiled, conditions: {head_dim_gt: 64, head_dim_lt: 72}}
kernel_denies: ["*_experimental", "flash_attn.*"]
kernel_locks:
  norm.rms: rms_norm_ref
  "norm.*": rms_norm_f32
  "attention.*": attention_causal_ref
`)
	got := p.Warnings().String()
	for _, w := range []string{
		`rules.yaml:3:33: warning: rule 1 can never fire: kernel "matmul_experimental" is excluded by kernel_denies/kernel_allows`,
		`rules.yaml:4:40: warning: rule 2 can never fire: its conditions on dtype contradict the constraints of kernel "attention_causal_flash_sm80"`,
		`rules.yaml:5:33: warning: rule 3 can never fire: its conditions on batch_size contradict the constraints of kernel "matmul_blocked"`,
		`rules.yaml:6:33: warning: rule 4 can never fire: its conditions on batch_size contradict each other`,
		`rules.yaml:7:35: warning: rule 5 is shadowed by lock "norm.rms" (rules.yaml:12:3): the locked kernel "rms_norm_ref" accepts every call "rms_norm_f32" accepts`,
		`rules.yaml:8:58: warning: rule 6 can never fire: kernel_match does not hold for its kernel "matmul_ref"`,
		`rules.yaml:9:43: warning: rule 7 can never fire: its conditions on head_dim contradict the constraints of kernel "attention_causal_tiled"`,
		`rules.yaml:10:35: warning: kernel_denies entry "flash_attn.*" matches no kernel`,
		`rules.yaml:13:3: warning: lock "norm.*" never applies: norm.rms is already locked by "norm.rms"`,
	} {
		expectContains(t, got, w)
	}
	if strings.Contains(got, `lock "attention.*"`) {
		t.Errorf("the attention lock is live, no warning expected:\n%s", got)
	}
	mm, _ := reg.OpByName("matmul")
	c := cpuCall(mm)
	c.BatchSize = 2
	expectEqual(t, 0, len(p.Prefix(&c, nil)), "dropped rules never fire")
}

// TestRuleWithUnknownKernelStillChecksConditions checks that a wrong kernel
// does not hide the errors in the same rule's conditions.
func TestRuleWithUnknownKernelStillChecksConditions(t *testing.T) {
	_, ds := ParsePolicy("rules.yaml", []byte(`version: "1.0"
dispatch_rules:
  - operation: matmul
    kernel: matmul_nope
    conditions: {head_dimm: 64}
`), rulesRegistry(t))
	got := ds.Errors().String()
	expectContains(t, got, `rules.yaml:4:13: unknown kernel "matmul_nope"`)
	expectContains(t, got, `rules.yaml:5:18: unknown condition field "head_dimm" (did you mean "head_dim"?)`)
}
