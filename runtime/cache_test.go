package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

const cacheTestRules = `version: "1.0"
dispatch_rules:
  - operation: attention.causal
    kernel: slow
    priority: 100
    conditions: {seq_len_gt: 2048, batch_size_in: [3, 5]}
  - operation: attention.causal
    kernel: medium
    priority: 90
    conditions: {num_heads_lte: 4, tp_size_ne: 2}
  - operation: "attention.*"
    kernel: slow
    conditions: {seq_len_k_regex: "^1"}
  - operation: norm.rms
    kernel: rms_fast
    conditions: {device_gte: 1}
`

// interesting values sit on and around the thresholds of testRegistry,
// randomRegistry and cacheTestRules, plus a few arbitrary ones.
var interesting = []int32{0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 63, 64, 65, 100, 127, 128, 129, 136, 2047, 2048, 2049, 4095, 4096, 4097, 8192, 8193, 12345}

func randomInt(r *rand.Rand) int32 {
	if r.IntN(8) == 0 {
		return r.Int32N(20000) - 100
	}
	return interesting[r.IntN(len(interesting))]
}

func randomContext(r *rand.Rand, reg *Registry) Context {
	c := Context{
		Op:                    OpID(r.IntN(len(reg.Ops))),
		Platform:              Platform(r.IntN(int(numPlatforms))),
		DType:                 DType(r.IntN(int(numDTypes))),
		Layout:                Layout(r.IntN(int(numLayouts))),
		SM:                    []int32{0, 70, 75, 80, 86, 90, 100}[r.IntN(7)],
		IsCausal:              r.IntN(2) == 0,
		EnableGQA:             r.IntN(4) == 0,
		IsCUDAGraphCapturing:  r.IntN(4) == 0,
		RequiresDeterministic: r.IntN(4) == 0,
		DropoutP:              []float32{0, 0, 0.1, 1e-7}[r.IntN(4)],
	}
	ints := c.keyFields()
	for i := range ints[:FieldPPSize-FieldDevice+1] {
		if i != int(FieldSM-FieldDevice) {
			ints[i] = randomInt(r)
		}
	}
	return c
}

// randomRegistry is testRegistry with every kernel's constraints redrawn.
func randomRegistry(r *rand.Rand) *Registry {
	reg := testRegistry()
	rng := func() Range {
		var rg Range
		if r.IntN(2) == 0 {
			rg.Min = interesting[r.IntN(len(interesting))]
		}
		if r.IntN(2) == 0 {
			rg.Max = interesting[r.IntN(len(interesting))]
		}
		if r.IntN(4) == 0 {
			rg.Multiple = []int32{2, 8, 16}[r.IntN(3)]
		}
		return rg
	}
	for i := range reg.Kernels {
		k := &reg.Kernels[i]
		k.Constraints = Constraints{
			Platform:        k.Backend,
			DTypes:          DTypeSet(r.IntN(16)) &^ 1,
			Layouts:         LayoutSet(r.IntN(32)),
			MinSM:           []int32{0, 0, 75, 80}[r.IntN(4)],
			MaxSM:           []int32{0, 0, 86, 90}[r.IntN(4)],
			HeadDim:         rng(),
			SeqLenQ:         rng(),
			SeqLenK:         rng(),
			BatchSize:       rng(),
			SupportsGQA:     r.IntN(2) == 0,
			SupportsDropout: r.IntN(2) == 0,
			CUDAGraphSafe:   r.IntN(2) == 0,
			Deterministic:   r.IntN(2) == 0,
		}
	}
	return reg
}

func sameDecision(a, b *decision) bool {
	if !slices.Equal(a.kernels, b.kernels) || !slices.Equal(a.sources, b.sources) || (a.noKernel == nil) != (b.noKernel == nil) {
		return false
	}
	return a.noKernel == nil || slices.Equal(a.noKernel.Rejections, b.noKernel.Rejections)
}

// TestCachedDecisionEqualsFullEvaluation checks the quantised cache key over
// random registries, a rules policy and many random contexts: the decision
// computed from the key equals the one computed from the context, and a
// dispatch runs the first candidate of the full evaluation.
func TestCachedDecisionEqualsFullEvaluation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 40 {
		reg := randomRegistry(r)
		if round == 0 {
			reg = testRegistry()
		}
		if round%2 == 1 {
			SetCUDAAvailable(true)
		}
		var opts []Option
		if round%4 < 2 {
			reg.Policy = cacheTestRules
		}
		e, err := NewEngine(reg, append(opts, WithMode(ModeDynamic), WithLogger(nil), WithCacheSize(64))...)
		SetCUDAAvailable(false)
		if err != nil {
			t.Fatal(err)
		}
		if round%2 == 1 {
			SetCUDAAvailable(true)
		}
		s := e.snap.Load()
		ks := &kernels{}
		hits := 0
		var recent []Context
		for range 2000 {
			c := randomContext(r, reg)
			if len(recent) > 0 && r.IntN(2) == 0 { // revisit: a hit, or a near miss in the same intervals
				c2 := recent[r.IntN(len(recent))]
				c2.SeqLenK = c.SeqLenK
				c = c2
			}
			recent = append(recent, c)
			if len(recent) > 32 {
				recent = recent[1:]
			}
			plan := &s.plans[c.Op]
			key := plan.quantise(&c)
			// The representative keys to the class's entry: right after
			// c's lookup (a hit or a miss that cached it), key's is a hit
			// on the same decision.
			d, _ := e.lookup(&c)
			if dk, hit := e.lookup(&key); !hit || dk != d {
				t.Fatalf("round %d: quantise(%+v) = %+v keys apart from the context", round, c, key)
			}
			full, cached := e.decide(s.policy, &c), e.decide(s.policy, &key)
			if !sameDecision(full, cached) {
				t.Fatalf("round %d: context %+v\nkey %+v\nfull %v %v\nkeyed %v %v", round, c, key, full.kernels, full.noKernel, cached.kernels, cached.noKernel)
			}
			var res Result
			err := ks.dispatch(e, c, &res)
			if (err == nil) != (full.noKernel == nil) || (err == nil && res.Kernel != full.kernels[0]) {
				t.Fatalf("round %d: context %+v: dispatch ran %s (err %v), full evaluation says %v", round, c, res.KernelName, err, full.kernels)
			}
			if res.Cached {
				hits++
			}
		}
		SetCUDAAvailable(false)
		if hits == 0 {
			t.Fatalf("round %d: no cache hits in 2000 dispatches", round)
		}
		if n := s.cache.len(); n > 64 {
			t.Fatalf("cache holds %d entries, bound is 64", n)
		}
	}
}

func TestKeyDropsFieldsNoKernelReads(t *testing.T) {
	reg := testRegistry()
	plan := planKeys(reg, 1, nil) // norm.rms: only batch_size >= 16 matters
	a, b := Context{Op: 1, BatchSize: 20, SeqLenK: 7, HeadDim: 64, TPSize: 2}, Context{Op: 1, BatchSize: 9000, SeqLenK: 99, HeadDim: 128}
	if plan.quantise(&a) != plan.quantise(&b) {
		t.Fatalf("keys differ: %+v vs %+v", plan.quantise(&a), plan.quantise(&b))
	}
	c := Context{Op: 1, BatchSize: 15}
	if plan.quantise(&a) == plan.quantise(&c) {
		t.Fatal("batch sizes on either side of 16 must key apart")
	}
	if plan.narrow { // num_heads and num_kv_heads kept exactly (IsGQA), and the interval: 65 bits past word 0
		t.Error("norm.rms without GQA support keys two fields exactly and one interval: its key cannot be narrow")
	}
	for _, k := range reg.Ops[1].Kernels {
		reg.Kernels[k].Constraints.SupportsGQA = true
	}
	if gqa := planKeys(reg, 1, nil); !gqa.narrow || gqa.numParts != 1 {
		t.Errorf("norm.rms with GQA support keys only batch_size's interval: narrow %v, %d parts", gqa.narrow, gqa.numParts)
	}
	// Decode steps: seq_len_k changes every call but stays in one interval.
	attn := planKeys(reg, 0, nil)
	if attn.narrow { // head_dim, num_heads and num_kv_heads kept exactly: 96 bits past word 0
		t.Error("attention.causal keys three fields exactly: its key cannot be narrow")
	}
	first := attnCtx()
	for n := int32(1); n <= 4096; n += 97 {
		step := attnCtx()
		step.SeqLenK = n
		if attn.quantise(&step) != attn.quantise(&first) {
			t.Fatalf("seq_len_k %d keys apart from %d", n, first.SeqLenK)
		}
	}
}

// TestRecentEntryHoldsItsClass checks lookup's recent path, which compares
// fields with the ranges of the recent entry's class instead of packing a
// key, against the key: over random registries, policies and contexts, the
// recent entry serves a context exactly when the context's key is its.
func TestRecentEntryHoldsItsClass(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	narrow := 0
	for round := range 40 {
		reg := randomRegistry(r)
		if round%2 == 0 {
			reg.Policy = cacheTestRules
		}
		e, err := NewEngine(reg, WithMode(ModeDynamic), WithLogger(nil), WithCacheSize(64))
		if err != nil {
			t.Fatal(err)
		}
		s := e.snap.Load()
		for range 500 {
			c := randomContext(r, reg)
			p := &s.plans[c.Op]
			if p.narrow {
				narrow++
			}
			key, cl := p.key(&c), p.class(&c)
			ent := &cacheEntry{key: key, class: cl, decision: decision{}}
			for range 8 {
				c2 := c
				if r.IntN(4) > 0 { // near c: one field moved, often within its range
					f := Field(r.IntN(int(NumFields)))
					v := c2.Int(f)
					c2.SetInt(f, v+int64(r.IntN(5))-2)
					if r.IntN(3) == 0 {
						c2.SetInt(f, int64(randomInt(r)))
					}
				} else {
					c2 = randomContext(r, reg)
				}
				s.recent[c.Op].Store(ent)
				d, cached := e.lookup(&c2)
				served := d == &ent.decision
				want := c2.Op == c.Op && p.key(&c2) == key
				if served != want || (served && !cached) {
					t.Fatalf("round %d: entry of %+v served %+v: %v, keys equal: %v", round, c, c2, served, want)
				}
			}
		}
	}
	if narrow == 0 {
		t.Fatal("no narrow plan drawn")
	}
}

func TestCacheStaysBounded(t *testing.T) {
	dc := newDecisionCache(16)
	d := &decision{}
	for i := range uint64(1000) {
		k := cacheKey{4: i}
		dc.put(&k, i*hashMul[4], &class{}, d)
		found := false
		for j := range dc.slots {
			if e := dc.slots[j].Load(); e != nil && e.key == k {
				found = true
			}
		}
		if !found {
			t.Fatalf("entry %d not found right after put", i)
		}
	}
	if n := dc.len(); n != 16 {
		t.Fatalf("cache holds %d entries, want its 16 slots full", n)
	}
}

// TestIntervalMatchesCountOfThresholds checks every way planKeys finds a
// field's interval (one compare, a branch-free count, a table, a binary
// search) against the definition: the number of thresholds <= v.
func TestIntervalMatchesCountOfThresholds(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	kinds := map[partKind]int{}
	for range 300 {
		p := &Policy{ops: make([]opPolicy, 1)}
		var ths []int64
		n := []int{1, 3, 5, 40, 300}[r.IntN(5)]
		spread := []int64{10, 200, 5000, 1 << 31}[r.IntN(4)]
		for range n {
			ths = append(ths, r.Int64N(2*spread)-spread/2)
		}
		if r.IntN(4) == 0 {
			ths = append(ths, math.MinInt32, math.MaxInt32, math.MaxInt32+1)
		}
		slices.Sort(ths)
		p.ops[0].thresholds[FieldBatchSize] = ths
		reg := testRegistry()
		for i := range reg.Kernels { // the policy's thresholds are the only ones
			reg.Kernels[i].Constraints.BatchSize = Range{}
		}
		plan := planKeys(reg, 0, p)
		var q *keyPart
		for i := range plan.numParts {
			if plan.parts[i].index == uint8(FieldBatchSize-FieldDevice) {
				q = &plan.parts[i]
			}
		}
		splits := slices.ContainsFunc(ths, func(b int64) bool { return b > math.MinInt32 && b <= math.MaxInt32 })
		if (q != nil) != splits {
			t.Fatalf("thresholds %v: batch_size quantised %v, want %v", ths, q != nil, splits)
		}
		if q == nil {
			continue
		}
		kinds[q.kind]++
		probe := []int64{math.MinInt32, math.MaxInt32, 0, -1}
		for _, b := range ths {
			probe = append(probe, b-1, b, b+1)
		}
		for range 50 {
			probe = append(probe, r.Int64N(4*spread)-2*spread)
		}
		for _, v := range probe {
			if v < math.MinInt32 || v > math.MaxInt32 {
				continue
			}
			want := uint64(0)
			for _, b := range slices.Compact(slices.Clone(ths)) {
				if b <= v && b > math.MinInt32 && b <= math.MaxInt32 {
					want++
				}
			}
			if got := q.interval(int32(v)); got != want {
				t.Fatalf("kind %d, thresholds %v: interval(%d) = %d, want %d", q.kind, q.bounds, v, got, want)
			}
		}
	}
	for _, k := range []partKind{oneBound, fewBounds, tableBounds, manyBounds} {
		if kinds[k] == 0 {
			t.Errorf("no plan used bounds kind %d: %v", k, kinds)
		}
	}
}
