package service

import (
	"encoding/json"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
)

const noRules = "version: \"1.0\"\n"

func TestForwardServesValidAndRejectsInvalidRequests(t *testing.T) {
	s := startServer(t, noRules)
	var h Health
	s.get(t, "/healthz", &h)
	if h.Status != "ok" || h.Mode != "HOT_RELOAD" || h.Model != s.cfg.Model {
		t.Fatalf("healthz %+v, want ok, HOT_RELOAD and the configured model", h)
	}

	body := s.input(16)
	status, first, msg := s.forward(t, body)
	if status != http.StatusOK {
		t.Fatalf("valid forward: %d %s", status, msg)
	}
	if len(first.Output) != 1 || len(first.Output[0]) != 16 || len(first.Output[0][15]) != s.cfg.Model.Hidden {
		t.Fatalf("output shape [%d][%d][...], want [1][16][%d]", len(first.Output), len(first.Output[0]), s.cfg.Model.Hidden)
	}
	for _, v := range first.Output[0][7] {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("non-finite output %v", first.Output[0][7])
		}
	}
	for op, want := range map[string][]string{
		"norm.rms":          {"rms_norm_f32", "rms_norm_f32"},
		"matmul":            slices.Repeat([]string{"matmul_blocked"}, 7),
		"posenc.rope":       {"rope_ref", "rope_ref"},
		"attention.causal":  {"attention_causal_tiled"},
		"activation.swiglu": {"swiglu_ref"},
	} {
		if got := servedBy(first, op); !slices.Equal(got, want) {
			t.Errorf("%s served by %v, want %v", op, got, want)
		}
	}
	_, second, _ := s.forward(t, body)
	if !slices.EqualFunc(first.Output[0], second.Output[0], slices.Equal) {
		t.Error("the same input gave different outputs")
	}

	for _, bad := range []struct{ body, msg string }{
		{`{"input": [[[1, 2]]]}`, "input[0][0] has 2 values, want hidden size 64"},
		{`{"input": [[[1, 2]]]`, "invalid JSON"},
		{string(s.input(33)), "33 positions, want 1..32"},
	} {
		if status, _, msg := s.forward(t, []byte(bad.body)); status != http.StatusBadRequest || !strings.Contains(msg, bad.msg) {
			t.Errorf("got %d %q, want 400 containing %q", status, msg, bad.msg)
		}
	}
	resp, err := http.Get(s.base + "/v1/forward")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/forward: %d, want 405", resp.StatusCode)
	}

	s.waitMetric(t, 2, "lzgen_server_requests_total", `route="/v1/forward"`, `code="200"`)
	s.waitMetric(t, 3, "lzgen_server_requests_total", `route="/v1/forward"`, `code="400"`)
	s.waitMetric(t, 1, "lzgen_server_requests_total", `route="/v1/forward"`, `code="405"`)
	// two forward passes: 2 RMSNorms and 7 matmuls each
	s.waitMetric(t, 4, "lzgen_kernel_calls_total", `kernel="rms_norm_f32"`)
	s.waitMetric(t, 14, "lzgen_kernel_calls_total", `kernel="matmul_blocked"`)
}

func TestRulesFileRewriteSwitchesKernel(t *testing.T) {
	s := startServer(t, noRules)
	body := s.input(16)
	if _, fr, _ := s.forward(t, body); !slices.Equal(servedBy(fr, "norm.rms"), []string{"rms_norm_f32", "rms_norm_f32"}) {
		t.Fatalf("before the rewrite norm.rms served by %v, want rms_norm_f32", servedBy(fr, "norm.rms"))
	}
	var before DispatchDebug
	s.get(t, "/debug/dispatch?op=norm.rms&dtype=float32&batch_size=16", &before)

	if err := os.WriteFile(s.rulesFile, []byte(noRules+"kernel_locks:\n  norm.rms: rms_norm_ref\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "norm.rms is served by rms_norm_ref", func() bool {
		_, fr, _ := s.forward(t, body)
		return slices.Equal(servedBy(fr, "norm.rms"), []string{"rms_norm_ref", "rms_norm_ref"})
	})
	var after DispatchDebug
	s.get(t, "/debug/dispatch?op=norm.rms&dtype=float32&batch_size=16", &after)
	if after.PolicyVersion <= before.PolicyVersion || after.Explanation.PolicyVersion != after.PolicyVersion {
		t.Errorf("policy version %d (explained %d) after the rewrite, %d before: want an increase", after.PolicyVersion, after.Explanation.PolicyVersion, before.PolicyVersion)
	}
	if len(after.Explanation.Order) == 0 || after.Explanation.Order[0] != "rms_norm_ref" {
		t.Errorf("explained order %v, want rms_norm_ref first", after.Explanation.Order)
	}
	if got := s.metric(t, "lzgen_kernel_calls_total", `kernel="rms_norm_ref"`); got < 2 {
		t.Errorf("rms_norm_ref calls counted %v, want at least one forward pass's 2", got)
	}

	// A broken rewrite is reported and leaves the lock in force.
	if err := os.WriteFile(s.rulesFile, []byte(noRules+"kernel_locks:\n  norm.rms: rms_norm_fast\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var broken DispatchDebug
	eventually(t, "the broken rules file is reported", func() bool {
		s.get(t, "/debug/dispatch", &broken)
		return broken.Rules != nil && broken.Rules.Reloads["invalid"] > 0
	})
	if !strings.Contains(broken.Rules.LastError, "rms_norm_fast") || broken.PolicyVersion != after.PolicyVersion {
		t.Errorf("after a broken rewrite: last error %q, version %d; want the error naming rms_norm_fast and version %d kept", broken.Rules.LastError, broken.PolicyVersion, after.PolicyVersion)
	}
	if got := s.metric(t, "lzgen_rules_reloads_total", `result="invalid"`); got < 1 {
		t.Errorf("invalid reloads counted %v, want at least 1", got)
	}
	if got := s.metric(t, "lzgen_rules_version"); got != float64(after.PolicyVersion) {
		t.Errorf("lzgen_rules_version %v, want the version in force, %d", got, after.PolicyVersion)
	}
	if _, fr, _ := s.forward(t, body); !slices.Equal(servedBy(fr, "norm.rms"), []string{"rms_norm_ref", "rms_norm_ref"}) {
		t.Errorf("after a broken rewrite norm.rms served by %v, want the lock to rms_norm_ref kept", servedBy(fr, "norm.rms"))
	}
}

func TestInjectedFaultFallsBackOpensBreakerAndRecovers(t *testing.T) {
	s := startServer(t, noRules)
	body := s.input(16)
	s.setFault(t, "matmul_blocked", true)
	status, fr, msg := s.forward(t, body)
	if status != http.StatusOK {
		t.Fatalf("forward with a failing kernel: %d %s (the fallback should serve)", status, msg)
	}
	for _, step := range fr.Kernels {
		if step.Op == "matmul" && (step.Kernel != "matmul_ref" || !step.Fallback) {
			t.Errorf("step %s served by %s (fallback %v), want matmul_ref as a fallback", step.Name, step.Kernel, step.Fallback)
		}
	}
	if got := s.metric(t, "lzgen_kernel_fallbacks_total", `kernel="matmul_ref"`); got != 7 {
		t.Errorf("matmul_ref fallbacks counted %v, want 7", got)
	}
	breaker := func(kernel string) string {
		var d DispatchDebug
		s.get(t, "/debug/dispatch", &d)
		for _, k := range d.Kernels {
			if k.Kernel == kernel {
				return k.Breaker
			}
		}
		t.Fatalf("/debug/dispatch does not list %s", kernel)
		return ""
	}
	if got := breaker("matmul_blocked"); got != "OPEN" {
		t.Errorf("matmul_blocked breaker %s after 7 failures, want OPEN", got)
	}

	s.setFault(t, "matmul_blocked", false)
	eventually(t, "matmul_blocked serves again", func() bool {
		_, fr, _ := s.forward(t, body)
		return slices.Contains(servedBy(fr, "matmul"), "matmul_blocked")
	})
	eventually(t, "matmul_blocked's breaker closes", func() bool {
		s.forward(t, body)
		return breaker("matmul_blocked") == "CLOSED"
	})
}

func TestAdminAndDebugRejectBadParameters(t *testing.T) {
	s := startServer(t, noRules)
	for _, tc := range []struct {
		method, path string
		status       int
		msg          string
	}{
		{http.MethodPost, "/admin/fault?kernel=matmul_blockd&fail=true", 400, `did you mean "matmul_blocked"?`},
		{http.MethodPost, "/admin/fault?kernel=matmul_blocked&fail=sometimes", 400, "want true or false"},
		{http.MethodGet, "/debug/dispatch?op=norm.rms&head_dims=4", 400, `did you mean "head_dim"?`},
		{http.MethodGet, "/admin/fault?kernel=matmul_blocked&fail=true", 405, ""},
	} {
		req, _ := http.NewRequest(tc.method, s.base+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e errorBody
		if tc.msg != "" {
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Errorf("%s %s: error body: %v", tc.method, tc.path, err)
			}
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(e.Error, tc.msg) {
			t.Errorf("%s %s: %d %q, want %d containing %q", tc.method, tc.path, resp.StatusCode, e.Error, tc.status, tc.msg)
		}
	}
}
