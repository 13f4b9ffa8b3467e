package runtime

// contradiction looks for a field whose conditions no value satisfies: on
// their own (self) or together with the rule kernel's constraints. Fields
// tested by text conditions on numbers are skipped: their satisfying
// values cannot be enumerated.
func contradiction(reg *Registry, r *rule) (f Field, self, found bool) {
	kern := &reg.Kernels[r.kernel]
	var tested, text uint32
	for _, cd := range r.conditions {
		tested |= 1 << cd.field
		if cd.exact() {
			text |= 1 << cd.field
		}
	}
	for f := range NumFields {
		if tested&^text&(1<<f) == 0 {
			continue
		}
		alone, withKernel := false, false
		for _, v := range candidateValues(reg, kern, r.conditions, f) {
			if conditionsHold(r.conditions, f, v) {
				alone = true
				withKernel = withKernel || constraintAllows(kern, f, v)
			}
		}
		if !withKernel {
			return f, !alone, true
		}
	}
	return 0, false, false
}

// conditionsHold reports whether every condition on f accepts value v.
func conditionsHold(conds []condition, f Field, v int64) bool {
	var c Context
	c.SetInt(f, v)
	for i := range conds {
		if conds[i].field == f && !conds[i].holds(&c) {
			return false
		}
	}
	return true
}

// candidateValues returns values of f that represent every region where the
// conditions and the kernel's constraints on f are constant: all values of
// an enum or bool, else the boundaries, their neighbours and, for head_dim,
// the nearest multiples of the kernel's alignment.
func candidateValues(reg *Registry, kern *KernelInfo, conds []condition, f Field) []int64 {
	if k := f.Kind(); k == KindEnum || k == KindBool {
		vs := make([]int64, fieldCardinality(reg, f))
		for i := range vs {
			vs[i] = int64(i)
		}
		return vs
	}
	bounds := []int64{0}
	for i := range conds {
		if conds[i].field == f {
			bounds = conds[i].thresholds(bounds)
		}
	}
	lo, hi, multiple := constraintRange(&kern.Constraints, f)
	bounds = append(bounds, int64(lo), int64(hi)+1)
	var vs []int64
	for _, b := range bounds {
		for _, v := range []int64{b - 1, b} {
			vs = append(vs, v)
			if m := int64(multiple); m > 1 {
				vs = append(vs, v-v%m, v-v%m+m)
			}
		}
	}
	return vs
}

// constraintAllows reports whether the kernel's constraints accept value v
// of field f, all else being acceptable: Constraints.Check projected on one
// field.
func constraintAllows(kern *KernelInfo, f Field, v int64) bool {
	k := &kern.Constraints
	switch f {
	case FieldOp:
		return v == int64(kern.Op)
	case FieldPlatform:
		return v == int64(k.Platform)
	case FieldDType:
		return v >= 0 && v < int64(numDTypes) && k.DTypes.Has(DType(v))
	case FieldLayout:
		return v >= 0 && v < int64(numLayouts) && k.Layouts.Has(Layout(v))
	case FieldEnableGQA:
		return k.SupportsGQA || v == 0
	case FieldDropoutP:
		return k.SupportsDropout || v <= 0
	case FieldIsCUDAGraphCapturing:
		return k.CUDAGraphSafe || v == 0
	case FieldRequiresDeterministic:
		return k.Deterministic || v == 0
	}
	lo, hi, multiple := constraintRange(k, f)
	return (lo == 0 || v >= int64(lo)) && (hi == 0 || v <= int64(hi)) && (multiple <= 1 || v%int64(multiple) == 0)
}

// covers reports whether k accepts every context that other accepts, so a
// lock on k leaves a rule for other nothing to choose first.
func (k *Constraints) covers(other *Constraints) bool {
	return k.Platform == other.Platform &&
		setCovers(uint64(k.DTypes), uint64(other.DTypes)) && setCovers(uint64(k.Layouts), uint64(other.Layouts)) &&
		boundsCover(k.MinSM, k.MaxSM, other.MinSM, other.MaxSM) &&
		rangeCovers(k.HeadDim, other.HeadDim) && rangeCovers(k.SeqLenQ, other.SeqLenQ) &&
		rangeCovers(k.SeqLenK, other.SeqLenK) && rangeCovers(k.BatchSize, other.BatchSize) &&
		(k.SupportsGQA || !other.SupportsGQA) && (k.SupportsDropout || !other.SupportsDropout) &&
		(k.CUDAGraphSafe || !other.CUDAGraphSafe) && (k.Deterministic || !other.Deterministic)
}

// setCovers reports whether set a holds every member of b; zero sets hold everything.
func setCovers(a, b uint64) bool { return a == 0 || (b != 0 && b&^a == 0) }

// boundsCover reports whether [lo, hi] contains [otherLo, otherHi]; zero means unbounded.
func boundsCover(lo, hi, otherLo, otherHi int32) bool {
	return (lo == 0 || (otherLo != 0 && otherLo >= lo)) && (hi == 0 || (otherHi != 0 && otherHi <= hi))
}

// rangeCovers is boundsCover plus alignment: other's multiple must be a multiple of r's.
func rangeCovers(r, other Range) bool {
	return boundsCover(r.Min, r.Max, other.Min, other.Max) &&
		(r.Multiple <= 1 || (other.Multiple > 0 && other.Multiple%r.Multiple == 0))
}
