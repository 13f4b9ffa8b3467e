// Command server is an inference-style HTTP service built on the
// lzgen-generated dispatcher of examples/quickstart/kernels: each
// POST /v1/forward runs a transformer block (RMSNorm, RoPE + causal GQA
// attention, SwiGLU MLP) through the runtime engine, and /metrics,
// /debug/dispatch, /healthz and /admin/fault let an operator watch and
// steer kernel selection. See docs/server.md.
//
//	go run ./examples/server -rules rules.yaml
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/layerzero/lzgen/examples/server/service"
	"github.com/layerzero/lzgen/runtime"
)

func main() {
	cfg := service.DefaultConfig()
	addr := flag.String("addr", "127.0.0.1:8080", "`host:port` to listen on")
	grace := flag.Duration("grace", 30*time.Second, "how long in-flight requests may take to finish after SIGTERM")
	flag.StringVar(&cfg.RulesFile, "rules", "", "rules `file` to load and watch (HOT_RELOAD); empty: DYNAMIC dispatch")
	flag.IntVar(&cfg.Model.Hidden, "hidden", cfg.Model.Hidden, "hidden size")
	flag.IntVar(&cfg.Model.Heads, "heads", cfg.Model.Heads, "attention query heads")
	flag.IntVar(&cfg.Model.KVHeads, "kv-heads", cfg.Model.KVHeads, "attention key/value heads (GQA when fewer than -heads)")
	flag.IntVar(&cfg.Model.HeadDim, "head-dim", cfg.Model.HeadDim, "per-head dimension")
	flag.IntVar(&cfg.Model.FFN, "ffn", cfg.Model.FFN, "MLP inner size")
	flag.IntVar(&cfg.Model.MaxSeq, "max-seq", cfg.Model.MaxSeq, "longest sequence a request may send")
	flag.Uint64Var(&cfg.Model.Seed, "seed", cfg.Model.Seed, "weight initialisation seed")
	flag.IntVar(&cfg.MaxBatch, "max-batch", cfg.MaxBatch, "most sequences per request")
	flag.DurationVar(&cfg.Breaker.Cooldown, "breaker-cooldown", cfg.Breaker.Cooldown, "how long an open circuit breaker refuses calls")
	flag.IntVar(&cfg.Breaker.FailureThreshold, "breaker-failures", cfg.Breaker.FailureThreshold, "consecutive failures that open a breaker")
	flag.Parse()
	if err := run(cfg, *addr, *grace); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(cfg service.Config, addr string, grace time.Duration) error {
	svc, err := service.New(cfg)
	if err != nil {
		return err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	slog.Info("serving", "addr", ln.Addr().String(), "rules", cfg.RulesFile, "cuda_driver", runtime.CUDAAvailable())
	err = service.Serve(ctx, ln, svc.Handler(), grace)
	slog.Info("stopped", "err", err)
	return err
}
