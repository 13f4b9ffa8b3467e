package main

import (
	"path/filepath"
	"testing"

	"github.com/layerzero/lzgen/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const quickstartManifest = "../../examples/quickstart/kernels/kernels.yaml"

// gpuCall is a causal attention call on an H100 as `lzgen explain -ctx`
// spells it.
const gpuCall = "platform=cuda,sm=90,dtype=bfloat16,layout=BSHD,batch_size=2,seq_len_q=512,seq_len_k=512,num_heads=32,num_kv_heads=8,head_dim=128,is_causal=true"

// withCUDAAvailable sets what the engine believes about the CUDA driver for
// one test, whatever the machine has.
func withCUDAAvailable(t *testing.T, on bool) {
	prev := runtime.CUDAAvailable()
	runtime.SetCUDAAvailable(on)
	t.Cleanup(func() { runtime.SetCUDAAvailable(prev) })
}

func TestExplain(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"no_driver", []string{"-op", "attention.causal", "-ctx", gpuCall}},
		{"assume_cuda", []string{"-op", "attention.causal", "-ctx", gpuCall, "-assume-cuda"}},
		{"cpu_unaligned_head_dim", []string{"-op", "attention.causal",
			"-ctx", "dtype=float32,layout=BSHD,batch_size=1,seq_len_q=16,seq_len_k=16,num_heads=4,num_kv_heads=4,head_dim=12"}},
		{"rules", []string{"-op", "attention.causal", "-rules", "testdata/rules/good.yaml",
			"-ctx", "dtype=float32,layout=BSHD,batch_size=1,seq_len_q=32,seq_len_k=32,num_heads=4,num_kv_heads=4,head_dim=64"}},
		{"rules_chain", []string{"-op", "norm.rms", "-rules", "testdata/rules/good.yaml", "-ctx", "dtype=float32,batch_size=8"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			withCUDAAvailable(t, false)
			code, stdout, stderr := lzgen(append([]string{"explain", "-manifest", quickstartManifest}, tc.args...)...)
			require.Equal(t, exitOK, code, stderr)
			assert.Empty(t, stderr)
			compareOutput(t, filepath.Join("testdata", "explain", tc.name+".txt"), stdout)
			assert.False(t, runtime.CUDAAvailable(), "-assume-cuda lasts for its command only")
		})
	}
}

func TestExplainRejectsBadInput(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown op", []string{"-op", "atention.causal"}, exitUsage, `has no operation "atention.causal" (did you mean "attention.causal"?)`},
		{"unknown field", []string{"-op", "norm.rms", "-ctx", "batch_sise=4"}, exitUsage, `unknown field "batch_sise" (did you mean "batch_size"?)`},
		{"bad dtype", []string{"-op", "norm.rms", "-ctx", "dtype=bfloat61"}, exitUsage, `dtype=bfloat61: unknown dtype (did you mean "bfloat16"?)`},
		{"bad layout", []string{"-op", "norm.rms", "-ctx", "layout=bhsd"}, exitUsage, `unknown layout (did you mean "BHSD"?)`},
		{"bad platform", []string{"-op", "norm.rms", "-ctx", "platform=rocm"}, exitUsage, "unknown platform (platforms: cpu, cuda)"},
		{"bad integer", []string{"-op", "norm.rms", "-ctx", "head_dim=-3"}, exitUsage, "head_dim=-3: want a non-negative integer"},
		{"bad bool", []string{"-op", "norm.rms", "-ctx", "is_causal=yes"}, exitUsage, "is_causal=yes: want true or false"},
		{"bad dropout", []string{"-op", "norm.rms", "-ctx", "dropout_p=2"}, exitUsage, "dropout_p=2: want a probability"},
		{"op as a field", []string{"-op", "norm.rms", "-ctx", "op=matmul"}, exitUsage, "given with -op"},
		{"duplicate field", []string{"-op", "norm.rms", "-ctx", "sm=80,sm=90"}, exitUsage, "field sm given twice"},
		{"not a pair", []string{"-op", "norm.rms", "-ctx", "sm"}, exitUsage, `"sm" is not field=value`},
		{"no op", nil, exitUsage, "usage: lzgen explain"},
		{"bad rules", []string{"-op", "norm.rms", "-rules", "testdata/rules/errors.yaml"}, exitFail, "testdata/rules/errors.yaml:2:10:"},
		{"missing rules", []string{"-op", "norm.rms", "-rules", "testdata/rules/absent.yaml"}, exitFail, "absent.yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := lzgen(append([]string{"explain", "-manifest", quickstartManifest}, tc.args...)...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr, tc.stderr)
			assert.Empty(t, stdout)
		})
	}
}

func TestExplainReportsManifestErrors(t *testing.T) {
	manifest := tempModule(t, cudaOnly+"  extra: {op: scal, backend: cpu}\n")
	code, _, stderr := lzgen("explain", "-manifest", manifest, "-op", "scale")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, manifest+":14:")
}
