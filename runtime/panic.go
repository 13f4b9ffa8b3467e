package runtime

import (
	"fmt"
	"runtime/debug"
)

// PanicError is a kernel panic recovered by the generated invoke functions.
// The engine counts it as a kernel failure and falls back.
type PanicError struct {
	Value any    // what the kernel panicked with
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string { return fmt.Sprintf("kernel panicked: %v", e.Value) }

// Unwrap returns the panic value when it is an error, so errors.Is sees it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// RecoverKernel turns a panic into a *PanicError in *err. Generated invoke
// functions defer it: `defer runtime.RecoverKernel(&err)`.
func RecoverKernel(err *error) {
	if v := recover(); v != nil {
		*err = &PanicError{Value: v, Stack: debug.Stack()}
	}
}
