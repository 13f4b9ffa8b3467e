package runtime

import "sync/atomic"

// maxDevices bounds the CUDA device ordinals DeviceSM knows about.
const maxDevices = 64

var (
	deviceSM      [maxDevices]atomic.Int32
	cudaAvailable atomic.Bool
)

// DeviceSM returns the compute capability (major*10+minor) of CUDA device
// `device`, or 0 when unknown. Generated context builders call it per
// dispatch, so it is a single array read.
func DeviceSM(device int32) int32 {
	if uint32(device) >= maxDevices {
		return 0
	}
	return deviceSM[device].Load()
}

// SetDeviceSM records the compute capability of CUDA device `device`;
// device detection (runtime/cuda) calls it at start-up.
func SetDeviceSM(device, sm int32) {
	if uint32(device) < maxDevices {
		deviceSM[device].Store(sm)
	}
}

// SetCUDAAvailable tells the engine whether a CUDA driver is loaded. Without
// one (the default) every cuda kernel is rejected with NO_CUDA_DRIVER.
// runtime/cuda calls it when it loads the driver, before engines are built.
func SetCUDAAvailable(ok bool) { cudaAvailable.Store(ok) }

// CUDAAvailable reports what SetCUDAAvailable last said.
func CUDAAvailable() bool { return cudaAvailable.Load() }
