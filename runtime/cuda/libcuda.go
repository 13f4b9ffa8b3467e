//go:build cgo

package cuda

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

// The driver API types and prototypes lzgen uses, declared by hand so that
// no CUDA header or library is needed to build (values from cuda.h).
typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext, *CUmodule, *CUfunction, *CUstream;
typedef unsigned long long CUdeviceptr;

static void *lz_lib;
static CUresult (*p_cuInit)(unsigned int);
static CUresult (*p_cuDeviceGet)(CUdevice *, int);
static CUresult (*p_cuDeviceGetCount)(int *);
static CUresult (*p_cuDeviceGetAttribute)(int *, int, CUdevice);
static CUresult (*p_cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
static CUresult (*p_cuCtxSetCurrent)(CUcontext);
static CUresult (*p_cuModuleLoadData)(CUmodule *, const void *);
static CUresult (*p_cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
static CUresult (*p_cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                                    unsigned, CUstream, void **, void **);
static CUresult (*p_cuStreamCreate)(CUstream *, unsigned int);
static CUresult (*p_cuStreamSynchronize)(CUstream);
static CUresult (*p_cuStreamDestroy)(CUstream);
static CUresult (*p_cuMemAlloc)(CUdeviceptr *, size_t);
static CUresult (*p_cuMemFree)(CUdeviceptr);
static CUresult (*p_cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
static CUresult (*p_cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
static CUresult (*p_cuGetErrorName)(CUresult, const char **);
static CUresult (*p_cuGetErrorString)(CUresult, const char **);

#define LZ_SYM(var, name) if (!(*(void **)(&var) = dlsym(lz_lib, name))) return name;

// lz_open loads libcuda.so.1 and resolves every symbol. It returns NULL on
// success, else the dlerror text or the name of the missing symbol.
static const char *lz_open(void) {
	lz_lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lz_lib) return dlerror();
	LZ_SYM(p_cuInit, "cuInit")
	LZ_SYM(p_cuDeviceGet, "cuDeviceGet")
	LZ_SYM(p_cuDeviceGetCount, "cuDeviceGetCount")
	LZ_SYM(p_cuDeviceGetAttribute, "cuDeviceGetAttribute")
	LZ_SYM(p_cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
	LZ_SYM(p_cuCtxSetCurrent, "cuCtxSetCurrent")
	LZ_SYM(p_cuModuleLoadData, "cuModuleLoadData")
	LZ_SYM(p_cuModuleGetFunction, "cuModuleGetFunction")
	LZ_SYM(p_cuLaunchKernel, "cuLaunchKernel")
	LZ_SYM(p_cuStreamCreate, "cuStreamCreate")
	LZ_SYM(p_cuStreamSynchronize, "cuStreamSynchronize")
	LZ_SYM(p_cuStreamDestroy, "cuStreamDestroy_v2")
	LZ_SYM(p_cuMemAlloc, "cuMemAlloc_v2")
	LZ_SYM(p_cuMemFree, "cuMemFree_v2")
	LZ_SYM(p_cuMemcpyHtoD, "cuMemcpyHtoD_v2")
	LZ_SYM(p_cuMemcpyDtoH, "cuMemcpyDtoH_v2")
	LZ_SYM(p_cuGetErrorName, "cuGetErrorName")
	LZ_SYM(p_cuGetErrorString, "cuGetErrorString")
	return NULL;
}

static CUresult lz_init(void) { return p_cuInit(0); }
static CUresult lz_device_count(int *n) { return p_cuDeviceGetCount(n); }

static CUresult lz_attribute(int *v, int attr, int ordinal) {
	CUdevice dev;
	CUresult r = p_cuDeviceGet(&dev, ordinal);
	return r ? r : p_cuDeviceGetAttribute(v, attr, dev);
}

// Handles cross into Go as uintptr_t, so Go never converts an integer back
// into a pointer.
static CUresult lz_retain(uintptr_t *ctx, int ordinal) {
	CUdevice dev;
	CUresult r = p_cuDeviceGet(&dev, ordinal);
	return r ? r : p_cuDevicePrimaryCtxRetain((CUcontext *)ctx, dev);
}

// Every call below makes the context current first, in the same C call, so
// the Go scheduler moving goroutines between threads cannot separate the two.
#define LZ_CURRENT(ctx) { CUresult r = p_cuCtxSetCurrent((CUcontext)ctx); if (r) return r; }

static CUresult lz_load(uintptr_t ctx, uintptr_t *m, const void *image) {
	LZ_CURRENT(ctx) return p_cuModuleLoadData((CUmodule *)m, image);
}
static CUresult lz_function(uintptr_t ctx, uintptr_t *f, uintptr_t m, const char *name) {
	LZ_CURRENT(ctx) return p_cuModuleGetFunction((CUfunction *)f, (CUmodule)m, name);
}
static CUresult lz_launch(uintptr_t ctx, uintptr_t f, unsigned gx, unsigned gy, unsigned gz,
                          unsigned bx, unsigned by, unsigned bz, unsigned shared, uintptr_t s, void **params) {
	LZ_CURRENT(ctx)
	return p_cuLaunchKernel((CUfunction)f, gx, gy, gz, bx, by, bz, shared, (CUstream)s, params, NULL);
}
static CUresult lz_alloc(uintptr_t ctx, CUdeviceptr *p, size_t n) { LZ_CURRENT(ctx) return p_cuMemAlloc(p, n); }
static CUresult lz_free(uintptr_t ctx, CUdeviceptr p) { LZ_CURRENT(ctx) return p_cuMemFree(p); }
static CUresult lz_htod(uintptr_t ctx, CUdeviceptr dst, const void *src, size_t n) {
	LZ_CURRENT(ctx) return p_cuMemcpyHtoD(dst, src, n);
}
static CUresult lz_dtoh(uintptr_t ctx, void *dst, CUdeviceptr src, size_t n) {
	LZ_CURRENT(ctx) return p_cuMemcpyDtoH(dst, src, n);
}
static CUresult lz_stream_create(uintptr_t ctx, uintptr_t *s) {
	LZ_CURRENT(ctx) return p_cuStreamCreate((CUstream *)s, 1); // CU_STREAM_NON_BLOCKING
}
static CUresult lz_stream_sync(uintptr_t ctx, uintptr_t s) { LZ_CURRENT(ctx) return p_cuStreamSynchronize((CUstream)s); }
static CUresult lz_stream_destroy(uintptr_t ctx, uintptr_t s) { LZ_CURRENT(ctx) return p_cuStreamDestroy((CUstream)s); }

static const char *lz_error_name(CUresult r) {
	const char *s = NULL;
	return p_cuGetErrorName(r, &s) ? "CUDA_ERROR_UNKNOWN" : s;
}
static const char *lz_error_string(CUresult r) {
	const char *s = NULL;
	return p_cuGetErrorString(r, &s) ? "unrecognised error code" : s;
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// systemDriver is libcuda.so.1, opened on first use.
func systemDriver() Driver { return &libcuda{} }

// libcuda is the Driver backed by the real driver library. Each device's
// primary context is retained the first time the device is used and kept
// for the life of the process.
type libcuda struct {
	once    sync.Once
	initErr error
	ctxs    []atomic.Uintptr // CUcontext per device ordinal, 0 until retained
	retain  sync.Mutex
}

// check turns a CUresult into nil or an *Error naming the call.
func check(call string, r C.CUresult) error {
	if r == 0 {
		return nil
	}
	return &Error{Call: call, Code: Result(r), Name: C.GoString(C.lz_error_name(r)), Detail: C.GoString(C.lz_error_string(r))}
}

// Init opens libcuda.so.1, resolves its symbols and calls cuInit, once.
func (d *libcuda) Init() error {
	d.once.Do(func() {
		if msg := C.lz_open(); msg != nil {
			d.initErr = fmt.Errorf("%w: %s", ErrNoDriver, C.GoString(msg))
			return
		}
		if err := check("cuInit", C.lz_init()); err != nil {
			d.initErr = fmt.Errorf("%w: %w", ErrNoDriver, err)
			return
		}
		var n C.int
		if err := check("cuDeviceGetCount", C.lz_device_count(&n)); err != nil {
			d.initErr = fmt.Errorf("%w: %w", ErrNoDriver, err)
			return
		}
		d.ctxs = make([]atomic.Uintptr, int(n))
	})
	return d.initErr
}

func (d *libcuda) DeviceCount() (int, error) {
	if err := d.Init(); err != nil {
		return 0, err
	}
	return len(d.ctxs), nil
}

func (d *libcuda) Attribute(device int, attr Attribute) (int, error) {
	if err := d.device(device); err != nil {
		return 0, err
	}
	var v C.int
	err := check("cuDeviceGetAttribute", C.lz_attribute(&v, C.int(attr), C.int(device)))
	return int(v), err
}

// device checks that the driver is up and the ordinal exists.
func (d *libcuda) device(device int) error {
	if err := d.Init(); err != nil {
		return err
	}
	if device < 0 || device >= len(d.ctxs) {
		return fmt.Errorf("cuda: no device %d (this machine has %d)", device, len(d.ctxs))
	}
	return nil
}

// context returns the device's primary context, retaining it on first use.
func (d *libcuda) context(device int) (C.uintptr_t, error) {
	if err := d.device(device); err != nil {
		return 0, err
	}
	if c := d.ctxs[device].Load(); c != 0 {
		return C.uintptr_t(c), nil
	}
	d.retain.Lock()
	defer d.retain.Unlock()
	if c := d.ctxs[device].Load(); c != 0 {
		return C.uintptr_t(c), nil
	}
	var c C.uintptr_t
	if err := check("cuDevicePrimaryCtxRetain", C.lz_retain(&c, C.int(device))); err != nil {
		return 0, err
	}
	d.ctxs[device].Store(uintptr(c))
	return c, nil
}

func (d *libcuda) LoadModule(device int, image []byte) (Module, error) {
	ctx, err := d.context(device)
	if err != nil {
		return 0, err
	}
	var m C.uintptr_t
	err = check("cuModuleLoadData", C.lz_load(ctx, &m, unsafe.Pointer(unsafe.SliceData(image))))
	return Module(m), err
}

func (d *libcuda) Function(device int, m Module, entry string) (Func, error) {
	ctx, err := d.context(device)
	if err != nil {
		return 0, err
	}
	name := C.CString(entry)
	defer C.free(unsafe.Pointer(name))
	var f C.uintptr_t
	err = check("cuModuleGetFunction", C.lz_function(ctx, &f, C.uintptr_t(m), name))
	return Func(f), err
}

// Launch passes params straight to cuLaunchKernel: Function.Launch packed
// them into C memory.
func (d *libcuda) Launch(device int, f Func, cfg LaunchConfig, params Params) error {
	ctx, err := d.context(device)
	if err != nil {
		return err
	}
	g, b := cfg.Grid, cfg.Block
	return check("cuLaunchKernel", C.lz_launch(ctx, C.uintptr_t(f),
		C.uint(g.X), C.uint(g.Y), C.uint(g.Z), C.uint(b.X), C.uint(b.Y), C.uint(b.Z),
		C.uint(cfg.SharedMem), C.uintptr_t(cfg.Stream), (*unsafe.Pointer)(unsafe.SliceData(params.Pointers()))))
}

func (d *libcuda) Alloc(device int, size int) (uintptr, error) {
	ctx, err := d.context(device)
	if err != nil {
		return 0, err
	}
	var p C.CUdeviceptr
	err = check("cuMemAlloc", C.lz_alloc(ctx, &p, C.size_t(size)))
	return uintptr(p), err
}

func (d *libcuda) Free(device int, ptr uintptr) error {
	ctx, err := d.context(device)
	if err != nil {
		return err
	}
	return check("cuMemFree", C.lz_free(ctx, C.CUdeviceptr(ptr)))
}

func (d *libcuda) CopyToDevice(device int, dst uintptr, src []byte) error {
	ctx, err := d.context(device)
	if err != nil || len(src) == 0 {
		return err
	}
	return check("cuMemcpyHtoD", C.lz_htod(ctx, C.CUdeviceptr(dst), unsafe.Pointer(unsafe.SliceData(src)), C.size_t(len(src))))
}

func (d *libcuda) CopyFromDevice(device int, dst []byte, src uintptr) error {
	ctx, err := d.context(device)
	if err != nil || len(dst) == 0 {
		return err
	}
	return check("cuMemcpyDtoH", C.lz_dtoh(ctx, unsafe.Pointer(unsafe.SliceData(dst)), C.CUdeviceptr(src), C.size_t(len(dst))))
}

func (d *libcuda) StreamCreate(device int) (StreamHandle, error) {
	ctx, err := d.context(device)
	if err != nil {
		return 0, err
	}
	var s C.uintptr_t
	err = check("cuStreamCreate", C.lz_stream_create(ctx, &s))
	return StreamHandle(s), err
}

func (d *libcuda) StreamSynchronize(device int, s StreamHandle) error {
	ctx, err := d.context(device)
	if err != nil {
		return err
	}
	return check("cuStreamSynchronize", C.lz_stream_sync(ctx, C.uintptr_t(s)))
}

func (d *libcuda) StreamDestroy(device int, s StreamHandle) error {
	ctx, err := d.context(device)
	if err != nil {
		return err
	}
	return check("cuStreamDestroy", C.lz_stream_destroy(ctx, C.uintptr_t(s)))
}

// newArgBuffer allocates a launch argument buffer in C memory, which the
// driver may read, freed when the buffer is collected.
func newArgBuffer() *argBuffer {
	const ptrBytes = maxParams * unsafe.Sizeof(unsafe.Pointer(nil))
	mem := C.calloc(1, C.size_t(ptrBytes+maxParamBytes))
	b := &argBuffer{
		ptrs: unsafe.Slice((*unsafe.Pointer)(mem), maxParams),
		data: unsafe.Slice((*byte)(unsafe.Add(mem, ptrBytes)), maxParamBytes),
	}
	runtime.AddCleanup(b, func(p unsafe.Pointer) { C.free(p) }, mem)
	return b
}
