package cuda

import "fmt"

// ready returns the installed driver once it is initialised.
func ready() (*installed, error) {
	d := current.Load()
	return d, d.Init()
}

// Buffer is an allocation in device memory.
type Buffer struct {
	Device int
	Ptr    uintptr // the device address, what runtime.FromDevice takes
	Size   int     // bytes
}

// Alloc allocates size bytes on device.
func Alloc(device, size int) (Buffer, error) {
	if size <= 0 {
		return Buffer{}, fmt.Errorf("cuda: allocation of %d bytes", size)
	}
	d, err := ready()
	if err != nil {
		return Buffer{}, err
	}
	p, err := d.Alloc(device, size)
	if err != nil {
		return Buffer{}, fmt.Errorf("cuda: allocating %d bytes on device %d: %w", size, device, err)
	}
	return Buffer{Device: device, Ptr: p, Size: size}, nil
}

// Free releases the allocation.
func (b Buffer) Free() error {
	d, err := ready()
	if err != nil {
		return err
	}
	return d.Free(b.Device, b.Ptr)
}

// CopyFrom copies src to the start of the buffer; it blocks until done.
func (b Buffer) CopyFrom(src []byte) error {
	if len(src) > b.Size {
		return fmt.Errorf("cuda: copying %d bytes into a %d-byte buffer", len(src), b.Size)
	}
	d, err := ready()
	if err != nil {
		return err
	}
	return d.CopyToDevice(b.Device, b.Ptr, src)
}

// CopyTo copies the start of the buffer into dst; it waits for the work
// queued on the default stream first.
func (b Buffer) CopyTo(dst []byte) error {
	if len(dst) > b.Size {
		return fmt.Errorf("cuda: copying %d bytes out of a %d-byte buffer", len(dst), b.Size)
	}
	d, err := ready()
	if err != nil {
		return err
	}
	return d.CopyFromDevice(b.Device, dst, b.Ptr)
}

// DeviceAttribute reads one attribute of device.
func DeviceAttribute(device int, attr Attribute) (int, error) {
	d, err := ready()
	if err != nil {
		return 0, err
	}
	return d.Attribute(device, attr)
}

// DeviceCount returns the number of CUDA devices.
func DeviceCount() (int, error) {
	d, err := ready()
	if err != nil {
		return 0, err
	}
	return d.DeviceCount()
}

// Synchronize waits for the work queued on device's default stream.
func Synchronize(device int) error {
	d, err := ready()
	if err != nil {
		return err
	}
	return d.StreamSynchronize(device, 0)
}

// Stream is a CUDA stream: launches on one stream run in order, launches
// on different streams may overlap.
type Stream struct {
	drv    *installed
	device int
	handle StreamHandle
}

// NewStream creates a stream on device that does not synchronise with the
// default stream.
func NewStream(device int) (*Stream, error) {
	d, err := ready()
	if err != nil {
		return nil, err
	}
	h, err := d.StreamCreate(device)
	if err != nil {
		return nil, fmt.Errorf("cuda: creating a stream on device %d: %w", device, err)
	}
	return &Stream{drv: d, device: device, handle: h}, nil
}

// Handle returns the driver handle, for Function.LaunchOn.
func (s *Stream) Handle() StreamHandle { return s.handle }

// Synchronize waits for the work queued on the stream.
func (s *Stream) Synchronize() error { return s.drv.StreamSynchronize(s.device, s.handle) }

// Close destroys the stream after its queued work.
func (s *Stream) Close() error { return s.drv.StreamDestroy(s.device, s.handle) }
