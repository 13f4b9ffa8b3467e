package runtime

// Range bounds an integer context field. Zero Min, Max or Multiple means
// unbounded in that direction (or no alignment).
type Range struct {
	Min, Max, Multiple int32
}

// DTypeSet is a set of dtypes; the zero value accepts every dtype.
type DTypeSet uint8

// Has reports whether d is in the set (always true for the empty set).
func (s DTypeSet) Has(d DType) bool { return s == 0 || s&(1<<d) != 0 }

// With returns the set with d added.
func (s DTypeSet) With(d DType) DTypeSet { return s | 1<<d }

// LayoutSet is a set of layouts; the zero value accepts every layout.
type LayoutSet uint8

// Has reports whether l is in the set (always true for the empty set).
func (s LayoutSet) Has(l Layout) bool { return s == 0 || s&(1<<l) != 0 }

// With returns the set with l added.
func (s LayoutSet) With(l Layout) LayoutSet { return s | 1<<l }

// Constraints are a kernel's `when:` clause as data. The generated static
// dispatcher compiles the same clause into Go conditions; Check is the
// reference the engine, explanations and tests use.
type Constraints struct {
	Platform        Platform
	DTypes          DTypeSet
	Layouts         LayoutSet
	MinSM, MaxSM    int32
	HeadDim         Range
	SeqLenQ         Range
	SeqLenK         Range
	BatchSize       Range
	SupportsGQA     bool
	SupportsDropout bool
	CUDAGraphSafe   bool
	Deterministic   bool
}

// Check returns every reason the context violates the constraints; the
// empty set means the kernel may run. It never allocates.
func (k *Constraints) Check(c *Context) Reasons {
	var rs Reasons
	if c.Platform != k.Platform {
		rs = rs.With(PlatformMismatch)
	}
	if k.MinSM != 0 && c.SM < k.MinSM {
		rs = rs.With(SMTooOld)
	}
	if k.MaxSM != 0 && c.SM > k.MaxSM {
		rs = rs.With(SMTooNew)
	}
	if !k.DTypes.Has(c.DType) {
		rs = rs.With(DTypeUnsupported)
	}
	if !k.Layouts.Has(c.Layout) {
		rs = rs.With(LayoutUnsupported)
	}
	if k.HeadDim.Min != 0 && c.HeadDim < k.HeadDim.Min {
		rs = rs.With(HeadDimTooSmall)
	}
	if k.HeadDim.Max != 0 && c.HeadDim > k.HeadDim.Max {
		rs = rs.With(HeadDimTooLarge)
	}
	if k.HeadDim.Multiple > 1 && c.HeadDim%k.HeadDim.Multiple != 0 {
		rs = rs.With(HeadDimAlignment)
	}
	if (k.SeqLenQ.Min != 0 && c.SeqLenQ < k.SeqLenQ.Min) || (k.SeqLenK.Min != 0 && c.SeqLenK < k.SeqLenK.Min) {
		rs = rs.With(SeqTooShort)
	}
	if (k.SeqLenQ.Max != 0 && c.SeqLenQ > k.SeqLenQ.Max) || (k.SeqLenK.Max != 0 && c.SeqLenK > k.SeqLenK.Max) {
		rs = rs.With(SeqTooLong)
	}
	if k.BatchSize.Min != 0 && c.BatchSize < k.BatchSize.Min {
		rs = rs.With(BatchTooSmall)
	}
	if k.BatchSize.Max != 0 && c.BatchSize > k.BatchSize.Max {
		rs = rs.With(BatchTooLarge)
	}
	if !k.SupportsGQA && c.IsGQA() {
		rs = rs.With(GQAUnsupported)
	}
	if !k.SupportsDropout && c.DropoutP > 0 {
		rs = rs.With(DropoutUnsupported)
	}
	if !k.CUDAGraphSafe && c.IsCUDAGraphCapturing {
		rs = rs.With(NotCUDAGraphSafe)
	}
	if !k.Deterministic && c.RequiresDeterministic {
		rs = rs.With(NonDeterministic)
	}
	return rs
}

// IsGQA reports whether the call is grouped-query attention: requested
// explicitly, or fewer KV heads than query heads.
func (c *Context) IsGQA() bool {
	return c.EnableGQA || (c.NumKVHeads != 0 && c.NumKVHeads != c.NumHeads)
}

// constraintRange returns the kernel's bounds on an integer field (zero
// bounds mean none) and its required multiple.
func constraintRange(k *Constraints, f Field) (lo, hi, multiple int32) {
	switch f {
	case FieldSM:
		return k.MinSM, k.MaxSM, 0
	case FieldHeadDim:
		return k.HeadDim.Min, k.HeadDim.Max, k.HeadDim.Multiple
	case FieldSeqLenQ:
		return k.SeqLenQ.Min, k.SeqLenQ.Max, 0
	case FieldSeqLenK:
		return k.SeqLenK.Min, k.SeqLenK.Max, 0
	case FieldBatchSize:
		return k.BatchSize.Min, k.BatchSize.Max, 0
	}
	return 0, 0, 0
}
