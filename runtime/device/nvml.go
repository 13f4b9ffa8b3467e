//go:build cgo

package device

import (
	"fmt"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// Detect lists the GPUs through the system's NVML library.
func Detect() ([]Info, error) { return DetectWith(nvml.New()) }

// DetectWith lists the GPUs lib reports; tests pass go-nvml's mock servers
// (e.g. mock/dgxh100). NVML failures are wrapped, so errors.Is matches both
// ErrUnavailable (no library) and the nvml.Return code.
func DetectWith(lib nvml.Interface) (devices []Info, err error) {
	if ret := lib.Init(); ret != nvml.SUCCESS {
		return nil, fmt.Errorf("%w: nvmlInit: %w", ErrUnavailable, ret)
	}
	defer func() {
		if ret := lib.Shutdown(); ret != nvml.SUCCESS && err == nil {
			err = fmt.Errorf("device: nvmlShutdown: %w", ret)
		}
	}()
	driver, ret := lib.SystemGetDriverVersion()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("device: driver version: %w", ret)
	}
	cudaVersion, ret := lib.SystemGetCudaDriverVersion()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("device: CUDA driver version: %w", ret)
	}
	count, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("device: device count: %w", ret)
	}
	for i := range count {
		info, err := describe(lib, i)
		if err != nil {
			return nil, err
		}
		info.DriverVersion, info.CUDADriverVersion = driver, cudaVersion
		devices = append(devices, info)
	}
	return devices, nil
}

// describe reads one device's name, UUID, compute capability and memory.
func describe(lib nvml.Interface, index int) (Info, error) {
	info := Info{Index: index}
	dev, ret := lib.DeviceGetHandleByIndex(index)
	if ret == nvml.SUCCESS {
		info.Name, ret = dev.GetName()
	}
	if ret == nvml.SUCCESS {
		info.UUID, ret = dev.GetUUID()
	}
	if ret == nvml.SUCCESS {
		info.Major, info.Minor, ret = dev.GetCudaComputeCapability()
	}
	var mem nvml.Memory
	if ret == nvml.SUCCESS {
		mem, ret = dev.GetMemoryInfo()
		info.MemoryBytes = mem.Total
	}
	if ret != nvml.SUCCESS {
		return Info{}, fmt.Errorf("device: describing GPU %d: %w", index, ret)
	}
	return info, nil
}
