package cuda

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"sync/atomic"
)

// ModuleSet is a set of PTX modules, typically embedded with go:embed, that
// kernels are looked up in by module (.cu file) and entry name. Modules are
// parsed once and loaded into a device the first time one of their kernels
// is resolved there.
type ModuleSet struct {
	fsys fs.FS
	dir  string

	mu      sync.Mutex
	images  map[string]*image        // by module name, e.g. "attention.cu"
	modules map[loadKey]moduleResult // per driver installation and device
}

type image struct {
	ptx     []byte // NUL-terminated, as cuModuleLoadData wants
	entries []Entry
	err     error
}

type loadKey struct {
	drv    *installed
	device int
	module string
}

type moduleResult struct {
	handle Module
	err    error
}

// NewModuleSet serves the modules whose PTX lies in dir of fsys as
// <name>.ptx for a module <name>.cu.
func NewModuleSet(fsys fs.FS, dir string) *ModuleSet {
	return &ModuleSet{fsys: fsys, dir: dir, images: map[string]*image{}, modules: map[loadKey]moduleResult{}}
}

// PTXPath returns where module's PTX lies in the set's file system.
func (s *ModuleSet) PTXPath(module string) string {
	return path.Join(s.dir, strings.TrimSuffix(module, ".cu")+".ptx")
}

// Ref returns a lazy reference to kernel entry of module. Nothing is read or
// loaded until its first Get; generated code keeps one in a package variable.
func (s *ModuleSet) Ref(module, entry string) *FunctionRef {
	return &FunctionRef{set: s, module: module, entry: entry}
}

// image reads and parses a module's PTX once. Called with s.mu held.
func (s *ModuleSet) image(module string) *image {
	if im, ok := s.images[module]; ok {
		return im
	}
	im := &image{}
	data, err := fs.ReadFile(s.fsys, s.PTXPath(module))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		im.err = fmt.Errorf("%w %s (run `make ptx`)", ErrNoPTX, module)
	case err != nil:
		im.err = fmt.Errorf("cuda: module %s: %w", module, err)
	default:
		im.entries, err = ParseEntries(data)
		if err != nil {
			im.err = fmt.Errorf("cuda: module %s: %w", module, err)
		}
		im.ptx = append(data[:len(data):len(data)], 0)
	}
	s.images[module] = im
	return im
}

// resolve finds entry in module on device under drv, loading the module
// when needed. permanent reports an error that retrying cannot fix.
func (s *ModuleSet) resolve(drv *installed, device int, module, entry string) (fn *Function, permanent bool, err error) {
	if err := drv.Init(); err != nil {
		return nil, true, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	im := s.image(module)
	if im.err != nil {
		return nil, true, im.err
	}
	var params []Param
	found := false
	for _, e := range im.entries {
		if e.Name == entry {
			params, found = e.Params, true
			break
		}
	}
	if !found {
		return nil, true, fmt.Errorf("cuda: module %s has no kernel %s", module, entry)
	}
	key := loadKey{drv, device, module}
	mod, ok := s.modules[key]
	if !ok {
		mod.handle, mod.err = drv.LoadModule(device, im.ptx)
		if mod.err != nil {
			return nil, false, fmt.Errorf("cuda: loading module %s on device %d: %w", module, device, mod.err)
		}
		s.modules[key] = mod
	}
	h, err := drv.Function(device, mod.handle, entry)
	if err != nil {
		return nil, false, fmt.Errorf("cuda: kernel %s in module %s: %w", entry, module, err)
	}
	fn, err = newFunction(drv, device, h, module+":"+entry, params)
	return fn, err != nil, err
}

// cachedDevices is how many device ordinals a FunctionRef caches lock-free;
// higher ordinals take the ModuleSet's lock on every Get.
const cachedDevices = 8

// FunctionRef is a kernel resolved lazily: the module is read, parsed and
// loaded on the first Get (per device); later calls cost one atomic load.
type FunctionRef struct {
	set           *ModuleSet
	module, entry string
	cache         [cachedDevices]atomic.Pointer[resolution]
}

type resolution struct {
	drv *installed
	fn  *Function
	err error
}

// Get returns the kernel on device 0. Without a driver the error wraps
// ErrNoDriver; without PTX for the module it wraps ErrNoPTX.
func (r *FunctionRef) Get() (*Function, error) { return r.On(0) }

// On returns the kernel on the given device, loading its module there on
// first use.
func (r *FunctionRef) On(device int) (*Function, error) {
	drv := current.Load()
	if device >= 0 && device < cachedDevices {
		if res := r.cache[device].Load(); res != nil && res.drv == drv {
			return res.fn, res.err
		}
	}
	if device < 0 {
		return nil, fmt.Errorf("cuda: kernel %s: negative device ordinal %d", r.entry, device)
	}
	fn, permanent, err := r.set.resolve(drv, device, r.module, r.entry)
	if device < cachedDevices && (err == nil || permanent) {
		r.cache[device].Store(&resolution{drv: drv, fn: fn, err: err})
	}
	return fn, err
}

// String returns "module:entry".
func (r *FunctionRef) String() string { return r.module + ":" + r.entry }
