package runtime

import (
	"math"

	"github.com/layerzero/lzgen/diag"
	"gopkg.in/yaml.v3"
)

// rules reads dispatch_rules: a list of {operation, kernel, conditions,
// priority}. A rule applies to its kernel's op, which the operation glob
// must match; rules that can never fire are warned about and dropped.
func (ld *loader) rules(n *yaml.Node) {
	items := ld.list("dispatch_rules", n)
	if len(items) > math.MaxUint16 {
		ld.l.Errorf(ld.pos(n), "too many dispatch rules (%d, at most %d)", len(items), math.MaxUint16)
		return
	}
	for i, item := range items {
		item = diag.Resolve(item)
		ld.p.sources[SourceRule] = append(ld.p.sources[SourceRule], entry{pos: ld.pos(item)})
		ld.rule(i, item)
	}
}

// rule compiles dispatch_rules[i].
func (ld *loader) rule(i int, item *yaml.Node) {
	fields := map[string]diag.Field{}
	for _, f := range diag.Mapping(&ld.l, ld.file, item, "dispatch rule", ruleKeys) {
		fields[f.Name()] = f
	}
	if item.Kind != yaml.MappingNode {
		return
	}
	opField, hasOp := fields["operation"]
	kernelField, hasKernel := fields["kernel"]
	for _, missing := range []struct {
		key     string
		present bool
	}{{"operation", hasOp}, {"kernel", hasKernel}} {
		if !missing.present {
			ld.l.Errorf(ld.pos(item), "dispatch rule %d has no %s", i+1, missing.key)
		}
	}
	if !hasOp || !hasKernel {
		return
	}
	pattern, ok := ld.str("operation", opField.Value)
	if !ok {
		return
	}
	ops, okOps := ld.ops(diag.Resolve(opField.Value))
	prio, okPrio := ld.defaultPriority, true
	if f, has := fields["priority"]; has {
		prio, okPrio = ld.priority("priority", f.Value)
	}
	if !okOps {
		return
	}
	k, okKernel := ld.kernel(kernelField.Value, ops, pattern)
	r := rule{kernel: k, index: uint16(i), priority: prio}
	var never *yaml.Node
	okConds := true
	if f, has := fields["conditions"]; has {
		// Conditions are checked even when the kernel is wrong, so that one
		// pass reports every error of the rule.
		cc := conditionCompiler{l: &ld.l, file: ld.file, reg: ld.reg, kernel: diag.Resolve(kernelField.Value).Value}
		r.conditions, never, okConds = cc.compile(f.Value)
	}
	if okKernel && okPrio && okConds && ld.ruleCanFire(i, &r, never, kernelField.Value) {
		ld.addRule(r)
	}
}

// ruleCanFire warns about and reports false for a rule that can never
// choose its kernel; it also warns when a lock means the rule only orders
// fallbacks.
func (ld *loader) ruleCanFire(i int, r *rule, never, kernelNode *yaml.Node) bool {
	kern := &ld.reg.Kernels[r.kernel]
	if never != nil {
		ld.l.Warnf(ld.pos(never), "rule %d can never fire: %s does not hold for its kernel %q", i+1, never.Value, kern.Name)
		return false
	}
	if !ld.p.admitted[r.kernel] {
		ld.l.Warnf(ld.pos(kernelNode), "rule %d can never fire: %s", i+1, ld.whyNotAdmitted(r.kernel))
		return false
	}
	if f, self, found := contradiction(ld.reg, r); found {
		if self {
			ld.l.Warnf(ld.pos(kernelNode), "rule %d can never fire: its conditions on %s contradict each other", i+1, f)
		} else {
			ld.l.Warnf(ld.pos(kernelNode), "rule %d can never fire: its conditions on %s contradict the constraints of kernel %q (%s)",
				i+1, f, kern.Name, kern.Pos)
		}
		return false
	}
	if o := &ld.p.ops[kern.Op]; o.hasLock && o.lock.Kernel != r.kernel &&
		ld.reg.Kernels[o.lock.Kernel].Constraints.covers(&kern.Constraints) {
		lock := ld.p.sources[SourceLock][o.lock.Source.Index]
		ld.l.Warnf(ld.pos(kernelNode), "rule %d is shadowed by lock %q (%s): the locked kernel %q accepts every call %q accepts, so the rule only orders fallbacks",
			i+1, lock.name, lock.pos, ld.reg.Kernels[o.lock.Kernel].Name, kern.Name)
	}
	return true
}

// addRule attaches a compiled rule to its kernel's op with the thresholds
// and exact-keyed fields its conditions need in the decision cache key.
func (ld *loader) addRule(r rule) {
	o := &ld.p.ops[ld.reg.Kernels[r.kernel].Op]
	o.rules = append(o.rules, r)
	for i := range r.conditions {
		cd := &r.conditions[i]
		o.thresholds[cd.field] = cd.thresholds(o.thresholds[cd.field])
		if cd.exact() {
			o.exact |= 1 << cd.field
		}
	}
}
