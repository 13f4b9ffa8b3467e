// Package service is the example inference server: an HTTP API that runs a
// transformer block per request through the lzgen-generated Dispatcher, with
// Prometheus metrics, dispatch explanations, live rules and fault injection.
// The command in examples/server and the load test both build on it.
package service

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/layerzero/lzgen/examples/quickstart/kernels"
	"github.com/layerzero/lzgen/examples/server/model"
	"github.com/layerzero/lzgen/runtime"
)

// Config is everything a Service is started with.
type Config struct {
	Model     model.Config
	MaxBatch  int    // sequences per request
	MaxBytes  int64  // request body limit
	RulesFile string // non-empty: HOT_RELOAD on this rules file
	Breaker   runtime.BreakerConfig
	Logger    *slog.Logger
}

// DefaultConfig is the command's default: the small default block, DYNAMIC
// dispatch with breakers and telemetry, no rules file.
func DefaultConfig() Config {
	return Config{
		Model:    model.DefaultConfig(),
		MaxBatch: 8,
		MaxBytes: 8 << 20,
		Breaker:  runtime.DefaultBreakerConfig(),
		Logger:   slog.Default(),
	}
}

// Service is the server's state: the block, the dispatcher that runs it,
// and the engine behind the dispatcher for explanations, metrics and faults.
type Service struct {
	cfg     Config
	block   *model.Block
	disp    *kernels.Dispatcher
	engine  *runtime.Engine
	metrics *metrics
	started time.Time
}

// New builds the block and a dispatcher over the generated registry in
// HOT_RELOAD mode when cfg.RulesFile is set and DYNAMIC otherwise, with
// breakers and telemetry on so that /metrics has something to say.
func New(cfg Config) (*Service, error) {
	block, err := model.New(cfg.Model)
	if err != nil {
		return nil, err
	}
	opts := []runtime.Option{
		runtime.WithMode(runtime.ModeDynamic),
		runtime.WithBreakers(true),
		runtime.WithBreakerConfig(cfg.Breaker),
		runtime.WithTelemetry(true),
		runtime.WithLogger(cfg.Logger),
	}
	if cfg.RulesFile != "" {
		opts = append(opts, runtime.WithMode(runtime.ModeHotReload), runtime.WithRulesFile(cfg.RulesFile))
	}
	disp, err := kernels.NewDispatcher(opts...)
	if err != nil {
		return nil, fmt.Errorf("dispatcher: %w", err)
	}
	s := &Service{cfg: cfg, block: block, disp: disp, engine: disp.Engine(), started: time.Now()}
	s.metrics, err = newMetrics(s.engine)
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the rules watcher.
func (s *Service) Close() error { return s.disp.Close() }

// Handler routes the service's endpoints.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/forward", s.forward)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /debug/dispatch", s.debugDispatch)
	mux.HandleFunc("POST /admin/fault", s.adminFault)
	mux.Handle("GET /metrics", s.metrics.handler)
	return s.metrics.instrument(mux)
}
