package cuda

import (
	"fmt"
	"sync"
	"unsafe"
)

// Limits on a kernel's parameter list. CUDA guarantees 4 KiB of parameter
// space on every architecture; lzgen kernels use a few dozen bytes.
const (
	maxParams     = 64
	maxParamBytes = 4096
)

// Function is a kernel loaded on one device, ready to launch.
type Function struct {
	drv     *installed
	device  int
	handle  Func
	name    string   // "module.cu:entry"
	sizes   []uint32 // per parameter, from the PTX declaration
	offsets []uint32 // where each parameter is packed in an argBuffer
}

func newFunction(drv *installed, device int, handle Func, name string, params []Param) (*Function, error) {
	if len(params) > maxParams {
		return nil, fmt.Errorf("cuda: kernel %s has %d parameters, at most %d are supported", name, len(params), maxParams)
	}
	f := &Function{drv: drv, device: device, handle: handle, name: name,
		sizes: make([]uint32, len(params)), offsets: make([]uint32, len(params))}
	var off uint32
	for i, p := range params {
		if p.Align > 1 {
			off = (off + p.Align - 1) / p.Align * p.Align
		}
		f.sizes[i], f.offsets[i] = p.Size, off
		off += p.Size
	}
	if off > maxParamBytes {
		return nil, fmt.Errorf("cuda: kernel %s takes %d bytes of parameters, at most %d are supported", name, off, maxParamBytes)
	}
	return f, nil
}

// Name returns "module.cu:entry".
func (f *Function) Name() string { return f.name }

// Device returns the device ordinal the kernel is loaded on.
func (f *Function) Device() int { return f.device }

// NumParams returns the number of parameters the kernel declares.
func (f *Function) NumParams() int { return len(f.sizes) }

// Launch starts the kernel on the device's default stream. args holds one
// pointer per kernel parameter, in order, each to a value of exactly the
// parameter's size (uintptr for a device pointer, float32 for float, int32
// for int). The values are copied before Launch returns, so args may live
// on the caller's stack; Launch does not allocate.
func (f *Function) Launch(grid, block Dim3, sharedMem uint32, args []unsafe.Pointer) error {
	return f.LaunchOn(0, grid, block, sharedMem, args)
}

// LaunchOn is Launch on the given stream (0: the default stream).
func (f *Function) LaunchOn(stream StreamHandle, grid, block Dim3, sharedMem uint32, args []unsafe.Pointer) error {
	if len(args) != len(f.sizes) {
		return fmt.Errorf("cuda: kernel %s takes %d arguments, got %d", f.name, len(f.sizes), len(args))
	}
	if grid.X == 0 || grid.Y == 0 || grid.Z == 0 || block.X == 0 || block.Y == 0 || block.Z == 0 {
		return fmt.Errorf("cuda: kernel %s: empty launch grid %v or block %v", f.name, grid, block)
	}
	buf := argPool.Get().(*argBuffer)
	defer argPool.Put(buf)
	ptrs := buf.ptrs[:len(args)]
	for i, a := range args {
		if a == nil {
			return fmt.Errorf("cuda: kernel %s: argument %d is a nil pointer", f.name, i)
		}
		dst := buf.data[f.offsets[i] : f.offsets[i]+f.sizes[i]]
		copy(dst, unsafe.Slice((*byte)(a), len(dst)))
		ptrs[i] = unsafe.Pointer(unsafe.SliceData(dst))
	}
	err := f.drv.Launch(f.device, f.handle, LaunchConfig{Grid: grid, Block: block, SharedMem: sharedMem, Stream: stream}, Params{ptrs: ptrs, sizes: f.sizes})
	if err != nil {
		return fmt.Errorf("cuda: launching %s: %w", f.name, err)
	}
	return nil
}

// argBuffer holds one launch's packed arguments and the pointer array to
// them, in memory the driver may read (C memory in cgo builds).
type argBuffer struct {
	ptrs []unsafe.Pointer
	data []byte
}

var argPool = sync.Pool{New: func() any { return newArgBuffer() }}
