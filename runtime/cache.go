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
// dropped because no constraint or rule of the op reads it, or keyed by the
// interval it falls in between the thresholds that the op's constraints and
// the policy's conditions put on it. A threshold b means "a test may change
// its answer between b-1 and b", so every value of one interval gets the
// same answers. The representative of an interval (its lower end) lies in
// the interval itself, so the quantised context keys to the same entry as
// every context of its class: decisions are computed from the quantised
// context, never from the context that happened to miss first, so a cached
// decision equals a fresh evaluation by construction. Enums and bools are
// kept exactly; dropout_p exactly when rules read it, else only whether it
// is positive.

// The key is packed per op from the fields that op can be decided by, each
// read at its own width (a word-wide read of a context that was just built
// field by field would stall on store forwarding):
//
//	word 0:  op, platform, dtype, layout, the four bools (bits 0..43) and
//	         whether dropout_p > 0 (bit 44: kernels test only that)
//	word 1+: each kept integer field's interval number, in as few bits as
//	         its thresholds need, or its 32 bits when kept exactly
//
// Parts are placed widest first into the first word with room, so most
// ops' keys fit narrowWords words and a hit compares just those; the rest
// stay exact with up to keyWords words.
const (
	numKeyFields = int(FieldDropoutP-FieldDevice) + 1 // the ten int32 fields, then dropout_p's bits
	keyWords     = 1 + (numKeyFields*32+63)/64        // word 0, then every field kept exactly
	narrowWords  = 2
	dropoutBit   = 44
)

var _ = [1]struct{}{}[unsafe.Offsetof(Context{}.DropoutP)-unsafe.Offsetof(Context{}.Device)-uintptr(numKeyFields-1)*4]

// keyFields views the integer fields and dropout_p's bits as int32s, in
// Field order from FieldDevice.
func (c *Context) keyFields() *[numKeyFields]int32 {
	return (*[numKeyFields]int32)(unsafe.Pointer(&c.Device))
}

// bit is 1 for true.
func bit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// keyPart is one integer field's share of the key: its interval number,
// or its exact bits.
type keyPart struct {
	index  uint8 // into keyFields
	word   uint8 // key word holding the part
	shift  uint8 // its lowest bit in that word
	width  uint8 // bits it occupies
	kind   partKind
	below  [maxFew]int64
	bounds []int32 // ascending thresholds
	table  []uint8 // tableBounds: the interval of bounds[0]+i, for i < bounds[last]-bounds[0]
}

// partKind picks how a part is computed: exact fields keep their 32 bits;
// up to maxFew thresholds are counted without branches (one alone with a
// single compare); more are looked up in a table when they span at most
// maxTable values (as the thresholds of many rules on batch_size or
// head_dim do), else found by binary search.
type partKind uint8

const (
	manyBounds partKind = iota
	oneBound
	fewBounds
	tableBounds
	exactBits

	maxFew   = 4
	maxTable = 4096
)

// interval returns which interval v falls in: the number of thresholds <= v.
func (q *keyPart) interval(v int32) uint64 {
	switch q.kind {
	case manyBounds:
		return q.search(v)
	case tableBounds:
		return q.lookupTable(v)
	}
	return q.count(v)
}

// lookupTable is interval for tableBounds: values below the first
// threshold are interval 0, values from the last on the last interval, and
// the ones between are read from the table.
func (q *keyPart) lookupTable(v int32) uint64 {
	i := int64(v) - int64(q.bounds[0])
	if uint64(i) < uint64(len(q.table)) {
		return uint64(q.table[i])
	}
	if i < 0 {
		return 0
	}
	return uint64(len(q.bounds))
}

// count is interval for at most maxFew thresholds, without branches:
// below[i] is threshold-1 (MaxInt32 in unused slots), and v exceeds it
// exactly when below[i]-v is negative.
func (q *keyPart) count(v int32) uint64 {
	x := int64(v)
	return uint64(q.below[0]-x)>>63 + uint64(q.below[1]-x)>>63 + uint64(q.below[2]-x)>>63 + uint64(q.below[3]-x)>>63
}

// search is interval for more thresholds: a binary search.
func (q *keyPart) search(v int32) uint64 {
	lo, n := 0, len(q.bounds)
	for n > 0 {
		half := n / 2
		if q.bounds[lo+half] <= v {
			lo, n = lo+half+1, n-half-1
		} else {
			n = half
		}
	}
	return uint64(lo)
}

// keyPlan turns an op's contexts into cache keys. It holds everything
// inline, so a lookup reaches it in one load from the snapshot.
type keyPlan struct {
	meta     uint64 // the bits of word 0 kept (enumKey|flagKey)
	narrow   bool   // every part lies in the first narrowWords words
	numParts int
	parts    [numKeyFields]keyPart
}

// lowest stands for "below every threshold".
const lowest = math.MinInt32

// quantise returns the representative of c's class: the context decisions
// are computed from on a miss. It has c's key.
func (p *keyPlan) quantise(c *Context) Context {
	k := Context{Op: c.Op, Platform: c.Platform, DType: c.DType, Layout: c.Layout, IsCausal: c.IsCausal,
		EnableGQA: c.EnableGQA, IsCUDAGraphCapturing: c.IsCUDAGraphCapturing, RequiresDeterministic: c.RequiresDeterministic}
	if p.meta&(1<<dropoutBit) != 0 && c.DropoutP > 0 {
		k.DropoutP = 1
	}
	src, dst := c.keyFields(), k.keyFields()
	for i := range p.numParts {
		q := &p.parts[i]
		if q.kind == exactBits {
			dst[q.index] = src[q.index]
			continue
		}
		rep := int32(lowest)
		if n := q.interval(src[q.index]); n > 0 {
			rep = q.bounds[n-1]
		}
		dst[q.index] = rep
	}
	return k
}

// planKeys builds op's key plan from its kernels' constraints and policy p
// (nil for none).
func planKeys(reg *Registry, op OpID, p *Policy) keyPlan {
	var exact [numKeyFields]bool
	var bounds [numKeyFields][]int64
	add := func(f Field, bs ...int64) { bounds[f-FieldDevice] = append(bounds[f-FieldDevice], bs...) }
	var plan keyPlan
	plan.meta = 1<<dropoutBit - 1
	readsDropout := false
	for _, k := range reg.Ops[op].Kernels {
		cs := &reg.Kernels[k].Constraints
		for f := FieldDevice; f <= FieldPPSize; f++ {
			lo, hi, multiple := constraintRange(cs, f)
			if lo != 0 {
				add(f, int64(lo))
			}
			if hi != 0 {
				add(f, int64(hi)+1)
			}
			if multiple > 1 { // alignment is not monotone: key the exact value
				exact[f-FieldDevice] = true
			}
		}
		if !cs.SupportsGQA { // IsGQA compares the two head counts with each other
			exact[FieldNumHeads-FieldDevice] = true
			exact[FieldNumKVHeads-FieldDevice] = true
		}
		readsDropout = readsDropout || !cs.SupportsDropout
	}
	if readsDropout {
		plan.meta |= 1 << dropoutBit
	}
	if p != nil {
		for f := FieldDevice; f <= FieldPPSize; f++ {
			add(f, p.Thresholds(op, f)...)
			exact[f-FieldDevice] = exact[f-FieldDevice] || p.Exact(op, f)
		}
		// Rules compare dropout_p in millionths: keep its bits.
		exact[FieldDropoutP-FieldDevice] = len(p.Thresholds(op, FieldDropoutP)) > 0 || p.Exact(op, FieldDropoutP)
	}
	for i := range numKeyFields {
		q := keyPart{index: uint8(i), kind: exactBits, width: 32}
		if !exact[i] {
			if q = quantPart(i, bounds[i]); q.width == 0 {
				continue // nothing reads the field: dropped
			}
		}
		plan.parts[plan.numParts] = q
		plan.numParts++
	}
	plan.place()
	return plan
}

// quantPart keys field i by the interval it falls in between bounds; its
// width is 0 when no bound splits int32 values, and it is exact when the
// interval numbers would need more bits than the field.
func quantPart(i int, bounds []int64) keyPart {
	var bs []int32
	for _, b := range bounds {
		// Only thresholds inside (MinInt32, MaxInt32] split int32 values.
		if b > math.MinInt32 && b <= math.MaxInt32 {
			bs = append(bs, int32(b))
		}
	}
	if len(bs) == 0 {
		return keyPart{}
	}
	slices.Sort(bs)
	q := keyPart{index: uint8(i), bounds: slices.Compact(bs)}
	if q.width = uint8(bits.Len(uint(len(q.bounds)))); q.width >= 32 {
		return keyPart{index: uint8(i), kind: exactBits, width: 32}
	}
	switch first, last := q.bounds[0], q.bounds[len(q.bounds)-1]; {
	case len(q.bounds) <= maxFew:
		q.kind = fewBounds
		if len(q.bounds) == 1 {
			q.kind = oneBound
		}
		for j := range q.below {
			q.below[j] = math.MaxInt32
			if j < len(q.bounds) {
				q.below[j] = int64(q.bounds[j]) - 1
			}
		}
	case len(q.bounds) <= math.MaxUint8 && int64(last)-int64(first) <= maxTable:
		q.kind = tableBounds
		q.table = make([]uint8, int64(last)-int64(first))
		n := uint8(0)
		for j := range q.table {
			if int64(first)+int64(j) >= int64(q.bounds[n]) {
				n++ // passed bounds[n]; bounds[0] is first, so j == 0 passes it
			}
			q.table[j] = n
		}
	}
	return q
}

// place packs the parts into the key's words from word 1 on, widest
// first, each into the first word with room, and notes whether the key is
// narrow.
func (p *keyPlan) place() {
	parts := p.parts[:p.numParts]
	slices.SortStableFunc(parts, func(a, b keyPart) int { return int(b.width) - int(a.width) })
	var used [keyWords]uint8
	p.narrow = true
	for i := range parts {
		q := &parts[i]
		w := 1
		for int(used[w])+int(q.width) > 64 {
			w++
		}
		q.word, q.shift = uint8(w), used[w]
		used[w] += q.width
		p.narrow = p.narrow && w < narrowWords
	}
}

// cacheKey is a context with its plan applied: lossless for the class.
// Words past a narrow plan's first narrowWords are zero.
type cacheKey [keyWords]uint64

// hashMul are the key words' odd multipliers (see cacheKey.hash).
var hashMul = [keyWords]uint64{0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
	0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB}

// lookup returns the candidates for c: from the decision cache, or
// evaluated and cached on a miss; nil for an op the registry does not have.
// It is the dispatch hot path, written as one function. The op's most
// recent miss is checked first, without packing a key: c's word 0 must be
// the entry's and each of c's other key fields must lie in the entry's
// range for it, one subtract and compare a field, whatever the kind of its
// part. A run of calls in one class, as in a decode loop, takes only that
// path.
func (e *Engine) lookup(c *Context) (d *decision, cached bool) {
	s := e.snap.Load()
	if int(c.Op) >= len(s.recent) {
		return nil, false
	}
	ent := s.recent[c.Op].Load()
	if ent == nil || (c.enumKey()|c.flagKey())&ent.meta != ent.key[0] {
		return s.find(e, c)
	}
	vals := c.keyFields()
	for i := range ent.numRanges {
		if r := &ent.ranges[i]; uint32(vals[r.index])-r.lo > r.width {
			return s.find(e, c)
		}
	}
	return &ent.decision, true
}

// enumKey and flagKey pack word 0 of c's key before the plan's mask: the
// enums, then the bools and whether dropout_p > 0. Each inlines.
func (c *Context) enumKey() uint64 {
	return uint64(c.Op) | uint64(c.Platform)<<16 | uint64(c.DType)<<24 | uint64(c.Layout)<<32
}

func (c *Context) flagKey() uint64 {
	return bit(c.IsCausal)<<40 | bit(c.EnableGQA)<<41 | bit(c.IsCUDAGraphCapturing)<<42 | bit(c.RequiresDeterministic)<<43 |
		bit(c.DropoutP > 0)<<dropoutBit
}

// find is lookup past the recent entry: it packs c's key, compares it with
// the entries of its probe window (just narrowWords words for a narrow
// plan: word 0 holds the op, so an entry that agrees on it has the same
// plan and zeros past them), and evaluates on a miss.
func (s *snapshot) find(e *Engine, c *Context) (d *decision, cached bool) {
	p := &s.plans[c.Op]
	key := p.key(c)
	h := key.hash()
	for i := range uint64(probeWindow) {
		ent := s.cache.slot(h, i)
		if ent == nil {
			break
		}
		if ent.key.matches(&key, p.narrow) {
			return &ent.decision, true
		}
	}
	return s.miss(e, p, c, &key, h), false
}

// key packs c's key.
func (p *keyPlan) key(c *Context) cacheKey {
	var key cacheKey
	key[0] = (c.enumKey() | c.flagKey()) & p.meta
	vals := c.keyFields()
	for i := range p.numParts {
		q := &p.parts[i]
		var n uint64
		if q.kind == exactBits {
			n = uint64(uint32(vals[q.index]))
		} else {
			n = q.interval(vals[q.index])
		}
		key[q.word] |= n << (q.shift & 63)
	}
	return key
}

// class returns the ranges of the key fields of c's class, for the check
// of lookup's recent path.
func (p *keyPlan) class(c *Context) class {
	cl := class{meta: p.meta, numRanges: uint8(p.numParts)}
	vals := c.keyFields()
	for i := range p.numParts {
		q := &p.parts[i]
		r := &cl.ranges[i]
		r.index = q.index
		if q.kind == exactBits {
			r.lo = uint32(vals[q.index])
			continue
		}
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		n := q.interval(vals[q.index])
		if n > 0 {
			lo = int64(q.bounds[n-1])
		}
		if n < uint64(len(q.bounds)) {
			hi = int64(q.bounds[n]) - 1
		}
		r.lo, r.width = uint32(int32(lo)), uint32(hi-lo)
	}
	return cl
}

// class is the set of contexts that share a key: those whose word 0, under
// meta, is the key's, and whose key fields lie in the ranges.
type class struct {
	meta      uint64
	numRanges uint8
	ranges    [numKeyFields]fieldRange
}

// fieldRange holds the values lo..lo+width of key field index, in uint32
// arithmetic: v is in it exactly when uint32(v)-lo <= width.
type fieldRange struct {
	lo, width uint32
	index     uint8
}

// hash mixes every key bit into the high bits, which pick the slot: the
// wrapping sum of word×multiplier.
func (k *cacheKey) hash() uint64 {
	return k[0]*hashMul[0] + k[1]*hashMul[1] + k[2]*hashMul[2] + k[3]*hashMul[3] + k[4]*hashMul[4] + k[5]*hashMul[5] + k[6]*hashMul[6]
}

// equal compares two keys without branching per word.
func (k *cacheKey) equal(o *cacheKey) bool {
	return (k[0]^o[0])|(k[1]^o[1])|(k[2]^o[2])|(k[3]^o[3])|(k[4]^o[4])|(k[5]^o[5])|(k[6]^o[6]) == 0
}

// matches is equal for a key o of a narrow plan or not.
func (k *cacheKey) matches(o *cacheKey, narrow bool) bool {
	if narrow {
		return (k[0]^o[0])|(k[1]^o[1]) == 0
	}
	return k.equal(o)
}

// decision is a cached, immutable candidate list.
type decision struct {
	ref      KernelID // the op's reference kernel, exempt from breakers and the attempt cap
	kernels  []KernelID
	sources  []string       // what put each kernel in the list, for Result.Source
	noKernel *NoKernelError // set when no kernel fits
}

// cacheEntry holds its class and decision by value, one load closer to a
// hit.
type cacheEntry struct {
	key cacheKey
	class
	decision
}

// decisionCache is a fixed-size open-addressing table of immutable entries.
// A hit is atomic loads and a compare: no lock, no write. A miss publishes
// its entry with a compare-and-swap into the first free slot of its probe
// window, or replaces the window's first slot when the window is full, so
// the table never grows past its size.
type decisionCache struct {
	slots []atomic.Pointer[cacheEntry]
	mask  uint64
	shift uint8 // 64 - log2(len(slots)): a hash's top bits are its home slot
}

// probeWindow is how many slots a key may occupy.
const probeWindow = 8

func newDecisionCache(size int) decisionCache {
	n := max(1<<bits.Len(uint(size-1)), probeWindow)
	return decisionCache{slots: make([]atomic.Pointer[cacheEntry], n), mask: uint64(n - 1), shift: uint8(64 - bits.TrailingZeros(uint(n)))}
}

// slot returns the entry in the i-th slot of hash h's probe window, or nil.
func (dc *decisionCache) slot(h, i uint64) *cacheEntry {
	return dc.slots[(h>>(dc.shift&63)+i)&dc.mask].Load()
}

// put publishes d under k, whose hash is h and class cl, and returns the
// cached entry: its own, or an equal one another goroutine published first.
func (dc *decisionCache) put(k *cacheKey, h uint64, cl *class, d *decision) *cacheEntry {
	e := &cacheEntry{key: *k, class: *cl, decision: *d}
	for i := range uint64(probeWindow) {
		slot := &dc.slots[(h>>(dc.shift&63)+i)&dc.mask]
		if slot.CompareAndSwap(nil, e) {
			return e
		}
		if old := slot.Load(); old != nil && old.key.equal(k) {
			return old
		}
	}
	dc.slots[h>>(dc.shift&63)&dc.mask].Store(e)
	return e
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
