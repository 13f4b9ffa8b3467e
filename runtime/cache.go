package runtime

import (
	"encoding/binary"
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
// decision equals a fresh evaluation by construction. Enum, bool and float
// fields are kept exactly.

// The key is read straight from the Context's memory, a word at a time: a
// Context is 56 bytes, seven native-endian words (bytes 5..7 are padding):
//
//	[0]    op, platform, dtype, layout
//	[1..5] the ten int32 fields from Device to PPSize, two a word
//	[6]    dropout_p's bits, then the four bools
//
// These constants fail to compile if the layout of Context changes.
const (
	numIntFields = int(FieldPPSize-FieldDevice) + 1
	contextWords = 7
	metaBytes    = 5
)

var (
	_ = [1]struct{}{}[unsafe.Sizeof(Context{})-contextWords*8]
	_ = [1]struct{}{}[unsafe.Offsetof(Context{}.Layout)-4]
	_ = [1]struct{}{}[unsafe.Offsetof(Context{}.Device)-8]
	_ = [1]struct{}{}[unsafe.Offsetof(Context{}.PPSize)-unsafe.Offsetof(Context{}.Device)-uintptr(numIntFields-1)*4]
	_ = [1]struct{}{}[unsafe.Offsetof(Context{}.DropoutP)-48]
	_ = [1]struct{}{}[unsafe.Offsetof(Context{}.IsCausal)-52]
	_ = [1]struct{}{}[unsafe.Offsetof(Context{}.RequiresDeterministic)-55]
)

func (c *Context) intFields() *[numIntFields]int32 {
	return (*[numIntFields]int32)(unsafe.Pointer(&c.Device))
}

// words views c's memory as the key's words. A Context is only 4-byte
// aligned, so the view may be unaligned: fine for a pointer-free type on
// the 64-bit platforms lzgen serves (checkptr allows it too).
func (c *Context) words() *[contextWords]uint64 {
	return (*[contextWords]uint64)(unsafe.Pointer(c))
}

// littleEndian says how words() sees memory: which half of a word holds
// the first of two int32 fields, and where the first five bytes lie.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// byteMask returns the bits of a word that hold bytes [from, to) of its
// memory.
func byteMask(from, to int) uint64 {
	m := uint64(1)<<(8*(to-from)) - 1
	if to-from == 8 {
		m = ^uint64(0)
	}
	if littleEndian {
		return m << (8 * from)
	}
	return m << (8 * (8 - to))
}

// quantField is an integer field keyed by the interval it falls in.
type quantField struct {
	index  uint8 // into intFields
	word   uint8 // key word holding the field
	shift  uint8 // 0 or 32: the half of the word it occupies
	kind   boundsKind
	below  [maxFew]int64
	bounds []int32 // ascending thresholds
	table  []uint8 // tableBounds: the interval of bounds[0]+i, for i < bounds[last]-bounds[0]
}

// boundsKind picks how a field's interval is found: up to maxFew
// thresholds are counted without branches (one alone with a single
// compare); more are looked up in a table when they span at most maxTable
// values (as the thresholds of many rules on batch_size or head_dim do),
// else found by binary search.
type boundsKind uint8

const (
	manyBounds boundsKind = iota
	oneBound
	fewBounds
	tableBounds

	maxFew   = 4
	maxTable = 4096
)

// interval returns which interval v falls in: the number of thresholds <= v.
func (q *quantField) interval(v int32) uint64 {
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
func (q *quantField) lookupTable(v int32) uint64 {
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
func (q *quantField) count(v int32) uint64 {
	x := int64(v)
	return uint64(q.below[0]-x)>>63 + uint64(q.below[1]-x)>>63 + uint64(q.below[2]-x)>>63 + uint64(q.below[3]-x)>>63
}

// search is interval for more thresholds: a binary search.
func (q *quantField) search(v int32) uint64 {
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
	keep     [contextWords]uint64 // per key word: the bits kept exactly
	numQuant int
	quant    [numIntFields]quantField
}

// lowest stands for "below every threshold".
const lowest = math.MinInt32

// quantise returns the representative of c's class: the context decisions
// are computed from on a miss.
func (p *keyPlan) quantise(c *Context) Context {
	var k Context
	src, dst := c.words(), k.words()
	for w := range dst { // copy the kept bits, zero the rest
		dst[w] = src[w] & p.keep[w]
	}
	ints := k.intFields()
	for i := range p.numQuant {
		q := &p.quant[i]
		rep := int32(lowest)
		if n := q.interval(c.intFields()[q.index]); n > 0 {
			rep = q.bounds[n-1]
		}
		ints[q.index] = rep
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
	var plan keyPlan
	plan.keep[0] = byteMask(0, metaBytes)
	plan.keep[6] = byteMask(4, 8) // the bools
	if keepDropout {
		plan.keep[6] |= byteMask(0, 4)
	}
	for i := range numIntFields {
		word, half := 1+i/2, 4*(i%2)
		if exact[i] {
			plan.keep[word] |= byteMask(half, half+4)
			continue
		}
		shift := uint8(bits.TrailingZeros64(byteMask(half, half+4)))
		var bs []int32
		for _, b := range bounds[i] {
			// Only thresholds inside (MinInt32, MaxInt32] split int32 values.
			if b > math.MinInt32 && b <= math.MaxInt32 {
				bs = append(bs, int32(b))
			}
		}
		if len(bs) == 0 {
			continue // nothing reads the field: dropped
		}
		slices.Sort(bs)
		q := quantField{index: uint8(i), word: uint8(word), shift: shift, bounds: slices.Compact(bs)}
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
		plan.quant[plan.numQuant] = q
		plan.numQuant++
	}
	return plan
}

// cacheKey is a context with its plan applied: the kept bits of each word,
// with every quantised field replaced by its interval's number. It is
// lossless for the class.
type cacheKey [contextWords]uint64

// hashMul are the key words' odd multipliers (see cacheKey.hash).
var hashMul = [contextWords]uint64{0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
	0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB}

// lookup returns the candidates for c: from the decision cache, or
// evaluated and cached on a miss; nil for an op the registry does not have.
// It is the dispatch hot path, written as one function: the key is read a
// word at a time from c's memory, masked, and overlaid with the interval
// numbers of the quantised fields; it is compared with the op's most recent
// miss first and hashed only when that differs.
func (e *Engine) lookup(c *Context) (d *decision, cached bool) {
	s := e.snap.Load()
	if int(c.Op) >= len(s.plans) {
		return nil, false
	}
	p := &s.plans[c.Op]
	w := c.words()
	var key cacheKey // element by element: a composite literal is built, then copied with wider moves that stall store forwarding
	key[0], key[1], key[2], key[3], key[4], key[5], key[6] = w[0]&p.keep[0], w[1]&p.keep[1], w[2]&p.keep[2], w[3]&p.keep[3], w[4]&p.keep[4], w[5]&p.keep[5], w[6]&p.keep[6]
	ints := c.intFields()
	for i := range p.numQuant {
		q := &p.quant[i]
		var n uint64
		switch v := ints[q.index]; q.kind {
		case oneBound:
			n = uint64(q.below[0]-int64(v)) >> 63
		case fewBounds:
			n = q.count(v)
		case tableBounds:
			n = q.lookupTable(v)
		default:
			n = q.search(v)
		}
		key[q.word] |= n << (q.shift & 63)
	}
	if ent := s.recent[c.Op].Load(); ent != nil && ent.key.equal(&key) {
		return &ent.decision, true
	}
	h := key.hash()
	for i := range uint64(probeWindow) {
		ent := s.cache.slot(h, i)
		if ent == nil {
			break
		}
		if ent.key.equal(&key) {
			return &ent.decision, true
		}
	}
	return s.miss(e, p, c, &key, h), false
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

// decision is a cached, immutable candidate list.
type decision struct {
	ref      KernelID // the op's reference kernel, exempt from breakers and the attempt cap
	kernels  []KernelID
	sources  []string       // what put each kernel in the list, for Result.Source
	noKernel *NoKernelError // set when no kernel fits
}

// cacheEntry holds its decision by value, one load closer to a hit.
type cacheEntry struct {
	key cacheKey
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

// put publishes d under k, whose hash is h, and returns the cached entry:
// its own, or an equal one another goroutine published first.
func (dc *decisionCache) put(k *cacheKey, h uint64, d *decision) *cacheEntry {
	e := &cacheEntry{decision: *d, key: *k}
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
