package service

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
)

// errInjected is the failure an injected fault makes a kernel report.
var errInjected = errors.New("fault injected by POST /admin/fault")

// FaultReply is the reply to POST /admin/fault.
type FaultReply struct {
	Kernel  string `json:"kernel"`
	Failing bool   `json:"failing"`
}

// adminFault serves POST /admin/fault?kernel=NAME&fail=true|false.
func (s *Service) adminFault(w http.ResponseWriter, r *http.Request) {
	reg := s.engine.Registry()
	name := r.URL.Query().Get("kernel")
	k, ok := reg.KernelByName(name)
	if !ok {
		writeError(w, badRequest("unknown kernel %q %s", name, diag.DidYouMean(name, kernelNames(reg))))
		return
	}
	fail, err := strconv.ParseBool(r.URL.Query().Get("fail"))
	if err != nil {
		writeError(w, badRequest("fail=%q: want true or false", r.URL.Query().Get("fail")))
		return
	}
	var fault error
	if fail {
		fault = fmt.Errorf("kernel %s: %w", name, errInjected)
	}
	// Breakers, fallback and metrics see the fault as a real kernel failure.
	s.engine.InjectFault(k, fault)
	s.cfg.Logger.Warn("fault injection changed", "kernel", name, "failing", fail)
	writeJSON(w, http.StatusOK, FaultReply{Kernel: name, Failing: fail})
}

func kernelNames(reg *runtime.Registry) []string {
	names := make([]string, len(reg.Kernels))
	for i, k := range reg.Kernels {
		names[i] = k.Name
	}
	return names
}
