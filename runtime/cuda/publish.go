package cuda

import (
	"sync"

	lzruntime "github.com/layerzero/lzgen/runtime"
)

var (
	publishMu        sync.Mutex
	publishedDevices int
)

// publish tells the dispatch engine what the installed driver offers:
// whether CUDA is available (without it every cuda kernel is rejected with
// NO_CUDA_DRIVER) and each device's compute capability, which generated
// context builders read with runtime.DeviceSM. It runs at package
// initialisation, before engines are built, and on every SetDriver, so the
// per-call path re-evaluates nothing.
func publish(d Driver) {
	publishMu.Lock()
	defer publishMu.Unlock()
	n, err := 0, d.Init()
	if err == nil {
		n, err = d.DeviceCount()
	}
	if err != nil {
		n = 0
	}
	lzruntime.SetCUDAAvailable(n > 0)
	for i := range n {
		major, errMajor := d.Attribute(i, AttrComputeCapabilityMajor)
		minor, errMinor := d.Attribute(i, AttrComputeCapabilityMinor)
		if errMajor != nil || errMinor != nil {
			major, minor = 0, 0
		}
		lzruntime.SetDeviceSM(int32(i), int32(major*10+minor))
	}
	for i := n; i < publishedDevices; i++ {
		lzruntime.SetDeviceSM(int32(i), 0)
	}
	publishedDevices = n
}
