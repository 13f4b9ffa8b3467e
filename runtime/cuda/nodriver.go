package cuda

// noDriver is the Driver of a machine without CUDA: every call fails with
// ErrNoDriver, wrapped with why.
type noDriver struct{ err error }

func (d noDriver) Init() error                                  { return d.err }
func (d noDriver) DeviceCount() (int, error)                    { return 0, d.err }
func (d noDriver) Attribute(int, Attribute) (int, error)        { return 0, d.err }
func (d noDriver) LoadModule(int, []byte) (Module, error)       { return 0, d.err }
func (d noDriver) Function(int, Module, string) (Func, error)   { return 0, d.err }
func (d noDriver) Launch(int, Func, LaunchConfig, Params) error { return d.err }
func (d noDriver) Alloc(int, int) (uintptr, error)              { return 0, d.err }
func (d noDriver) Free(int, uintptr) error                      { return d.err }
func (d noDriver) CopyToDevice(int, uintptr, []byte) error      { return d.err }
func (d noDriver) CopyFromDevice(int, []byte, uintptr) error    { return d.err }
func (d noDriver) StreamCreate(int) (StreamHandle, error)       { return 0, d.err }
func (d noDriver) StreamSynchronize(int, StreamHandle) error    { return d.err }
func (d noDriver) StreamDestroy(int, StreamHandle) error        { return d.err }
