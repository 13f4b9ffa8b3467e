// Package cudatest provides a fake CUDA driver that records every kernel
// launch, so launch wrappers can be tested on machines without a GPU.
package cudatest

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/layerzero/lzgen/runtime/cuda"
)

// Launch is one recorded kernel launch.
type Launch struct {
	Device      int
	Kernel      string // the PTX entry name
	Grid, Block cuda.Dim3
	SharedMem   uint32
	Stream      cuda.StreamHandle
	Args        [][]byte // each parameter's bytes, in order, sized as the PTX declares
}

// Ptr reads argument i as a device pointer.
func (l Launch) Ptr(i int) uintptr { return uintptr(binary.LittleEndian.Uint64(l.Args[i])) }

// Int32 reads argument i as a C int.
func (l Launch) Int32(i int) int32 { return int32(binary.LittleEndian.Uint32(l.Args[i])) }

// Float32 reads argument i as a C float.
func (l Launch) Float32(i int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(l.Args[i]))
}

// Driver is a cuda.Driver that loads PTX by parsing its entry points, keeps
// device memory in host slices and records launches instead of running
// them. The zero value is not usable; call New.
type Driver struct {
	// OnLaunch, when set, runs for every launch after it is recorded; its
	// error is the launch's. Tests use it to make a kernel fail.
	OnLaunch func(Launch) error

	mu         sync.Mutex
	devices    int
	attributes map[cuda.Attribute]int
	kernels    []string // Func handle h is kernels[h-1]
	modules    [][]string
	memory     map[uintptr][]byte
	next       uintptr
	launches   []Launch
}

// New returns a fake with `devices` devices whose attributes are those of
// an H100 (compute capability 9.0, 132 SMs) until changed with SetAttribute.
func New(devices int) *Driver {
	return &Driver{
		devices: devices,
		attributes: map[cuda.Attribute]int{
			cuda.AttrComputeCapabilityMajor:   9,
			cuda.AttrComputeCapabilityMinor:   0,
			cuda.AttrMultiprocessorCount:      132,
			cuda.AttrMaxThreadsPerBlock:       1024,
			cuda.AttrMaxSharedMemoryPerBlock:  48 << 10,
			cuda.AttrClockRateKHz:             1_980_000,
			cuda.AttrMemoryClockRateKHz:       2_619_000,
			cuda.AttrGlobalMemoryBusWidthBits: 5120,
		},
		memory: map[uintptr][]byte{},
		next:   0x7f0000000000,
	}
}

// Install makes a new fake with one device the process's CUDA driver until
// the test ends.
func Install(t testing.TB) *Driver {
	d := New(1)
	t.Cleanup(cuda.SetDriver(d))
	return d
}

// SetAttribute changes what every device reports for attr.
func (d *Driver) SetAttribute(attr cuda.Attribute, v int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.attributes[attr] = v
}

// Launches returns the launches recorded so far, oldest first.
func (d *Driver) Launches() []Launch {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.launches)
}

// Init always succeeds.
func (d *Driver) Init() error { return nil }

// DeviceCount returns the number of fake devices.
func (d *Driver) DeviceCount() (int, error) { return d.devices, nil }

func (d *Driver) checkDevice(device int) error {
	if device < 0 || device >= d.devices {
		return &cuda.Error{Call: "cuDeviceGet", Code: 101, Name: "CUDA_ERROR_INVALID_DEVICE", Detail: "invalid device ordinal"}
	}
	return nil
}

// Attribute returns the attribute's configured value (0 when unset).
func (d *Driver) Attribute(device int, attr cuda.Attribute) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.attributes[attr], d.checkDevice(device)
}

// LoadModule parses the image's .entry declarations.
func (d *Driver) LoadModule(device int, image []byte) (cuda.Module, error) {
	if err := d.checkDevice(device); err != nil {
		return 0, err
	}
	entries, err := cuda.ParseEntries(image)
	if err != nil {
		return 0, &cuda.Error{Call: "cuModuleLoadData", Code: 218, Name: "CUDA_ERROR_INVALID_PTX", Detail: err.Error()}
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.modules = append(d.modules, names)
	return cuda.Module(len(d.modules)), nil
}

// Function looks entry up in a loaded module.
func (d *Driver) Function(device int, m cuda.Module, entry string) (cuda.Func, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if m == 0 || int(m) > len(d.modules) || !slices.Contains(d.modules[m-1], entry) {
		return 0, &cuda.Error{Call: "cuModuleGetFunction", Code: 500, Name: "CUDA_ERROR_NOT_FOUND", Detail: "named symbol not found"}
	}
	d.kernels = append(d.kernels, entry)
	return cuda.Func(len(d.kernels)), nil
}

// Launch records the launch, copying every argument's bytes.
func (d *Driver) Launch(device int, f cuda.Func, cfg cuda.LaunchConfig, params cuda.Params) error {
	l := Launch{Device: device, Grid: cfg.Grid, Block: cfg.Block, SharedMem: cfg.SharedMem, Stream: cfg.Stream}
	for i := range params.Len() {
		l.Args = append(l.Args, slices.Clone(params.Bytes(i)))
	}
	d.mu.Lock()
	if f == 0 || int(f) > len(d.kernels) {
		d.mu.Unlock()
		return &cuda.Error{Call: "cuLaunchKernel", Code: 400, Name: "CUDA_ERROR_INVALID_HANDLE", Detail: "invalid resource handle"}
	}
	l.Kernel = d.kernels[f-1]
	d.launches = append(d.launches, l)
	hook := d.OnLaunch
	d.mu.Unlock()
	if hook != nil {
		return hook(l)
	}
	return nil
}

// Alloc hands out host-backed fake device memory.
func (d *Driver) Alloc(device int, size int) (uintptr, error) {
	if err := d.checkDevice(device); err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.next
	d.memory[p] = make([]byte, size)
	d.next += uintptr(size+255) &^ 255
	return p, nil
}

// Free releases fake device memory.
func (d *Driver) Free(_ int, ptr uintptr) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.memory[ptr]; !ok {
		return &cuda.Error{Call: "cuMemFree", Code: 1, Name: "CUDA_ERROR_INVALID_VALUE", Detail: fmt.Sprintf("%#x was not allocated", ptr)}
	}
	delete(d.memory, ptr)
	return nil
}

// Memory returns the fake device memory at ptr (the start of an allocation),
// or nil. Tests read or write kernel inputs and outputs through it.
func (d *Driver) Memory(ptr uintptr) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.memory[ptr]
}

// CopyToDevice copies into the allocation starting at dst.
func (d *Driver) CopyToDevice(_ int, dst uintptr, src []byte) error {
	mem := d.Memory(dst)
	if len(mem) < len(src) {
		return &cuda.Error{Call: "cuMemcpyHtoD", Code: 1, Name: "CUDA_ERROR_INVALID_VALUE", Detail: "copy outside an allocation"}
	}
	copy(mem, src)
	return nil
}

// CopyFromDevice copies out of the allocation starting at src.
func (d *Driver) CopyFromDevice(_ int, dst []byte, src uintptr) error {
	mem := d.Memory(src)
	if len(mem) < len(dst) {
		return &cuda.Error{Call: "cuMemcpyDtoH", Code: 1, Name: "CUDA_ERROR_INVALID_VALUE", Detail: "copy outside an allocation"}
	}
	copy(dst, mem)
	return nil
}

// StreamCreate returns a new stream handle.
func (d *Driver) StreamCreate(device int) (cuda.StreamHandle, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next += 256
	return cuda.StreamHandle(d.next), d.checkDevice(device)
}

// StreamSynchronize returns at once: fake launches finish when recorded.
func (d *Driver) StreamSynchronize(device int, _ cuda.StreamHandle) error {
	return d.checkDevice(device)
}

// StreamDestroy forgets nothing: streams hold no state in the fake.
func (d *Driver) StreamDestroy(device int, _ cuda.StreamHandle) error { return d.checkDevice(device) }
