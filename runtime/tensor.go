package runtime

import (
	"fmt"
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
// small value type: dispatchers pass it by value without allocating. Strides
// are in elements. Device memory is referenced by address only; lzgen never
// dereferences it on the host.
type Tensor struct {
	host    []byte
	dev     uintptr
	device  int16 // -1 on the host, else the CUDA device ordinal
	dtype   DType
	layout  Layout
	rank    uint8
	shape   [MaxRank]int
	strides [MaxRank]int
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
	for i, d := range shape {
		if d <= 0 {
			return fmt.Errorf("%w: dimension %d of shape %v is %d, want > 0", ErrInvalidArgument, i, shape, d)
		}
	}
	return nil
}

func describe(dt DType, layout Layout, shape []int) Tensor {
	t := Tensor{device: -1, dtype: dt, layout: layout, rank: uint8(len(shape))}
	copy(t.shape[:], shape)
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		t.strides[i] = s
		s *= shape[i]
	}
	return t
}

// New returns a zeroed, contiguous host tensor. It returns an error wrapping
// ErrInvalidArgument for an unknown dtype or layout or a bad shape.
func New(dt DType, layout Layout, shape ...int) (Tensor, error) {
	if err := checkShape(dt, layout, shape); err != nil {
		return Tensor{}, err
	}
	t := describe(dt, layout, shape)
	t.host = make([]byte, t.Numel()*dt.Size())
	return t, nil
}

// FromBytes wraps host memory holding a contiguous tensor. data is not copied;
// its length must be exactly the tensor's size in bytes.
func FromBytes(dt DType, layout Layout, data []byte, shape ...int) (Tensor, error) {
	if err := checkShape(dt, layout, shape); err != nil {
		return Tensor{}, err
	}
	t := describe(dt, layout, shape)
	if want := t.Numel() * dt.Size(); len(data) != want {
		return Tensor{}, fmt.Errorf("%w: shape %v of %v needs %d bytes, got %d", ErrInvalidArgument, shape, dt, want, len(data))
	}
	t.host = data
	return t, nil
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
	t := describe(dt, layout, shape)
	t.dev, t.device = ptr, int16(device)
	return t, nil
}

// WithStrides returns t with the given element strides, one per dimension.
// The strides must keep every element inside the storage.
func (t Tensor) WithStrides(strides ...int) (Tensor, error) {
	if len(strides) != int(t.rank) {
		return Tensor{}, fmt.Errorf("%w: %d strides for a rank-%d tensor", ErrInvalidArgument, len(strides), t.rank)
	}
	last := 0
	for i, s := range strides {
		if s < 0 {
			return Tensor{}, fmt.Errorf("%w: negative stride %d in dimension %d", ErrInvalidArgument, s, i)
		}
		last += (t.shape[i] - 1) * s
	}
	if t.host != nil && (last+1)*t.dtype.Size() > len(t.host) {
		return Tensor{}, fmt.Errorf("%w: strides %v reach element %d, storage holds %d", ErrInvalidArgument, strides, last, len(t.host)/t.dtype.Size())
	}
	copy(t.strides[:], strides)
	return t, nil
}

// IsZero reports whether t is the zero Tensor (no storage, no shape).
func (t *Tensor) IsZero() bool { return t.rank == 0 }

// DType returns the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Layout returns the layout the dimensions are read in.
func (t *Tensor) Layout() Layout { return t.layout }

// Rank returns the number of dimensions.
func (t *Tensor) Rank() int { return int(t.rank) }

// Dim returns the size of dimension i; a negative i counts from the end.
// Out-of-range dimensions are 0, so context expressions never panic.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += int(t.rank)
	}
	if i < 0 || i >= int(t.rank) {
		return 0
	}
	return t.shape[i]
}

// Stride returns the element stride of dimension i (0 when out of range).
func (t *Tensor) Stride(i int) int {
	if i < 0 || i >= int(t.rank) {
		return 0
	}
	return t.strides[i]
}

// Shape returns a copy of the dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape[:t.rank]...) }

// Numel returns the number of elements (0 for the zero Tensor).
func (t *Tensor) Numel() int {
	if t.rank == 0 {
		return 0
	}
	n := 1
	for _, d := range t.shape[:t.rank] {
		n *= d
	}
	return n
}

// IsContiguous reports whether the elements are stored densely in row-major
// order of the dimensions.
func (t *Tensor) IsContiguous() bool {
	s := 1
	for i := int(t.rank) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.strides[i] != s {
			return false
		}
		s *= t.shape[i]
	}
	return true
}

// OnDevice reports whether the tensor lives in CUDA device memory.
func (t *Tensor) OnDevice() bool { return t.device >= 0 }

// DeviceIndex returns the CUDA device ordinal, or -1 for host memory.
func (t *Tensor) DeviceIndex() int { return int(t.device) }

// Platform returns where kernels reading this tensor must run.
func (t *Tensor) Platform() Platform {
	if t.device >= 0 {
		return PlatformCUDA
	}
	return PlatformCPU
}

// DevicePtr returns the device address (0 for host tensors).
func (t *Tensor) DevicePtr() uintptr { return t.dev }

// Bytes returns the host storage (nil for device tensors).
func (t *Tensor) Bytes() []byte { return t.host }

// Float32s views float32 host storage as a slice; nil for other dtypes.
func (t *Tensor) Float32s() []float32 {
	if t.dtype != Float32 || len(t.host) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(t.host))), len(t.host)/4)
}

// Uint16s views float16 or bfloat16 host storage as raw 16-bit words; nil for
// other dtypes.
func (t *Tensor) Uint16s() []uint16 {
	if (t.dtype != Float16 && t.dtype != BFloat16) || len(t.host) == 0 {
		return nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(t.host))), len(t.host)/2)
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

func (t *Tensor) named(which int) int {
	if t.layout >= numLayouts {
		return 0
	}
	i := dimIndex[t.layout][which]
	if i < 0 {
		if which == 0 && t.layout != LayoutRowMajor {
			return 1
		}
		return 0
	}
	return t.Dim(int(i))
}

// Batch returns the batch dimension of an attention layout (1 for packed
// layouts, 0 for row-major).
func (t *Tensor) Batch() int { return t.named(0) }

// SeqLen returns the sequence (token) dimension of an attention layout.
func (t *Tensor) SeqLen() int { return t.named(1) }

// Heads returns the heads dimension of an attention layout.
func (t *Tensor) Heads() int { return t.named(2) }

// HeadDim returns the head dimension of an attention layout.
func (t *Tensor) HeadDim() int { return t.named(3) }

// Rows returns the number of rows when the tensor is read as a matrix of
// its last dimension: every dimension but the last multiplied together.
func (t *Tensor) Rows() int {
	if t.rank == 0 {
		return 0
	}
	return t.Numel() / t.shape[t.rank-1]
}

// Cols returns the last dimension.
func (t *Tensor) Cols() int { return t.Dim(-1) }

// String describes the tensor without its data, e.g. "float16[2 512 32 128] BSHD host".
func (t Tensor) String() string {
	where := "host"
	if t.device >= 0 {
		where = fmt.Sprintf("cuda:%d", t.device)
	}
	return fmt.Sprintf("%v%v %v %s", t.dtype, t.shape[:t.rank], t.layout, where)
}
