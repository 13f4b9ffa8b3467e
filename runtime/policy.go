package runtime

import (
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/layerzero/lzgen/diag"
)

// SourceKind says which step of the CONFIG candidate order put a kernel in
// the candidate list.
type SourceKind uint8

// Candidate sources, in the order DESIGN §5 tries them. The engine uses
// SourcePriority and SourceReference for the kernels it appends after the
// policy's prefix.
const (
	SourceNone           SourceKind = iota
	SourceLock                      // kernel_locks
	SourceRule                      // dispatch_rules
	SourceChain                     // fallback_chains
	SourceFallbackPolicy            // defaults.fallback_policy
	SourcePriority                  // remaining fitting kernels by priority (engine)
	SourceReference                 // the op's reference kernel (engine)
)

// Source names what chose a candidate: a kind and, for locks, rules, chains
// and fallback_policy entries, the entry's index in file order. It is a
// small value so candidate lists carry it without allocating.
type Source struct {
	Kind  SourceKind
	Index uint16
}

// Choice is one candidate kernel and what put it in the list.
type Choice struct {
	Kernel KernelID
	Source Source
}

// Policy is an immutable, compiled rules file (or a manifest's `dispatch:`
// section) bound to one Registry. Everything a call needs is resolved at
// load time (globs expanded per op, rules sorted, literals parsed, regexes
// compiled, allows/denies folded into a per-kernel flag), so it is safe for
// concurrent use and cheap to evaluate.
type Policy struct {
	reg      *Registry
	file     string
	hash     [sha256.Size]byte
	admitted []bool   // by KernelID: kernel_allows and kernel_denies
	denied   []bool   // by KernelID: matched by kernel_denies (else not admitted means outside kernel_allows)
	local    []uint16 // by KernelID: position in its op's Kernels
	ops      []opPolicy
	sources  [SourceFallbackPolicy + 1][]entry // by kind, then index: what Describe prints
	warnings diag.List
}

// entry is one located item of the rules file, for Describe.
type entry struct {
	name string
	pos  diag.Pos
}

// opPolicy is the policy of one operation with every glob resolved.
type opPolicy struct {
	lock       Choice
	hasLock    bool
	rules      []rule   // by priority, file order on ties
	chain      []Choice // admitted kernels of the op's fallback chain
	fallback   []Choice // admitted kernels of defaults.fallback_policy
	thresholds [NumFields][]int64
	exact      uint32 // bit f: field f must be keyed by its exact value
}

// rule is one compiled dispatch rule as it applies to one operation.
type rule struct {
	kernel     KernelID
	index      uint16 // position in dispatch_rules
	priority   int32
	conditions []condition
}

// holds reports whether every condition of the rule accepts c.
func (r *rule) holds(c *Context) bool {
	for i := range r.conditions {
		if !r.conditions[i].holds(c) {
			return false
		}
	}
	return true
}

// Prefix appends the policy's candidates for c to dst in CONFIG order: the
// op's lock, then matching rules by priority, then its fallback chain, then
// defaults.fallback_policy. It keeps only admitted kernels whose constraints
// accept c, never repeats a kernel, and does not allocate when dst has room.
// The engine appends the remaining fitting kernels and the reference kernel.
func (p *Policy) Prefix(c *Context, dst []Choice) []Choice {
	if int(c.Op) >= len(p.ops) {
		return dst
	}
	o := &p.ops[c.Op]
	b := prefixBuilder{p: p, c: c, dst: dst, base: len(dst)}
	if o.hasLock {
		b.add(o.lock)
	}
	for i := range o.rules {
		if r := &o.rules[i]; r.holds(c) {
			b.add(Choice{Kernel: r.kernel, Source: Source{Kind: SourceRule, Index: r.index}})
		}
	}
	for _, ch := range o.chain {
		b.add(ch)
	}
	for _, ch := range o.fallback {
		b.add(ch)
	}
	return b.dst
}

// prefixBuilder appends distinct fitting kernels, remembering per call which
// of the op's first 64 kernels it has checked, so 100 rules naming a few
// kernels cost a few constraint checks.
type prefixBuilder struct {
	p                  *Policy
	c                  *Context
	dst                []Choice
	base               int
	checked, fit, used uint64
}

func (b *prefixBuilder) add(ch Choice) {
	if i := b.p.local[ch.Kernel]; i < 64 {
		bit := uint64(1) << i
		if b.used&bit != 0 {
			return
		}
		if b.checked&bit == 0 {
			b.checked |= bit
			if b.p.reg.Kernels[ch.Kernel].Constraints.Check(b.c).Empty() {
				b.fit |= bit
			}
		}
		if b.fit&bit != 0 {
			b.used |= bit
			b.dst = append(b.dst, ch)
		}
		return
	}
	for _, d := range b.dst[b.base:] {
		if d.Kernel == ch.Kernel {
			return
		}
	}
	if b.p.reg.Kernels[ch.Kernel].Constraints.Check(b.c).Empty() {
		b.dst = append(b.dst, ch)
	}
}

// Admits reports whether kernel_allows and kernel_denies let kernel k run:
// a deny always wins; an empty allow list allows every kernel.
func (p *Policy) Admits(k KernelID) bool { return int(k) < len(p.admitted) && p.admitted[k] }

// exclusion returns why the policy keeps kernel k out: DeniedByPolicy or
// NotAllowedByPolicy; empty when it admits k.
func (p *Policy) exclusion(k KernelID) Reasons {
	switch {
	case p.Admits(k):
		return 0
	case int(k) < len(p.denied) && p.denied[k]:
		return Reasons(0).With(DeniedByPolicy)
	}
	return Reasons(0).With(NotAllowedByPolicy)
}

// Thresholds returns the sorted, distinct values b at which a condition on
// field f of op's rules may change between b-1 and b, in Context.Int form.
// Keying f by the interval between consecutive thresholds (plus Exact
// fields by value, and enums always by value) keeps a cached decision equal
// to a fresh Prefix.
func (p *Policy) Thresholds(op OpID, f Field) []int64 {
	if int(op) >= len(p.ops) || f >= NumFields {
		return nil
	}
	return p.ops[op].thresholds[f]
}

// Exact reports whether op's rules test field f's text form (a _match or
// _regex on a number, or a device string), so the cache must key f by its
// exact value rather than by interval.
func (p *Policy) Exact(op OpID, f Field) bool {
	return int(op) < len(p.ops) && f < NumFields && p.ops[op].exact&(1<<f) != 0
}

// Lock returns the kernel op is locked to (exact key first, then the first
// matching glob), if it is admitted.
func (p *Policy) Lock(op OpID) (KernelID, bool) {
	if int(op) >= len(p.ops) || !p.ops[op].hasLock {
		return 0, false
	}
	return p.ops[op].lock.Kernel, true
}

// Chain returns the admitted kernels of op's fallback chain (exact key
// first, then the first matching glob), for lzgen to bake into the static
// dispatcher.
func (p *Policy) Chain(op OpID) []KernelID {
	if int(op) >= len(p.ops) {
		return nil
	}
	ids := make([]KernelID, len(p.ops[op].chain))
	for i, ch := range p.ops[op].chain {
		ids[i] = ch.Kernel
	}
	return ids
}

// Describe names a source for explanations and per-call results, e.g.
// `rule 3 (rules.yaml:14:5)` or `lock "attention.*" (rules.yaml:20:3)`.
func (p *Policy) Describe(s Source) string {
	switch s.Kind {
	case SourcePriority:
		return "priority"
	case SourceReference:
		return "reference kernel"
	case SourceNone:
		return ""
	}
	var e entry
	if entries := p.sources[s.Kind]; int(s.Index) < len(entries) {
		e = entries[s.Index]
	}
	switch s.Kind {
	case SourceLock:
		return fmt.Sprintf("lock %q (%s)", e.name, e.pos)
	case SourceRule:
		return fmt.Sprintf("rule %d (%s)", s.Index+1, e.pos)
	case SourceChain:
		return fmt.Sprintf("fallback chain %q (%s)", e.name, e.pos)
	}
	return fmt.Sprintf("defaults.fallback_policy %q (%s)", e.name, e.pos)
}

// File returns the name the policy was loaded from.
func (p *Policy) File() string { return p.file }

// Hash returns the SHA-256 of the rules file's bytes (zero for a policy
// built from a YAML node).
func (p *Policy) Hash() [sha256.Size]byte { return p.hash }

// Warnings returns the load warnings: rules that can never fire and
// patterns that match nothing.
func (p *Policy) Warnings() diag.List { return slices.Clone(p.warnings) }
