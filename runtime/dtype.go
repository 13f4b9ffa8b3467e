package runtime

import (
	"fmt"
	"math"
)

// DType is the element type of a tensor's storage.
type DType uint8

// The storage types lzgen kernels understand. Kernels accumulate in float32
// whatever the storage type.
const (
	DTypeInvalid DType = iota
	Float32
	Float16
	BFloat16
	numDTypes
)

var dtypeNames = [...]string{"invalid", "float32", "float16", "bfloat16"}

// String returns the manifest spelling of the dtype ("float32", "float16", "bfloat16").
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size returns the number of bytes one element occupies.
func (d DType) Size() int {
	switch d {
	case Float32:
		return 4
	case Float16, BFloat16:
		return 2
	}
	return 0
}

// ParseDType maps a manifest or rules spelling to a DType. It accepts the
// canonical names and the common aliases fp32, fp16, bf16, half, float.
func ParseDType(s string) (DType, bool) {
	switch s {
	case "float32", "fp32", "float", "f32":
		return Float32, true
	case "float16", "fp16", "half", "f16":
		return Float16, true
	case "bfloat16", "bf16":
		return BFloat16, true
	}
	return DTypeInvalid, false
}

// DTypeNames lists the canonical dtype spellings in DType order.
func DTypeNames() []string { return append([]string(nil), dtypeNames[1:]...) }

// Float32ToFloat16 converts f to IEEE 754 binary16 bits, rounding to nearest even.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp > 142: // overflow: 127+15
		return sign | 0x7c00
	case exp < 102: // below half the smallest subnormal: rounds to zero
		return sign
	case exp < 113: // subnormal half
		mant |= 0x800000
		shift := uint32(126 - exp)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(exp-112)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, which is the correct rounding
	}
	return sign | uint16(half)
}

// Float16ToFloat32 converts IEEE 754 binary16 bits to float32 exactly.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: normalise
		e := uint32(113)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// Float32ToBFloat16 converts f to bfloat16 bits, rounding to nearest even.
func Float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it a quiet NaN
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// BFloat16ToFloat32 converts bfloat16 bits to float32 exactly.
func BFloat16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
