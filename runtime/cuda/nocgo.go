//go:build !cgo

package cuda

import (
	"fmt"
	"unsafe"
)

// systemDriver: a build without cgo cannot dlopen libcuda, so CUDA is
// reported unavailable.
func systemDriver() Driver {
	return noDriver{err: fmt.Errorf("%w: built without cgo (CGO_ENABLED=0)", ErrNoDriver)}
}

// newArgBuffer: without cgo only Go drivers (fakes) exist, so Go memory
// serves.
func newArgBuffer() *argBuffer {
	return &argBuffer{ptrs: make([]unsafe.Pointer, maxParams), data: make([]byte, maxParamBytes)}
}
