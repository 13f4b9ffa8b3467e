// Package testkernels holds the kernel functions the golden manifests name.
// Each records its call and returns the error a test planted for it, so the
// tests that dispatch through the generated goldens can see which kernel ran
// and exercise the fallback path.
package testkernels

import (
	"errors"
	"sync"

	"github.com/layerzero/lzgen/runtime"
)

var (
	mu      sync.Mutex
	calls   []string
	failing = map[string]error{}
)

// Reset forgets the recorded calls and planted failures.
func Reset() {
	mu.Lock()
	defer mu.Unlock()
	calls, failing = nil, map[string]error{}
}

// Fail makes the kernel function named name return err from now on.
func Fail(name string, err error) {
	mu.Lock()
	defer mu.Unlock()
	failing[name] = err
}

// Calls returns the names of the kernel functions called since Reset.
func Calls() []string {
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), calls...)
}

func record(name string) error {
	mu.Lock()
	defer mu.Unlock()
	calls = append(calls, name)
	return failing[name]
}

// ScaleFast, ScaleWide and ScaleRef implement the scale operation (out = alpha*x).
func ScaleFast(x, out runtime.Tensor, alpha float32) error { return record("ScaleFast") }

// ScaleWide is the kernel for large batches.
func ScaleWide(x, out runtime.Tensor, alpha float32) error { return record("ScaleWide") }

// ScaleRef is the reference kernel of scale.
func ScaleRef(x, out runtime.Tensor, alpha float32) error { return record("ScaleRef") }

// AttnTiled, AttnSmall and AttnRef implement the attention operation.
func AttnTiled(q, k, v, out runtime.Tensor, scale float32, window int) error {
	return record("AttnTiled")
}

// AttnSmall is the kernel for short sequences without GQA.
func AttnSmall(q, k, v, out runtime.Tensor, scale float32, window int) error {
	return record("AttnSmall")
}

// AttnRef is the reference kernel of attention.
func AttnRef(q, k, v, out runtime.Tensor, scale float32, window int) error {
	return record("AttnRef")
}

// Panics panics, to show that dispatch recovers kernel panics in fallback.
func Panics(x, out runtime.Tensor, alpha float32) error {
	record("Panics")
	panic("kernel bug")
}

// Noop does nothing: the benchmark's kernel, so dispatch cost is all there
// is. Like any real kernel it is not inlined into its caller.
//
//go:noinline
func Noop(x runtime.Tensor) error { return nil }

// WrongArgs has a signature no manifest op in the goldens matches.
func WrongArgs(x runtime.Tensor, alpha float64) error { return nil }

// ErrProbe is what Probe always returns, so a dispatch through the
// constraints golden lists, in its FallbackExhaustedError, every kernel it
// tried in order.
var ErrProbe = errors.New("probe kernel always fails")

// Probe is every cpu kernel of the constraints golden.
func Probe(x runtime.Tensor, batch, seqQ, seqK, heads, kvHeads, headDim int, dropout float32, gqa, capturing, deterministic bool) error {
	return ErrProbe
}
