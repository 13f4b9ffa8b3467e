package runtime

import (
	"fmt"
	"math"
	"unsafe"
)

// MaxRank is the largest number of dimensions a Tensor can have. Inference
// operations use at most four (batch, sequence, heads, head dimension).
const MaxRank = 4

// Layout names the meaning of a tensor's dimensions. Attention kernels read
// batch, sequence, heads and head dimension through it; other operations use
// LayoutRowMajor.
type Layout uint8

// Layouts known to lzgen; the names are the manifest's spelling.
const (
	LayoutRowMajor Layout = iota // plain row-major, no named dimensions
	BSHD                         // [batch, seq, heads, head_dim]
	BHSD                         // [batch, heads, seq, head_dim]
	NHD                          // [tokens, heads, head_dim] (packed, batch 1)
	HND                          // [heads, tokens, head_dim] (packed, batch 1)
	numLayouts
)

var layoutNames = [...]string{"rowmajor", "BSHD", "BHSD", "NHD", "HND"}

// String returns the manifest spelling of the layout.
func (l Layout) String() string {
	if int(l) < len(layoutNames) {
		return layoutNames[l]
	}
	return fmt.Sprintf("Layout(%d)", uint8(l))
}

// ParseLayout maps a manifest or rules spelling (case-sensitive, as in the
// manifest: BSHD, BHSD, NHD, HND, rowmajor) to a Layout.
func ParseLayout(s string) (Layout, bool) {
	for i, n := range layoutNames {
		if n == s {
			return Layout(i), true
		}
	}
	return 0, false
}

// LayoutNames lists the layout spellings in Layout order.
func LayoutNames() []string { return append([]string(nil), layoutNames[:]...) }

// rank returns the number of dimensions a tensor in this layout has, or 0 when
// any rank is allowed.
func (l Layout) rank() int {
	switch l {
	case BSHD, BHSD:
		return 4
	case NHD, HND:
		return 3
	}
	return 0
}

// Tensor describes an n-dimensional array in host or device memory. It is a
// handle to an immutable descriptor, one word wide, so that dispatchers pass
// tensors by value in registers and copying one costs nothing; the storage it
// describes is shared, as with a slice. Strides are in elements. Device memory
// is referenced by address only; lzgen never dereferences it on the host.
// The zero Tensor describes nothing: every accessor returns zero values.
type Tensor struct{ d *tensorDesc }

type tensorDesc struct {
	host    []byte
	dev     uintptr
	numel   int
	rows    int   // numel over the last dimension
	device  int16 // -1 on the host, else the CUDA device ordinal
	dtype   DType
	layout  Layout
	rank    uint8
	named   [4]int32 // batch, seq, heads, head_dim as the layout reads them
	shape   [MaxRank]int
	strides [MaxRank]int
}

// zeroDesc is what the zero Tensor reads as.
var zeroDesc = tensorDesc{device: -1}

func (t Tensor) desc() *tensorDesc {
	if t.d == nil {
		return &zeroDesc
	}
	return t.d
}

func checkShape(dt DType, layout Layout, shape []int) error {
	if dt.Size() == 0 {
		return fmt.Errorf("%w: invalid dtype %v", ErrInvalidArgument, dt)
	}
	if layout >= numLayouts {
		return fmt.Errorf("%w: invalid layout %v", ErrInvalidArgument, layout)
	}
	if len(shape) == 0 || len(shape) > MaxRank {
		return fmt.Errorf("%w: rank %d outside 1..%d", ErrInvalidArgument, len(shape), MaxRank)
	}
	if r := layout.rank(); r != 0 && len(shape) != r {
		return fmt.Errorf("%w: layout %v needs %d dimensions, shape %v has %d", ErrInvalidArgument, layout, r, shape, len(shape))
	}
	size := dt.Size()
	for i, d := range shape {
		if d <= 0 {
			return fmt.Errorf("%w: dimension %d of shape %v is %d, want > 0", ErrInvalidArgument, i, shape, d)
		}
		if size > math.MaxInt/d {
			return fmt.Errorf("%w: shape %v of %v is too large: its size in bytes overflows int", ErrInvalidArgument, shape, dt)
		}
		size *= d
	}
	return nil
}

func describe(dt DType, layout Layout, shape []int) *tensorDesc {
	d := &tensorDesc{device: -1, dtype: dt, layout: layout, rank: uint8(len(shape)), numel: 1}
	copy(d.shape[:], shape)
	for i := len(shape) - 1; i >= 0; i-- {
		d.strides[i] = d.numel
		d.numel *= shape[i]
	}
	d.rows = d.numel / shape[len(shape)-1]
	for which := range d.named {
		d.named[which] = int32(d.namedDim(which))
	}
	return d
}

// New returns a zeroed, contiguous host tensor. It returns an error wrapping
// ErrInvalidArgument for an unknown dtype or layout or a bad shape.
func New(dt DType, layout Layout, shape ...int) (Tensor, error) {
	if err := checkShape(dt, layout, shape); err != nil {
		return Tensor{}, err
	}
	d := describe(dt, layout, shape)
	d.host = make([]byte, d.numel*dt.Size())
	return Tensor{d}, nil
}

// FromBytes wraps host memory holding a contiguous tensor. data is not copied;
// its length must be exactly the tensor's size in bytes.
func FromBytes(dt DType, layout Layout, data []byte, shape ...int) (Tensor, error) {
	if err := checkShape(dt, layout, shape); err != nil {
		return Tensor{}, err
	}
	d := describe(dt, layout, shape)
	if want := d.numel * dt.Size(); len(data) != want {
		return Tensor{}, fmt.Errorf("%w: shape %v of %v needs %d bytes, got %d", ErrInvalidArgument, shape, dt, want, len(data))
	}
	d.host = data
	return Tensor{d}, nil
}

// FromFloat32 wraps a float32 slice as a contiguous tensor without copying.
func FromFloat32(layout Layout, data []float32, shape ...int) (Tensor, error) {
	return FromBytes(Float32, layout, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(data))), len(data)*4), shape...)
}

// FromDevice describes a contiguous tensor in the memory of CUDA device
// `device` at address ptr. Nothing is checked about the allocation itself.
func FromDevice(ptr uintptr, device int, dt DType, layout Layout, shape ...int) (Tensor, error) {
	if err := checkShape(dt, layout, shape); err != nil {
		return Tensor{}, err
	}
	if ptr == 0 || device < 0 || device > 1<<14 {
		return Tensor{}, fmt.Errorf("%w: device tensor needs a non-nil address and a device ordinal, got %#x on %d", ErrInvalidArgument, ptr, device)
	}
	d := describe(dt, layout, shape)
	d.dev, d.device = ptr, int16(device)
	return Tensor{d}, nil
}

// WithStrides returns t with the given element strides, one per dimension.
// The strides must keep every element inside the storage.
func (t Tensor) WithStrides(strides ...int) (Tensor, error) {
	if len(strides) != t.Rank() {
		return Tensor{}, fmt.Errorf("%w: %d strides for a rank-%d tensor", ErrInvalidArgument, len(strides), t.Rank())
	}
	d := *t.desc()
	last := 0 // the offset of the last element
	for i, s := range strides {
		if s < 0 {
			return Tensor{}, fmt.Errorf("%w: negative stride %d in dimension %d", ErrInvalidArgument, s, i)
		}
		if n := d.shape[i] - 1; n > 0 && s > (math.MaxInt/d.dtype.Size()-1-last)/n { // keep (last+1)*size in int
			return Tensor{}, fmt.Errorf("%w: strides %v overflow the address space in dimension %d", ErrInvalidArgument, strides, i)
		}
		last += (d.shape[i] - 1) * s
	}
	if d.host != nil && (last+1)*d.dtype.Size() > len(d.host) {
		return Tensor{}, fmt.Errorf("%w: strides %v reach element %d, storage holds %d", ErrInvalidArgument, strides, last, len(d.host)/d.dtype.Size())
	}
	copy(d.strides[:], strides)
	return Tensor{&d}, nil
}

// IsZero reports whether t is the zero Tensor (no storage, no shape).
func (t Tensor) IsZero() bool { return t.d == nil }

// DType returns the element type.
func (t Tensor) DType() DType { return t.desc().dtype }

// Layout returns the layout the dimensions are read in.
func (t Tensor) Layout() Layout { return t.desc().layout }

// Rank returns the number of dimensions.
func (t Tensor) Rank() int { return int(t.desc().rank) }

// Dim returns the size of dimension i; a negative i counts from the end.
// Out-of-range dimensions are 0, so context expressions never panic.
func (t Tensor) Dim(i int) int { return t.desc().dim(i) }

func (d *tensorDesc) dim(i int) int {
	if i < 0 {
		i += int(d.rank)
	}
	if i < 0 || i >= int(d.rank) {
		return 0
	}
	return d.shape[i]
}

// Stride returns the element stride of dimension i (0 when out of range).
func (t Tensor) Stride(i int) int {
	d := t.desc()
	if i < 0 || i >= int(d.rank) {
		return 0
	}
	return d.strides[i]
}

// Shape returns a copy of the dimensions.
func (t Tensor) Shape() []int {
	d := t.desc()
	return append([]int(nil), d.shape[:d.rank]...)
}

// Numel returns the number of elements (0 for the zero Tensor).
func (t Tensor) Numel() int {
	if t.d == nil {
		return 0
	}
	return t.d.numel
}

// IsContiguous reports whether the elements are stored densely in row-major
// order of the dimensions.
func (t Tensor) IsContiguous() bool {
	d := t.desc()
	s := 1
	for i := int(d.rank) - 1; i >= 0; i-- {
		if d.shape[i] != 1 && d.strides[i] != s {
			return false
		}
		s *= d.shape[i]
	}
	return true
}

// OnDevice reports whether the tensor lives in CUDA device memory.
func (t Tensor) OnDevice() bool { return t.desc().device >= 0 }

// DeviceIndex returns the CUDA device ordinal, or -1 for host memory.
func (t Tensor) DeviceIndex() int { return int(t.desc().device) }

// Platform returns where kernels reading this tensor must run.
func (t Tensor) Platform() Platform {
	if t.desc().device >= 0 {
		return PlatformCUDA
	}
	return PlatformCPU
}

// DevicePtr returns the device address (0 for host tensors).
func (t Tensor) DevicePtr() uintptr { return t.desc().dev }

// Bytes returns the host storage (nil for device tensors).
func (t Tensor) Bytes() []byte { return t.desc().host }

// Float32s views float32 host storage as a slice; nil for other dtypes.
func (t Tensor) Float32s() []float32 {
	d := t.desc()
	if d.dtype != Float32 || len(d.host) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(d.host))), len(d.host)/4)
}

// Uint16s views float16 or bfloat16 host storage as raw 16-bit words; nil for
// other dtypes.
func (t Tensor) Uint16s() []uint16 {
	d := t.desc()
	if (d.dtype != Float16 && d.dtype != BFloat16) || len(d.host) == 0 {
		return nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(d.host))), len(d.host)/2)
}

// dimIndex gives, per layout, which dimension holds batch, seq, heads and
// head_dim (-1: the layout has none, read as 1 for batch and 0 otherwise).
var dimIndex = [numLayouts][4]int8{
	LayoutRowMajor: {-1, -1, -1, -1},
	BSHD:           {0, 1, 2, 3},
	BHSD:           {0, 2, 1, 3},
	NHD:            {-1, 0, 1, 2},
	HND:            {-1, 1, 0, 2},
}

// namedDim computes the named dimension which (0 batch, 1 seq, 2 heads,
// 3 head_dim) once, when the descriptor is built.
func (d *tensorDesc) namedDim(which int) int {
	i := dimIndex[d.layout][which]
	if i < 0 {
		if which == 0 && d.layout != LayoutRowMajor {
			return 1
		}
		return 0
	}
	return d.dim(int(i))
}

// Batch returns the batch dimension of an attention layout (1 for packed
// layouts, 0 for row-major).
func (t Tensor) Batch() int { return int(t.desc().named[0]) }

// SeqLen returns the sequence (token) dimension of an attention layout.
func (t Tensor) SeqLen() int { return int(t.desc().named[1]) }

// Heads returns the heads dimension of an attention layout.
func (t Tensor) Heads() int { return int(t.desc().named[2]) }

// HeadDim returns the head dimension of an attention layout.
func (t Tensor) HeadDim() int { return int(t.desc().named[3]) }

// Rows returns the number of rows when the tensor is read as a matrix of
// its last dimension: every dimension but the last multiplied together.
func (t Tensor) Rows() int { return t.desc().rows }

// Cols returns the last dimension.
func (t Tensor) Cols() int { return t.desc().dim(-1) }

// String describes the tensor without its data, e.g. "float16[2 512 32 128] BSHD host".
func (t Tensor) String() string {
	d := t.desc()
	where := "host"
	if d.device >= 0 {
		where = fmt.Sprintf("cuda:%d", d.device)
	}
	return fmt.Sprintf("%v%v %v %s", d.dtype, d.shape[:d.rank], d.layout, where)
}
