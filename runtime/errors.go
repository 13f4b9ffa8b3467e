package runtime

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalidArgument marks errors that are the caller's fault (a shape
// mismatch, nil data, mismatched dtypes). Dispatch returns them at once:
// no fallback, no breaker count.
var ErrInvalidArgument = errors.New("invalid argument")

// isCallerError reports whether err is the caller's fault: it wraps
// ErrInvalidArgument and is not a recovered kernel panic, which is the
// kernel's failure whatever value it carries. The engine and the static
// dispatchers' fallback both classify kernel errors with it.
func isCallerError(err error) bool {
	var pe *PanicError
	return errors.Is(err, ErrInvalidArgument) && !errors.As(err, &pe)
}

// ErrNoKernel is wrapped by *NoKernelError.
var ErrNoKernel = errors.New("no kernel accepts the call")

// Attempt is one kernel call made during a dispatch and its outcome.
type Attempt struct {
	Kernel string
	Err    error
}

// FallbackExhaustedError reports that every candidate kernel, the reference
// kernel included, failed. errors.Is and errors.As see every attempt's error.
type FallbackExhaustedError struct {
	Op       string
	Attempts []Attempt
}

func (e *FallbackExhaustedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: all %d kernel attempts failed", e.Op, len(e.Attempts))
	for i, a := range e.Attempts {
		fmt.Fprintf(&b, "; %d. %s: %v", i+1, a.Kernel, a.Err)
	}
	return b.String()
}

// Unwrap returns every attempt's error, in order.
func (e *FallbackExhaustedError) Unwrap() []error {
	errs := make([]error, len(e.Attempts))
	for i, a := range e.Attempts {
		errs[i] = a.Err
	}
	return errs
}

// CircuitOpenError reports a kernel skipped because its breaker is open.
type CircuitOpenError struct {
	Kernel     string
	RetryAfter time.Duration // until the breaker admits a probe
}

func (e *CircuitOpenError) Error() string {
	return fmt.Sprintf("kernel %s: circuit open, retry after %v", e.Kernel, e.RetryAfter)
}

// Rejection is one kernel and why it could not serve a call.
type Rejection struct {
	Kernel  string
	Reasons Reasons
}

// NoKernelError reports that no kernel of an operation accepts a context,
// with every kernel's reasons. It wraps ErrNoKernel.
type NoKernelError struct {
	Op         string
	Rejections []Rejection
}

func (e *NoKernelError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: no kernel accepts the call", e.Op)
	for _, r := range e.Rejections {
		fmt.Fprintf(&b, "; %s: %v", r.Kernel, r.Reasons)
	}
	return b.String()
}

// Unwrap returns ErrNoKernel.
func (e *NoKernelError) Unwrap() error { return ErrNoKernel }
