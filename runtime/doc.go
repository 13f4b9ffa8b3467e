// Package runtime holds what generated dispatch code and inference servers import:
// tensors, the comparable selection Context, constraints and their reason codes,
// the registration table emitted by lzgen, and the dispatch engine (dynamic
// selection, decision cache, circuit breakers, fallback, telemetry, rules).
package runtime
