// Package device describes the machine's NVIDIA GPUs through NVML (go-nvml):
// name, compute capability, memory and driver version. Publish feeds the
// compute capabilities to the dispatch engine's runtime.DeviceSM table once,
// so selection by SM costs nothing per call.
package device

import (
	"errors"
	"fmt"

	"github.com/layerzero/lzgen/runtime"
)

// ErrUnavailable is returned by Detect when NVML cannot be used: no NVIDIA
// driver, or a build without cgo.
var ErrUnavailable = errors.New("device: NVML unavailable")

// Info describes one GPU.
type Info struct {
	Index             int
	Name              string // e.g. "NVIDIA H100 80GB HBM3"
	UUID              string
	Major, Minor      int    // CUDA compute capability
	MemoryBytes       uint64 // total device memory
	DriverVersion     string // e.g. "550.54.15"
	CUDADriverVersion int    // the CUDA version the driver supports, e.g. 12040 for 12.4
}

// SM returns the compute capability as lzgen's contexts and manifests spell
// it: major*10+minor, e.g. 90 for an H100.
func (i Info) SM() int32 { return int32(i.Major*10 + i.Minor) }

// String describes the GPU in one line for logs: ordinal, name, SM, memory
// and driver.
func (i Info) String() string {
	return fmt.Sprintf("cuda:%d %s (sm_%d, %d MiB, driver %s)", i.Index, i.Name, i.SM(), i.MemoryBytes>>20, i.DriverVersion)
}

// Publish records every device's compute capability in runtime.DeviceSM,
// which generated context builders read. Call it once at start-up, before
// dispatching. runtime/cuda publishes what the CUDA driver reports on its
// own; Publish is for NVML-described machines (and tests with NVML mocks).
func Publish(devices []Info) {
	for _, d := range devices {
		runtime.SetDeviceSM(int32(d.Index), d.SM())
	}
}
