package service

import (
	"net/http"
	"time"

	"github.com/layerzero/lzgen/examples/server/model"
)

// Health is the reply to GET /healthz: the server is up, how it dispatches
// and the block's sizes (what a client needs to build a request).
type Health struct {
	Status   string       `json:"status"`
	Mode     string       `json:"mode"`
	Model    model.Config `json:"model"`
	MaxBatch int          `json:"max_batch"`
	UptimeS  float64      `json:"uptime_s"`
}

func (s *Service) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Health{
		Status:   "ok",
		Mode:     s.engine.Mode().String(),
		Model:    s.cfg.Model,
		MaxBatch: s.cfg.MaxBatch,
		UptimeS:  time.Since(s.started).Seconds(),
	})
}
