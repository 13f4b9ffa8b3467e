package runtime

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/layerzero/lzgen/diag"
	"gopkg.in/yaml.v3"
)

// condOp is a condition key's operator suffix.
type condOp uint8

// Operators; opNone is a key without suffix: equality, or membership for a list.
const (
	opNone condOp = iota
	opEq
	opNe
	opGt
	opGte
	opLt
	opLte
	opIn
	opNotIn
	opMatch
	opRegex
)

// condSuffixes lists the operator suffixes, _not_in before _in so the longer wins.
var condSuffixes = []struct {
	suffix string
	op     condOp
}{
	{"_not_in", opNotIn}, {"_in", opIn}, {"_eq", opEq}, {"_ne", opNe}, {"_gte", opGte}, {"_gt", opGt},
	{"_lte", opLte}, {"_lt", opLt}, {"_match", opMatch}, {"_regex", opRegex},
}

// kernelPseudoField is the seed's `kernel_regex` and friends: a test of the
// rule's own kernel name, decided at load time.
const kernelPseudoField = "kernel"

// fieldAliases are condition names the seed's documentation uses for fields
// that lzgen spells differently.
var fieldAliases = map[string]Field{"seq_len": FieldSeqLenQ}

// conditionNames lists every field name a condition key may start with.
func conditionNames() []string {
	return append(FieldNames(), "seq_len", kernelPseudoField)
}

// lookupConditionField resolves a condition field name; kernel reports the
// kernel pseudo-field.
func lookupConditionField(name string) (f Field, kernel, ok bool) {
	if name == kernelPseudoField {
		return 0, true, true
	}
	if f, ok := fieldAliases[name]; ok {
		return f, false, true
	}
	f, ok = ParseField(name)
	return f, false, ok
}

// splitConditionKey splits "batch_size_gte" into its field name and operator.
// A key that is itself a field name has no operator.
func splitConditionKey(key string) (name string, op condOp, ok bool) {
	if _, _, ok := lookupConditionField(key); ok {
		return key, opNone, true
	}
	for _, s := range condSuffixes {
		if name, found := strings.CutSuffix(key, s.suffix); found {
			if _, _, ok := lookupConditionField(name); ok {
				return name, s.op, true
			}
		}
	}
	return "", 0, false
}

// conditionCompiler compiles the `conditions:` mapping of one rule.
type conditionCompiler struct {
	l      *diag.List
	file   string
	reg    *Registry
	kernel string // the rule's kernel, for kernel_* conditions
}

// compile returns the conditions in file order. never is set when a kernel_*
// condition rules out the rule's own kernel, with the offending key node.
func (cc *conditionCompiler) compile(n *yaml.Node) (conds []condition, never *yaml.Node, ok bool) {
	ok = true
	fields := diag.Mapping(cc.l, cc.file, n, "conditions", nil)
	for _, fl := range fields {
		cd, holds, valid := cc.one(fl.Key, diag.Resolve(fl.Value))
		switch {
		case !valid:
			ok = false
		case cd != nil:
			conds = append(conds, *cd)
		case !holds && never == nil:
			never = fl.Key
		}
	}
	return conds, never, ok
}

// one compiles a single condition. A kernel_* condition yields no condition
// but whether it holds for the rule's kernel.
func (cc *conditionCompiler) one(key, val *yaml.Node) (cd *condition, holds, ok bool) {
	name, op, found := splitConditionKey(key.Value)
	if !found {
		cc.l.Errorf(diag.At(cc.file, key), "unknown condition field %q", key.Value)
		cc.l.Hint("%s", cc.suggestField(key.Value))
		return nil, false, false
	}
	f, isKernel, _ := lookupConditionField(name)
	if op == opNone {
		op = opEq
		if val.Kind == yaml.SequenceNode {
			op = opIn
		}
	}
	if !cc.checkShape(key, val, op) {
		return nil, false, false
	}
	switch {
	case op == opMatch || op == opRegex:
		cd, ok = cc.pattern(key, val, op)
	case isKernel || (f == FieldDevice && isDeviceText(val)):
		cd, ok = cc.textLiterals(isKernel, key, val, op)
	default:
		cd, ok = cc.literals(f, key, val, op)
		return cd, false, ok
	}
	switch {
	case !ok:
		return nil, false, false
	case isKernel:
		return nil, cd.matchText([]byte(cc.kernel)) != cd.negate, true
	}
	return cc.resolveText(f, cd), false, true
}

// suggestField builds the hint for an unknown condition key.
func (cc *conditionCompiler) suggestField(key string) string {
	for _, s := range condSuffixes {
		if name, found := strings.CutSuffix(key, s.suffix); found {
			if m := diag.Suggest(name, conditionNames()); m != "" {
				return fmt.Sprintf("did you mean %q?", m+s.suffix)
			}
		}
	}
	if h := diag.DidYouMean(key, conditionNames()); h != "" {
		return h
	}
	return "conditions are a context field (" + strings.Join(conditionNames(), ", ") +
		") with an optional suffix _eq _ne _gt _gte _lt _lte _in _not_in _match _regex"
}

// checkShape reports a list where a scalar belongs and the reverse.
func (cc *conditionCompiler) checkShape(key, val *yaml.Node, op condOp) bool {
	wantList := op == opIn || op == opNotIn
	switch {
	case wantList && val.Kind != yaml.SequenceNode:
		cc.l.Errorf(diag.At(cc.file, val), "%s needs a list, got %s", key.Value, diag.KindName(val))
	case wantList && len(val.Content) == 0:
		cc.l.Errorf(diag.At(cc.file, val), "%s has an empty list", key.Value)
	case !wantList && val.Kind != yaml.ScalarNode:
		cc.l.Errorf(diag.At(cc.file, val), "%s needs a single value, got %s", key.Value, diag.KindName(val))
	case !wantList && val.Tag == "!!null":
		cc.l.Errorf(diag.At(cc.file, val), "%s has no value", key.Value)
	default:
		return true
	}
	return false
}

// elements returns the scalar nodes of a value: the node itself or a list's items.
func elements(val *yaml.Node) []*yaml.Node {
	if val.Kind == yaml.SequenceNode {
		out := make([]*yaml.Node, len(val.Content))
		for i, e := range val.Content {
			out[i] = diag.Resolve(e)
		}
		return out
	}
	return []*yaml.Node{val}
}

// isDeviceText reports whether a device condition compares device strings
// ("cpu", "cuda:0") rather than device indexes.
func isDeviceText(val *yaml.Node) bool {
	e := elements(val)
	return len(e) > 0 && e[0].Kind == yaml.ScalarNode && e[0].Tag == "!!str"
}

// pattern compiles a _match (glob) or _regex (RE2, whole text) condition
// into a text condition.
func (cc *conditionCompiler) pattern(key, val *yaml.Node, op condOp) (*condition, bool) {
	cd := &condition{kind: condText}
	if op == opMatch {
		if err := checkGlob(val.Value); err != nil {
			cc.l.Errorf(diag.At(cc.file, val), "%s: bad glob: %v", key.Value, err)
			cc.l.Hint("globs use * and ? and match the whole text; . is literal")
			return nil, false
		}
		cd.glob = val.Value
		return cd, true
	}
	re, err := regexp.Compile(`^(?:` + val.Value + `)$`)
	if err != nil {
		cc.l.Errorf(diag.At(cc.file, val), "%s: bad regular expression: %v", key.Value, err)
		cc.l.Hint("RE2 syntax, matched against the whole text")
		return nil, false
	}
	cd.re = re
	return cd, true
}

// resolveText turns a text condition on an enum or bool field into the set
// of values whose names it matches, so evaluation compares integers.
func (cc *conditionCompiler) resolveText(f Field, text *condition) *condition {
	if k := f.Kind(); k != KindEnum && k != KindBool {
		text.field = f
		return text
	}
	cd := &condition{field: f, kind: condSet, negate: text.negate}
	for v := range fieldCardinality(cc.reg, f) {
		if text.matchText([]byte(valueText(cc.reg, f, v))) {
			cd.set = append(cd.set, v)
		}
	}
	return cd
}

// textLiterals compiles _eq/_ne/_in/_not_in over text: device strings or
// the rule's kernel name.
func (cc *conditionCompiler) textLiterals(isKernel bool, key, val *yaml.Node, op condOp) (*condition, bool) {
	if op != opEq && op != opNe && op != opIn && op != opNotIn {
		cc.l.Errorf(diag.At(cc.file, key), "%s compares numbers; %s is text", key.Value, strings.TrimSuffix(key.Value, "_"+opSuffix(op)))
		return nil, false
	}
	cd := &condition{kind: condText, negate: op == opNe || op == opNotIn}
	ok := true
	for _, e := range elements(val) {
		if e.Kind != yaml.ScalarNode || e.Tag != "!!str" {
			cc.l.Errorf(diag.At(cc.file, e), "%s: want a string, got %s", key.Value, diag.KindName(e))
			ok = false
			continue
		}
		if !isKernel && !validDeviceText(e.Value) {
			cc.l.Errorf(diag.At(cc.file, e), "%s: bad device %q", key.Value, e.Value)
			cc.l.Hint(`devices are "cpu" or "cuda:N"; use platform: cuda for any GPU, or device_match: "cuda:*"`)
			ok = false
			continue
		}
		cd.strs = append(cd.strs, e.Value)
	}
	return cd, ok
}

// validDeviceText reports whether s is a device string "cpu" or "cuda:N".
func validDeviceText(s string) bool {
	if s == "cpu" {
		return true
	}
	n, found := strings.CutPrefix(s, "cuda:")
	if !found {
		return false
	}
	v, err := strconv.ParseUint(n, 10, 31)
	return err == nil && strconv.FormatUint(v, 10) == n
}

// opSuffix returns the operator's suffix without the underscore.
func opSuffix(op condOp) string {
	for _, s := range condSuffixes {
		if s.op == op {
			return s.suffix[1:]
		}
	}
	return "eq"
}

// literals compiles a comparison or membership test on a field's Int form.
func (cc *conditionCompiler) literals(f Field, key, val *yaml.Node, op condOp) (*condition, bool) {
	ordered := op == opGt || op == opGte || op == opLt || op == opLte
	if k := f.Kind(); ordered && (k == KindEnum || k == KindBool) {
		cc.l.Errorf(diag.At(cc.file, key), "%s: %s is not a number and has no order", key.Value, f)
		cc.l.Hint("use %s, %s_ne, %s_in or %s_not_in", f, f, f, f)
		return nil, false
	}
	var vs []int64
	ok := true
	for _, e := range elements(val) {
		v, valid := cc.literal(f, key, e)
		ok = ok && valid
		vs = append(vs, v)
	}
	if !ok {
		return nil, false
	}
	cd := &condition{field: f, kind: condRange, negate: op == opNe || op == opNotIn, lo: math.MinInt64, hi: math.MaxInt64}
	switch op {
	case opEq, opNe:
		cd.lo, cd.hi = vs[0], vs[0]
	case opGt:
		cd.lo = vs[0] + 1
	case opGte:
		cd.lo = vs[0]
	case opLt:
		cd.hi = vs[0] - 1
	case opLte:
		cd.hi = vs[0]
	default:
		cd.kind, cd.set, cd.lo, cd.hi = condSet, vs, 0, 0
	}
	return cd, true
}

// literal parses one value of field f into its Int form. Integers are
// bounded to int32 like the Context fields they are compared with, so
// thresholds never overflow.
func (cc *conditionCompiler) literal(f Field, key, e *yaml.Node) (int64, bool) {
	pos := diag.At(cc.file, e)
	if e.Kind != yaml.ScalarNode {
		cc.l.Errorf(pos, "%s: want a single value, got %s", key.Value, diag.KindName(e))
		return 0, false
	}
	switch f.Kind() {
	case KindInt:
		var v int64
		if e.Tag != "!!int" || e.Decode(&v) != nil {
			cc.l.Errorf(pos, "%s: want an integer, got %s %q", key.Value, diag.KindName(e), e.Value)
			return 0, false
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			cc.l.Errorf(pos, "%s: %d is out of range for %s (a 32-bit integer)", key.Value, v, f)
			return 0, false
		}
		return v, true
	case KindFloat:
		var v float64
		if (e.Tag != "!!int" && e.Tag != "!!float") || e.Decode(&v) != nil || math.IsNaN(v) || math.Abs(v) > 1e6 {
			cc.l.Errorf(pos, "%s: want a finite number, got %s %q", key.Value, diag.KindName(e), e.Value)
			return 0, false
		}
		probe := Context{DropoutP: float32(v)}
		return probe.Int(f), true
	case KindBool:
		var v bool
		if e.Tag != "!!bool" || e.Decode(&v) != nil {
			cc.l.Errorf(pos, "%s: want true or false, got %s %q", key.Value, diag.KindName(e), e.Value)
			return 0, false
		}
		return b2i(v), true
	}
	return cc.enumLiteral(f, key, e)
}

// enumLiteral resolves an op, platform, dtype or layout name.
func (cc *conditionCompiler) enumLiteral(f Field, key, e *yaml.Node) (int64, bool) {
	var (
		v     int64
		found bool
		names []string
	)
	switch f {
	case FieldOp:
		var id OpID
		id, found = cc.reg.OpByName(e.Value)
		v = int64(id)
		for _, op := range cc.reg.Ops {
			names = append(names, op.Name)
		}
	case FieldPlatform:
		var p Platform
		p, found = ParsePlatform(e.Value)
		v, names = int64(p), []string{"cpu", "cuda"}
	case FieldDType:
		var d DType
		d, found = ParseDType(e.Value)
		v, names = int64(d), DTypeNames()
	default:
		var lay Layout
		lay, found = ParseLayout(e.Value)
		v, names = int64(lay), LayoutNames()
	}
	if !found || e.Tag != "!!str" {
		cc.l.Errorf(diag.At(cc.file, e), "%s: unknown %s %q", key.Value, f, e.Value)
		if h := diag.DidYouMean(e.Value, names); h != "" {
			cc.l.Hint("%s", h)
		} else {
			cc.l.Hint("known: %s", strings.Join(names, ", "))
		}
		return 0, false
	}
	return v, true
}
