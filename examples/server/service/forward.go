package service

import (
	"fmt"
	"net/http"

	"github.com/layerzero/lzgen/examples/server/model"
)

// ForwardResponse is the reply to a forward pass: the block's output in the
// input's shape, and the kernel that served each step.
type ForwardResponse struct {
	Output  [][][]float32 `json:"output"`
	Kernels []model.Step  `json:"kernels"`
}

// forward serves POST /v1/forward.
func (s *Service) forward(w http.ResponseWriter, r *http.Request) {
	lim := Limits{Hidden: s.cfg.Model.Hidden, MaxSeq: s.cfg.Model.MaxSeq, MaxBatch: s.cfg.MaxBatch, MaxBytes: s.cfg.MaxBytes}
	x, batch, seq, err := decodeForward(r, lim)
	if err != nil {
		writeError(w, err)
		return
	}
	out, steps, err := s.block.Forward(s.disp, x, batch, seq)
	if err != nil {
		s.cfg.Logger.Error("forward pass failed", "batch", batch, "seq", seq, "err", err)
		writeError(w, fmt.Errorf("forward pass: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, ForwardResponse{Output: unflatten(out, batch, seq, s.cfg.Model.Hidden), Kernels: steps})
}
