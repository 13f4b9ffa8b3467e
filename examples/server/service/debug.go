package service

import (
	"net/http"
	"time"

	"github.com/layerzero/lzgen/runtime"
)

// DispatchDebug is the reply to GET /debug/dispatch: the dispatch mode, the
// rules snapshot in force, every kernel's live breaker and counters, and,
// when the query names an op and a context, the engine's explanation of
// that call.
type DispatchDebug struct {
	Mode          string           `json:"mode"`
	PolicyVersion uint64           `json:"policy_version"`
	Rules         *RulesView       `json:"rules,omitempty"` // HOT_RELOAD only
	Explanation   *ExplanationView `json:"explanation,omitempty"`
	Kernels       []KernelView     `json:"kernels"`
}

// RulesView is the rules file watcher's state.
type RulesView struct {
	Path        string            `json:"path"`
	Version     uint64            `json:"version"`
	LastSuccess time.Time         `json:"last_success"`
	LastError   string            `json:"last_error,omitempty"`
	Reloads     map[string]uint64 `json:"reloads"` // attempts by result: applied, unchanged, invalid, io_error
}

// ExplanationView is runtime.Explanation with reason codes and states spelt out.
type ExplanationView struct {
	Op            string            `json:"op"`
	Context       map[string]string `json:"context"`
	PolicyVersion uint64            `json:"policy_version"`
	Order         []string          `json:"order"`
	Kernels       []VerdictView     `json:"kernels"`
}

// VerdictView is one kernel's standing in an explanation.
type VerdictView struct {
	Kernel      string   `json:"kernel"`
	Backend     string   `json:"backend"`
	Priority    int32    `json:"priority"`
	Reference   bool     `json:"reference,omitempty"`
	Accepted    bool     `json:"accepted"`
	Reasons     []string `json:"reasons,omitempty"`
	Rank        int      `json:"rank,omitempty"`
	Source      string   `json:"source,omitempty"`
	Breaker     string   `json:"breaker"`
	RetryAfterS float64  `json:"retry_after_s,omitempty"`
}

// KernelView is one kernel's breaker and counters.
type KernelView struct {
	Kernel      string  `json:"kernel"`
	Op          string  `json:"op"`
	Breaker     string  `json:"breaker"`
	RetryAfterS float64 `json:"retry_after_s,omitempty"`
	Calls       uint64  `json:"calls"`
	Failures    uint64  `json:"failures"`
	Fallbacks   uint64  `json:"fallbacks"`
}

// debugDispatch serves GET /debug/dispatch[?op=NAME&field=value...].
func (s *Service) debugDispatch(w http.ResponseWriter, r *http.Request) {
	reg := s.engine.Registry()
	reply := DispatchDebug{Mode: s.engine.Mode().String(), PolicyVersion: s.engine.PolicyVersion()}
	if w := s.engine.Watcher(); w != nil {
		reply.Rules = rulesView(w.Status())
	}
	if q := r.URL.Query(); len(q) > 0 {
		c, err := contextFromQuery(q, reg)
		if err != nil {
			writeError(w, err)
			return
		}
		reply.Explanation = explanationView(s.engine.Explain(c.Op, c), reg)
	}
	for k := range reg.Kernels {
		st := s.engine.KernelStats(runtime.KernelID(k))
		reply.Kernels = append(reply.Kernels, KernelView{
			Kernel: st.Name, Op: st.Op, Breaker: st.Breaker.String(), RetryAfterS: st.RetryAfter.Seconds(),
			Calls: st.Calls, Failures: st.Failures, Fallbacks: st.Fallbacks,
		})
	}
	writeJSON(w, http.StatusOK, reply)
}

func rulesView(st runtime.WatchStatus) *RulesView {
	v := &RulesView{Path: st.Path, Version: st.Version, LastSuccess: st.LastSuccess, Reloads: map[string]uint64{}}
	if st.LastError != nil {
		v.LastError = st.LastError.Error()
	}
	for r, n := range st.Counts {
		v.Reloads[runtime.ReloadResult(r).String()] = n
	}
	return v
}

func explanationView(x runtime.Explanation, reg *runtime.Registry) *ExplanationView {
	v := &ExplanationView{Op: x.Op, Context: contextText(x.Context, reg), PolicyVersion: x.PolicyVersion, Order: x.Order}
	for _, k := range x.Kernels {
		vv := VerdictView{
			Kernel: k.Name, Backend: k.Backend.String(), Priority: k.Priority, Reference: k.Reference,
			Accepted: k.Accepted, Rank: k.Rank, Source: k.Source, Breaker: k.Breaker.String(), RetryAfterS: k.RetryAfter.Seconds(),
		}
		for _, reason := range k.Reasons.List() {
			vv.Reasons = append(vv.Reasons, reason.String())
		}
		v.Kernels = append(v.Kernels, vv)
	}
	return v
}
