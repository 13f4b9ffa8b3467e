package runtime

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// fallbackCause classifies why the engine passed a kernel over, for the
// once-per-cause fallback log.
type fallbackCause uint8

const (
	causeCircuitOpen fallbackCause = iota
	causeError
	causePanic
)

var fallbackCauseNames = [...]string{"CIRCUIT_OPEN", "KERNEL_ERROR", "KERNEL_PANIC"}

// events writes the engine's log: every breaker transition, and the first
// fallback away from a kernel for each cause until its breaker closes
// again, so a failing kernel logs a handful of lines, never one per call.
type events struct {
	log    *slog.Logger
	reg    *Registry
	logged []atomic.Uint32 // by KernelID: bit per fallbackCause already logged
}

func newEvents(log *slog.Logger, reg *Registry) *events {
	return &events{log: log, reg: reg, logged: make([]atomic.Uint32, len(reg.Kernels))}
}

// fallback logs that dispatch moved past kernel k for cause, once per cause.
func (ev *events) fallback(k KernelID, cause fallbackCause, err error) {
	bit := uint32(1) << cause
	if ev.logged[k].Load()&bit != 0 || ev.logged[k].Or(bit)&bit != 0 {
		return
	}
	info := &ev.reg.Kernels[k]
	attrs := []any{"op", ev.reg.Ops[info.Op].Name, "kernel", info.Name, "cause", fallbackCauseNames[cause]}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	ev.log.Warn("lzgen: falling back from kernel", attrs...)
}

// breaker logs a breaker transition; a closed breaker re-arms the kernel's
// fallback logs.
func (ev *events) breaker(k KernelID, from, to BreakerState) {
	info := &ev.reg.Kernels[k]
	level := slog.LevelInfo
	if to == BreakerOpen {
		level = slog.LevelWarn
	}
	if to == BreakerClosed {
		ev.logged[k].Store(0)
	}
	ev.log.Log(context.Background(), level, "lzgen: circuit breaker transition", "op", ev.reg.Ops[info.Op].Name, "kernel", info.Name, "from", from.String(), "to", to.String())
}
