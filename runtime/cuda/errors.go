package cuda

import (
	"errors"
	"fmt"
)

// ErrNoDriver is returned by every entry point when libcuda.so.1 cannot be
// loaded or initialised (no NVIDIA driver, no GPU, or a build without cgo).
var ErrNoDriver = errors.New("cuda: no CUDA driver available")

// ErrNoPTX is returned when a kernel's module has no PTX embedded, for
// example because `make ptx` has not been run since the .cu file was added.
var ErrNoPTX = errors.New("cuda: no PTX for module")

// Result is a CUresult code from the driver API.
type Result int32

// Error is a failed driver API call: which function, its CUresult, and the
// driver's name and description for it.
type Error struct {
	Call   string // the driver function, e.g. "cuLaunchKernel"
	Code   Result
	Name   string // e.g. "CUDA_ERROR_INVALID_VALUE"
	Detail string // the driver's description
}

func (e *Error) Error() string {
	return fmt.Sprintf("cuda: %s: %s (%d): %s", e.Call, e.Name, e.Code, e.Detail)
}
