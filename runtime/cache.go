package runtime

import (
	"math"
	"math/bits"
	"slices"
	"sync/atomic"
	"unsafe"
)

// The decision cache maps a quantised Context to the ordered candidate list.
//
// Quantising: each integer field of an op's context is either kept exactly,
// dropped (set to 0) because no constraint or rule of the op reads it, or
// replaced by the lower end of the interval it falls in between the
// thresholds that the op's constraints and the policy's conditions put on
// it. A threshold b means "a test may change its answer between b-1 and b",
// so every value of one interval gets the same answers, and the quantised
// context is itself a context of the same interval: decisions are computed
// from the key, never from the context that happened to miss first, so a
// cached decision equals a fresh evaluation by construction. Enum, bool and
// float fields are kept exactly.

// The ten int32 fields from Device to PPSize are contiguous, so quantising
// indexes them as an array; this constant fails to compile if the layout of
// Context changes.
const numIntFields = int(FieldPPSize-FieldDevice) + 1

var _ = [1]struct{}{}[unsafe.Offsetof(Context{}.PPSize)-unsafe.Offsetof(Context{}.Device)-uintptr(numIntFields-1)*4]

func (c *Context) intFields() *[numIntFields]int32 {
	return (*[numIntFields]int32)(unsafe.Pointer(&c.Device))
}

// quantField is an integer field keyed by the interval it falls in.
type quantField struct {
	index  uint8   // into intFields
	bounds []int32 // ascending thresholds
}

// keyPlan turns an op's contexts into cache keys.
type keyPlan struct {
	keep        [numIntFields]int32 // -1 for fields kept (exactly or quantised), 0 for dropped ones
	quant       []quantField
	dropDropout bool // no constraint or rule reads dropout_p
}

// lowest stands for "below every threshold".
const lowest = math.MinInt32

// quantise returns the representative of c's class: the context decisions
// are computed from on a miss.
func (p *keyPlan) quantise(c *Context) Context {
	k := *c
	ints := k.intFields()
	for i := range ints { // branch-free: drop the fields nothing reads
		ints[i] &= p.keep[i]
	}
	for i := range p.quant {
		q := &p.quant[i]
		v, rep := ints[q.index], int32(lowest)
		for _, b := range q.bounds {
			if v < b {
				break
			}
			rep = b
		}
		ints[q.index] = rep
	}
	if p.dropDropout {
		k.DropoutP = 0
	}
	return k
}

// planKeys builds op's key plan from its kernels' constraints and policy p
// (nil for none).
func planKeys(reg *Registry, op OpID, p *Policy) keyPlan {
	var exact [numIntFields]bool
	var bounds [numIntFields][]int64
	add := func(f Field, bs ...int64) { bounds[f-FieldDevice] = append(bounds[f-FieldDevice], bs...) }
	addRange := func(f Field, r Range) {
		if r.Min != 0 {
			add(f, int64(r.Min))
		}
		if r.Max != 0 {
			add(f, int64(r.Max)+1)
		}
	}
	keepDropout := false
	for _, k := range reg.Ops[op].Kernels {
		cs := &reg.Kernels[k].Constraints
		addRange(FieldSM, Range{Min: cs.MinSM, Max: cs.MaxSM})
		addRange(FieldHeadDim, cs.HeadDim)
		addRange(FieldSeqLenQ, cs.SeqLenQ)
		addRange(FieldSeqLenK, cs.SeqLenK)
		addRange(FieldBatchSize, cs.BatchSize)
		if cs.HeadDim.Multiple > 1 {
			exact[FieldHeadDim-FieldDevice] = true
		}
		if !cs.SupportsGQA { // IsGQA compares the two head counts with each other
			exact[FieldNumHeads-FieldDevice] = true
			exact[FieldNumKVHeads-FieldDevice] = true
		}
		keepDropout = keepDropout || !cs.SupportsDropout
	}
	if p != nil {
		for f := FieldDevice; f <= FieldPPSize; f++ {
			add(f, p.Thresholds(op, f)...)
			exact[f-FieldDevice] = exact[f-FieldDevice] || p.Exact(op, f)
		}
		keepDropout = keepDropout || len(p.Thresholds(op, FieldDropoutP)) > 0 || p.Exact(op, FieldDropoutP)
	}
	plan := keyPlan{dropDropout: !keepDropout}
	for i := range numIntFields {
		if exact[i] {
			plan.keep[i] = -1
			continue
		}
		q := quantField{index: uint8(i)}
		for _, b := range bounds[i] {
			// Only thresholds inside (MinInt32, MaxInt32] split int32 values.
			if b > math.MinInt32 && b <= math.MaxInt32 {
				q.bounds = append(q.bounds, int32(b))
			}
		}
		if len(q.bounds) == 0 {
			continue // nothing reads the field: dropped
		}
		slices.Sort(q.bounds)
		plan.keep[i] = -1
		plan.quant = append(plan.quant, quantField{index: q.index, bounds: slices.Compact(q.bounds)})
	}
	return plan
}

// cacheKey is a quantised context packed losslessly into words, so that a
// hit hashes and compares a few registers' worth of data:
//
//	[0] op, platform, dtype, layout, the four bools
//	[1..5] the ten int32 fields from Device to PPSize, two a word
//	[6] dropout_p's bits
type cacheKey [7]uint64

// packMeta packs the enum and bool fields into key word 0.
func packMeta(c *Context) uint64 {
	var flags uint64
	for i, b := range [...]bool{c.IsCausal, c.EnableGQA, c.IsCUDAGraphCapturing, c.RequiresDeterministic} {
		if b {
			flags |= 1 << i
		}
	}
	return uint64(c.Op) | uint64(c.Platform)<<16 | uint64(c.DType)<<24 | uint64(c.Layout)<<32 | flags<<40
}

// packKey packs an already quantised context.
func packKey(c *Context) cacheKey {
	key := cacheKey{0: packMeta(c), 6: uint64(math.Float32bits(c.DropoutP))}
	ints := c.intFields()
	for i := 0; i < numIntFields; i += 2 {
		key[1+i/2] = uint64(uint32(ints[i])) | uint64(uint32(ints[i+1]))<<32
	}
	return key
}

// keyOf writes packKey(p.quantise(c)) to key without building the quantised
// Context: the dispatch hot path.
func (p *keyPlan) keyOf(c *Context, key *cacheKey) {
	key[0] = packMeta(c)
	ints := c.intFields()
	for i := 0; i < numIntFields; i += 2 {
		key[1+i/2] = uint64(uint32(ints[i]&p.keep[i])) | uint64(uint32(ints[i+1]&p.keep[i+1]))<<32
	}
	for i := range p.quant {
		q := &p.quant[i]
		v, rep := ints[q.index], int32(lowest)
		for _, b := range q.bounds {
			if v < b {
				break
			}
			rep = b
		}
		shift := 32 * (q.index & 1)
		w := &key[1+q.index/2]
		*w = *w&^(0xFFFFFFFF<<shift) | uint64(uint32(rep))<<shift
	}
	key[6] = 0
	if !p.dropDropout {
		key[6] = uint64(math.Float32bits(c.DropoutP))
	}
}

// equal compares two keys without branching per word.
func (k *cacheKey) equal(o *cacheKey) bool {
	return (k[0]^o[0])|(k[1]^o[1])|(k[2]^o[2])|(k[3]^o[3])|(k[4]^o[4])|(k[5]^o[5])|(k[6]^o[6]) == 0
}

// hash mixes the key's words; the multiplications are independent so they
// pipeline.
func (k *cacheKey) hash() uint64 {
	h := k[0]*0x9E3779B97F4A7C15 ^ k[1]*0xC2B2AE3D27D4EB4F ^ k[2]*0x165667B19E3779F9 ^
		k[3]*0xD6E8FEB86659FD93 ^ k[4]*0xFF51AFD7ED558CCD ^ k[5]*0xC4CEB9FE1A85EC53 ^ k[6]*0x94D049BB133111EB
	return h ^ h>>29
}

// decision is a cached, immutable candidate list.
type decision struct {
	kernels  []KernelID
	sources  []string       // what put each kernel in the list, for Result.Source
	noKernel *NoKernelError // set when no kernel fits
}

type cacheEntry struct {
	key cacheKey
	d   *decision
}

// decisionCache is a fixed-size open-addressing table of immutable entries.
// A hit is atomic loads and a compare: no lock, no write. A miss publishes
// its entry with a compare-and-swap into the first free slot of its probe
// window, or replaces the window's first slot when the window is full, so
// the table never grows past its size.
type decisionCache struct {
	slots []atomic.Pointer[cacheEntry]
	mask  uint64
}

// probeWindow is how many slots a key may occupy.
const probeWindow = 8

func newDecisionCache(size int) *decisionCache {
	n := max(1<<bits.Len(uint(size-1)), probeWindow)
	return &decisionCache{slots: make([]atomic.Pointer[cacheEntry], n), mask: uint64(n - 1)}
}

func (dc *decisionCache) get(k *cacheKey, h uint64) *decision {
	for i := range uint64(probeWindow) {
		e := dc.slots[(h+i)&dc.mask].Load()
		if e == nil {
			return nil
		}
		if e.key.equal(k) {
			return e.d
		}
	}
	return nil
}

func (dc *decisionCache) put(k *cacheKey, h uint64, d *decision) {
	e := &cacheEntry{key: *k, d: d}
	for i := range uint64(probeWindow) {
		slot := &dc.slots[(h+i)&dc.mask]
		if slot.CompareAndSwap(nil, e) {
			return
		}
		if old := slot.Load(); old != nil && old.key.equal(k) {
			return // another goroutine published the same decision
		}
	}
	dc.slots[h&dc.mask].Store(e)
}

// len counts the entries, for tests and stats.
func (dc *decisionCache) len() int {
	n := 0
	for i := range dc.slots {
		if dc.slots[i].Load() != nil {
			n++
		}
	}
	return n
}
