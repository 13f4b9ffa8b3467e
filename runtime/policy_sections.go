package runtime

import (
	"cmp"
	"math"
	"slices"

	"github.com/layerzero/lzgen/diag"
	"gopkg.in/yaml.v3"
)

// kernelPattern is one kernel_denies or kernel_allows entry.
type kernelPattern struct {
	glob string
	node *yaml.Node
}

// admission folds kernel_denies and kernel_allows into the per-kernel
// admitted flags (a deny wins; no allow entries admit every kernel) and
// checks that every op keeps its reference kernel, the last resort.
func (ld *loader) admission(sections map[string]diag.Field) {
	denies := ld.kernelPatterns(sections, "kernel_denies")
	allows := ld.kernelPatterns(sections, "kernel_allows")
	matchesAny := func(ps []kernelPattern, name string) *kernelPattern {
		for i := range ps {
			if globMatch(ps[i].glob, name) {
				return &ps[i]
			}
		}
		return nil
	}
	for k, kern := range ld.reg.Kernels {
		ld.p.denied[k] = matchesAny(denies, kern.Name) != nil
		ld.p.admitted[k] = (len(allows) == 0 || matchesAny(allows, kern.Name) != nil) && !ld.p.denied[k]
	}
	for _, op := range ld.reg.Ops {
		if int(op.Reference) >= len(ld.reg.Kernels) || ld.p.admitted[op.Reference] {
			continue
		}
		ref := ld.reg.Kernels[op.Reference].Name
		if d := matchesAny(denies, ref); d != nil {
			ld.l.Errorf(ld.pos(d.node), "kernel_denies entry %q denies %s, the reference kernel of %s", d.glob, ref, op.Name)
			ld.l.Hint("every operation keeps its reference kernel as the last resort; narrow the pattern")
		} else {
			ld.l.Errorf(ld.pos(sections["kernel_allows"].Key), "kernel_allows does not allow %s, the reference kernel of %s", ref, op.Name)
			ld.l.Hint("every operation keeps its reference kernel as the last resort; add %q", ref)
		}
	}
}

// kernelPatterns reads a list of kernel names and globs. A plain name must
// name a kernel; a glob matching no kernel is a warning.
func (ld *loader) kernelPatterns(sections map[string]diag.Field, key string) []kernelPattern {
	f, ok := sections[key]
	if !ok {
		return nil
	}
	names := ld.kernelNames()
	var out []kernelPattern
	for _, item := range ld.list(key, f.Value) {
		item = diag.Resolve(item)
		s, ok := ld.str(key+" entry", item)
		if !ok {
			continue
		}
		if err := checkGlob(s); err != nil {
			ld.l.Errorf(ld.pos(item), "bad %s pattern %q: %v", key, s, err)
			continue
		}
		out = append(out, kernelPattern{glob: s, node: item})
		matched := false
		for _, n := range names {
			matched = matched || globMatch(s, n)
		}
		switch {
		case matched:
		case !isGlob(s):
			ld.l.Errorf(ld.pos(item), "%s: unknown kernel %q", key, s)
			ld.l.Hint("%s", diag.DidYouMean(s, names))
		default:
			ld.l.Warnf(ld.pos(item), "%s entry %q matches no kernel", key, s)
			ld.globHint(s, names)
		}
	}
	return out
}

// kernelNames lists the registry's kernel names, for did-you-mean hints.
func (ld *loader) kernelNames() []string {
	names := make([]string, len(ld.reg.Kernels))
	for i, k := range ld.reg.Kernels {
		names[i] = k.Name
	}
	return names
}

// located records the key of every entry of a section for Describe and
// rejects sections too long for a Source index.
func (ld *loader) located(kind SourceKind, n *yaml.Node, fields []diag.Field) bool {
	if len(fields) > math.MaxUint16 {
		ld.l.Errorf(ld.pos(n), "too many entries (%d, at most %d)", len(fields), math.MaxUint16)
		return false
	}
	for _, f := range fields {
		ld.p.sources[kind] = append(ld.p.sources[kind], entry{name: f.Key.Value, pos: ld.pos(f.Key)})
	}
	return true
}

// exactThenGlobs visits the fields with plain keys first, then those with
// glob keys, each in file order, passing the field's index in the file.
func exactThenGlobs(fields []diag.Field, visit func(i int, f diag.Field)) {
	for _, wantGlob := range []bool{false, true} {
		for i, f := range fields {
			if isGlob(f.Key.Value) == wantGlob {
				visit(i, f)
			}
		}
	}
}

// locks reads kernel_locks {op or glob: kernel}. An exact key wins over a
// glob; among globs the first in the file wins.
func (ld *loader) locks(n *yaml.Node) {
	fields := diag.Mapping(&ld.l, ld.file, n, "kernel_locks", nil)
	if !ld.located(SourceLock, n, fields) {
		return
	}
	exactThenGlobs(fields, func(i int, f diag.Field) {
		ops, ok := ld.ops(f.Key)
		if !ok {
			return
		}
		k, ok := ld.kernel(f.Value, ops, f.Key.Value)
		if !ok {
			return
		}
		o := &ld.p.ops[ld.reg.Kernels[k].Op]
		switch {
		case !ld.p.admitted[k]:
			ld.l.Warnf(ld.pos(f.Value), "lock %q never applies: %s", f.Key.Value, ld.whyNotAdmitted(k))
		case o.hasLock:
			ld.l.Warnf(ld.pos(f.Key), "lock %q never applies: %s is already locked by %q",
				f.Key.Value, ld.reg.Ops[ld.reg.Kernels[k].Op].Name, ld.p.sources[SourceLock][o.lock.Source.Index].name)
		default:
			o.lock, o.hasLock = Choice{Kernel: k, Source: Source{Kind: SourceLock, Index: uint16(i)}}, true
		}
	})
}

// chains reads fallback_chains {op or glob: [kernels]}. Each op takes the
// listed kernels that implement it from the exact key, else the first glob.
func (ld *loader) chains(n *yaml.Node) {
	fields := diag.Mapping(&ld.l, ld.file, n, "fallback_chains", nil)
	if !ld.located(SourceChain, n, fields) {
		return
	}
	chained := make([]bool, len(ld.reg.Ops))
	exactThenGlobs(fields, func(i int, f diag.Field) {
		ops, ok := ld.ops(f.Key)
		if !ok {
			return
		}
		perOp := make(map[OpID][]Choice)
		for _, item := range ld.list("fallback chain", f.Value) {
			k, ok := ld.kernel(item, ops, f.Key.Value)
			if !ok {
				continue
			}
			if !ld.p.admitted[k] {
				ld.l.Warnf(ld.pos(item), "chain %q: %s; it is skipped", f.Key.Value, ld.whyNotAdmitted(k))
				continue
			}
			op := ld.reg.Kernels[k].Op
			perOp[op] = append(perOp[op], Choice{Kernel: k, Source: Source{Kind: SourceChain, Index: uint16(i)}})
		}
		for _, op := range ops {
			switch {
			case chained[op] && perOp[op] != nil:
				ld.l.Warnf(ld.pos(f.Key), "chain %q never applies to %s: chain %q comes first",
					f.Key.Value, ld.reg.Ops[op].Name, ld.p.sources[SourceChain][ld.p.ops[op].chain[0].Source.Index].name)
			case !chained[op] && (perOp[op] != nil || !isGlob(f.Key.Value)):
				ld.p.ops[op].chain, chained[op] = perOp[op], true
			}
		}
	})
}

// fallbackPolicy reads defaults.fallback_policy: one or a list of
// "priority", "reference", kernel names and kernel globs. Each op takes the
// admitted kernels that implement it, in order.
func (ld *loader) fallbackPolicy(n *yaml.Node) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	names := ld.kernelNames()
	for i, item := range items {
		item = diag.Resolve(item)
		s, ok := ld.str("fallback_policy", item)
		ld.p.sources[SourceFallbackPolicy] = append(ld.p.sources[SourceFallbackPolicy], entry{name: s, pos: ld.pos(item)})
		if !ok || i > math.MaxUint16 {
			continue
		}
		src := Source{Kind: SourceFallbackPolicy, Index: uint16(i)}
		switch {
		case s == FallbackPriority:
		case s == FallbackReference:
			for op := range ld.p.ops {
				ld.p.ops[op].fallback = append(ld.p.ops[op].fallback, Choice{Kernel: ld.reg.Ops[op].Reference, Source: src})
			}
		case checkGlob(s) != nil:
			ld.l.Errorf(ld.pos(item), "bad fallback_policy pattern %q: %v", s, checkGlob(s))
		case !isGlob(s) && !slices.Contains(names, s):
			ld.l.Errorf(ld.pos(item), "fallback_policy: unknown kernel %q", s)
			ld.l.Hint("%s", cmp.Or(diag.DidYouMean(s, names), `use a kernel name or glob, "`+FallbackPriority+`" or "`+FallbackReference+`"`))
		default:
			ld.fallbackKernels(s, src, item)
		}
	}
}

// fallbackKernels adds the admitted kernels matching pattern to their ops'
// fallback lists.
func (ld *loader) fallbackKernels(pattern string, src Source, item *yaml.Node) {
	matched := false
	for k, kern := range ld.reg.Kernels {
		if !globMatch(pattern, kern.Name) {
			continue
		}
		matched = true
		if ld.p.admitted[k] {
			o := &ld.p.ops[kern.Op]
			o.fallback = append(o.fallback, Choice{Kernel: KernelID(k), Source: src})
		} else if !isGlob(pattern) {
			ld.l.Warnf(ld.pos(item), "fallback_policy %q never applies: %s", pattern, ld.whyNotAdmitted(KernelID(k)))
		}
	}
	if !matched {
		ld.l.Warnf(ld.pos(item), "fallback_policy pattern %q matches no kernel", pattern)
	}
}
