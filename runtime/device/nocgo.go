//go:build !cgo

package device

import "fmt"

// Detect reports ErrUnavailable: NVML is reached through cgo.
func Detect() ([]Info, error) {
	return nil, fmt.Errorf("%w: built without cgo (CGO_ENABLED=0)", ErrUnavailable)
}
