package cpu

import "github.com/layerzero/lzgen/runtime"

// storage is a host tensor's elements seen as float32 values whatever the
// dtype, read and written a run of elements at a time, so that every kernel
// is written once for all dtypes: float32 is used in place, float16 and
// bfloat16 convert through a float32 buffer at the boundary.
type storage struct {
	dtype runtime.DType
	f32   []float32
	u16   []uint16
}

func storageOf(t runtime.Tensor) storage {
	return storage{dtype: t.DType(), f32: t.Float32s(), u16: t.Uint16s()}
}

// load returns the n elements starting at element off as float32 values.
// Float32 storage is returned in place (no copy: callers must not write to
// it); other dtypes are converted into buf, which needs room for n values.
func (s storage) load(off, n int, buf []float32) []float32 {
	if s.dtype == runtime.Float32 {
		return s.f32[off : off+n : off+n]
	}
	dst, src := buf[:n], s.u16[off:off+n]
	if s.dtype == runtime.Float16 {
		for i, h := range src {
			dst[i] = runtime.Float16ToFloat32(h)
		}
	} else {
		for i, h := range src {
			dst[i] = runtime.BFloat16ToFloat32(h)
		}
	}
	return dst
}

// target returns where a kernel computes the n output elements starting at
// off: the float32 storage itself, or buf for other dtypes. Hand the
// result to store once it is written.
func (s storage) target(off, n int, buf []float32) []float32 {
	if s.dtype == runtime.Float32 {
		return s.f32[off : off+n : off+n]
	}
	return buf[:n]
}

// store writes vals to the elements starting at off, rounding to the
// storage dtype. It does nothing for vals obtained from target on float32
// storage, which already are the elements.
func (s storage) store(off int, vals []float32) {
	switch s.dtype {
	case runtime.Float32:
		dst := s.f32[off : off+len(vals)]
		if &dst[0] != &vals[0] {
			copy(dst, vals)
		}
	case runtime.Float16:
		dst := s.u16[off : off+len(vals)]
		for i, v := range vals {
			dst[i] = runtime.Float32ToFloat16(v)
		}
	default:
		dst := s.u16[off : off+len(vals)]
		for i, v := range vals {
			dst[i] = runtime.Float32ToBFloat16(v)
		}
	}
}
