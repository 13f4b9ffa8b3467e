package cuda

import (
	"sync/atomic"
	"unsafe"
)

// Module, Func and StreamHandle are opaque driver handles (CUmodule,
// CUfunction, CUstream). The zero StreamHandle is the device's default stream.
type (
	Module       uintptr
	Func         uintptr
	StreamHandle uintptr
)

// Attribute is a CUdevice_attribute; the constants below are the ones lzgen
// reads, with the driver API's numeric values.
type Attribute int32

// Device attributes lzgen reads.
const (
	AttrMaxThreadsPerBlock       Attribute = 1
	AttrMaxSharedMemoryPerBlock  Attribute = 8
	AttrClockRateKHz             Attribute = 13
	AttrMultiprocessorCount      Attribute = 16
	AttrMemoryClockRateKHz       Attribute = 36
	AttrGlobalMemoryBusWidthBits Attribute = 37
	AttrComputeCapabilityMajor   Attribute = 75
	AttrComputeCapabilityMinor   Attribute = 76
)

// Dim3 is a CUDA grid or block shape.
type Dim3 struct{ X, Y, Z uint32 }

// LaunchConfig is everything about a launch but the kernel and its arguments.
type LaunchConfig struct {
	Grid, Block Dim3
	SharedMem   uint32
	Stream      StreamHandle
}

// Params is a launch's packed argument list: one pointer per kernel
// parameter, each to a copy of the argument's bytes. It lives in memory the
// driver may keep a pointer to for the duration of the call (C memory in cgo
// builds) and is reused after the call returns.
type Params struct {
	ptrs  []unsafe.Pointer
	sizes []uint32
}

// Len returns the number of parameters.
func (p Params) Len() int { return len(p.ptrs) }

// Bytes returns parameter i's bytes, valid until the launch returns.
func (p Params) Bytes(i int) []byte { return unsafe.Slice((*byte)(p.ptrs[i]), p.sizes[i]) }

// Pointers returns the kernelParams array cuLaunchKernel takes.
func (p Params) Pointers() []unsafe.Pointer { return p.ptrs }

// Driver is the part of the CUDA driver API lzgen uses, by device ordinal.
// The default is libcuda loaded with dlopen; tests install a fake with
// SetDriver. Implementations must be safe for concurrent use.
type Driver interface {
	// Init loads and initialises the driver, once; it returns an error
	// wrapping ErrNoDriver when there is none. The package calls it before
	// any other method.
	Init() error
	DeviceCount() (int, error)
	Attribute(device int, attr Attribute) (int, error)
	// LoadModule loads a PTX (or cubin) image into the device's primary
	// context.
	LoadModule(device int, image []byte) (Module, error)
	Function(device int, m Module, entry string) (Func, error)
	Launch(device int, f Func, cfg LaunchConfig, params Params) error
	Alloc(device int, size int) (uintptr, error)
	Free(device int, ptr uintptr) error
	CopyToDevice(device int, dst uintptr, src []byte) error
	CopyFromDevice(device int, dst []byte, src uintptr) error
	StreamCreate(device int) (StreamHandle, error)
	StreamSynchronize(device int, s StreamHandle) error
	StreamDestroy(device int, s StreamHandle) error
}

// installed is one SetDriver call; Function and FunctionRef caches remember
// the installation they were resolved under, so swapping drivers (tests)
// never serves a stale handle.
type installed struct{ Driver }

var current atomic.Pointer[installed]

func init() {
	d := &installed{systemDriver()}
	current.Store(d)
	publish(d)
}

// SetDriver installs d for every later call, publishing its devices to the
// dispatch engine, and returns a function that restores the previous
// driver. It is meant for tests.
func SetDriver(d Driver) (restore func()) {
	next := &installed{d}
	prev := current.Swap(next)
	publish(next)
	return func() {
		current.Store(prev)
		publish(prev)
	}
}

// Available reports whether the installed CUDA driver loaded and has at
// least one device. The driver is initialised once, when the package is
// (see publish), so this costs no more than a sync.Once check.
func Available() bool {
	d := current.Load()
	if d.Init() != nil {
		return false
	}
	n, err := d.DeviceCount()
	return err == nil && n > 0
}
