package runtime

import "slices"

// Sources the engine itself gives candidates, for Result.Source and Explain.
const (
	sourcePriority  = "priority"
	sourceReference = "reference"
)

// rejects returns every reason kernel k cannot serve context c under policy
// p: its constraints, a missing CUDA driver, and the policy's kernel_denies
// (DeniedByPolicy) or kernel_allows (NotAllowedByPolicy).
func (e *Engine) rejects(p *Policy, k KernelID, c *Context) Reasons {
	info := &e.reg.Kernels[k]
	rs := info.Constraints.Check(c)
	if info.Backend == PlatformCUDA && !cudaAvailable.Load() {
		rs = rs.With(NoCUDADriver)
	}
	if p != nil {
		rs |= p.exclusion(k)
	}
	return rs
}

// prefixRoom is how many policy candidates decide collects without
// allocating; longer prefixes still work.
const prefixRoom = 16

// decide evaluates the candidate list for c (a cache key) in DESIGN §5
// order: the policy's prefix (lock, rules, chain, fallback policy), then the
// remaining fitting kernels by priority, then the reference kernel. Every
// candidate fits c and is admitted by the policy; none appears twice.
func (e *Engine) decide(p *Policy, c *Context) *decision {
	op := &e.reg.Ops[c.Op]
	d := &decision{ref: op.Reference}
	prefix := 0 // only policy-chosen kernels can repeat: op.Kernels has each once
	add := func(k KernelID, source string) {
		if slices.Contains(d.kernels[:prefix], k) {
			return
		}
		if e.rejects(p, k, c).Empty() {
			d.kernels = append(d.kernels, k)
			d.sources = append(d.sources, source)
		}
	}
	if p != nil {
		var buf [prefixRoom]Choice // Prefix fills it without allocating
		for _, ch := range p.Prefix(c, buf[:0]) {
			add(ch.Kernel, p.Describe(ch.Source))
			prefix = len(d.kernels)
		}
	}
	for _, k := range op.Kernels {
		if k != op.Reference {
			add(k, sourcePriority)
		}
	}
	add(op.Reference, sourceReference)
	if len(d.kernels) == 0 {
		d.noKernel = &NoKernelError{Op: op.Name}
		for _, k := range op.Kernels {
			d.noKernel.Rejections = append(d.noKernel.Rejections, Rejection{Kernel: e.reg.Kernels[k].Name, Reasons: e.rejects(p, k, c)})
		}
	}
	return d
}

// miss evaluates the decision for c's class, from its quantised
// representative, caches it under key, whose hash is h, and makes it the
// op's recent entry. It is a function of its own so that a hit carries none
// of its frame.
func (s *snapshot) miss(e *Engine, p *keyPlan, c *Context, key *cacheKey, h uint64) *decision {
	q, cl := p.quantise(c), p.class(c)
	ent := s.cache.put(key, h, &cl, e.decide(s.policy, &q))
	s.recent[c.Op].Store(ent)
	return &ent.decision
}
