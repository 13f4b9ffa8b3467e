package runtime

import (
	"cmp"
	"crypto/sha256"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/layerzero/lzgen/diag"
	"gopkg.in/yaml.v3"
)

// RulesVersion is the only rules-file version this runtime reads, the seed
// system's "1.0".
const RulesVersion = "1.0"

// The keys of the rules file and its nested mappings.
var (
	rulesKeys    = []string{"version", "defaults", "dispatch_rules", "kernel_locks", "kernel_denies", "kernel_allows", "fallback_chains"}
	defaultsKeys = []string{"fallback_policy", "default_priority"}
	ruleKeys     = []string{"operation", "kernel", "conditions", "priority"}
)

// The words defaults.fallback_policy accepts besides kernel names and globs:
// "priority" (the default) adds nothing, so the remaining fitting kernels
// follow by priority; "reference" tries the op's reference kernel next.
const (
	FallbackPriority  = "priority"
	FallbackReference = "reference"
)

// Rule priorities and defaults.default_priority lie in 0..1000; the default is 50.
const (
	MaxRulePriority     = 1000
	DefaultRulePriority = 50
)

// ParsePolicy compiles a rules file against reg. It returns every error and
// warning with its file:line:col position; the policy is nil when there are
// errors, so a bad file can never replace a running policy.
func ParsePolicy(file string, data []byte, reg *Registry) (*Policy, diag.List) {
	var root yaml.Node
	var l diag.List
	if err := yaml.Unmarshal(data, &root); err != nil {
		l.Errorf(yamlErrorPos(file, err), "%s", yamlLinePrefix.ReplaceAllString(err.Error(), ""))
		return nil, l
	}
	if len(root.Content) == 0 {
		l.Errorf(diag.Pos{File: file, Line: 1, Col: 1}, "rules file is empty")
		l.Hint("start it with version: %q", RulesVersion)
		return nil, l
	}
	p, l := compilePolicy(file, root.Content[0], reg, true)
	if p != nil {
		p.hash = sha256.Sum256(data)
	}
	return p, l
}

// ParsePolicyNode compiles an already decoded rules mapping, such as a
// manifest's `dispatch:` section, where `version` is optional.
func ParsePolicyNode(file string, n *yaml.Node, reg *Registry) (*Policy, diag.List) {
	return compilePolicy(file, n, reg, false)
}

// VetPolicy checks a rules file against a registry offline and returns its
// errors and warnings, sorted: what `lzgen vet-rules` prints.
func VetPolicy(file string, data []byte, reg *Registry) diag.List {
	_, l := ParsePolicy(file, data, reg)
	return l
}

var (
	yamlLine       = regexp.MustCompile(`line (\d+)`)
	yamlLinePrefix = regexp.MustCompile(`^yaml: (line \d+: )?`)
)

// yamlErrorPos extracts the line yaml.v3 reports in a syntax error.
func yamlErrorPos(file string, err error) diag.Pos {
	pos := diag.Pos{File: file, Line: 1, Col: 1}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			pos.Line = n
		}
	}
	return pos
}

// loader compiles one rules document. Each section reports all of its
// errors; compilePolicy returns nil when any was found.
type loader struct {
	file            string
	reg             *Registry
	l               diag.List
	p               *Policy
	defaultPriority int32
}

func compilePolicy(file string, n *yaml.Node, reg *Registry, needVersion bool) (*Policy, diag.List) {
	ld := &loader{file: file, reg: reg, defaultPriority: DefaultRulePriority}
	ld.p = newPolicy(file, reg)
	n = diag.Resolve(n)
	sections := map[string]diag.Field{}
	for _, f := range diag.Mapping(&ld.l, file, n, "rules file", rulesKeys) {
		sections[f.Name()] = f
	}
	if f, ok := sections["version"]; ok {
		ld.version(f.Value)
	} else if needVersion && n.Kind == yaml.MappingNode {
		ld.l.Warnf(diag.At(file, n), "rules file has no version; reading it as %q", RulesVersion)
		ld.l.Hint("add version: %q", RulesVersion)
	}
	var fallback *yaml.Node
	if f, ok := sections["defaults"]; ok {
		fallback = ld.defaults(f.Value)
	}
	ld.admission(sections)
	if f, ok := sections["kernel_locks"]; ok {
		ld.locks(f.Value)
	}
	if f, ok := sections["fallback_chains"]; ok {
		ld.chains(f.Value)
	}
	if f, ok := sections["dispatch_rules"]; ok {
		ld.rules(f.Value)
	}
	if fallback != nil {
		ld.fallbackPolicy(fallback)
	}
	ld.finish()
	l := ld.l.Sort()
	if l.HasErrors() {
		return nil, l
	}
	ld.p.warnings = l
	return ld.p, l
}

// newPolicy returns an empty policy for reg that admits every kernel.
func newPolicy(file string, reg *Registry) *Policy {
	p := &Policy{reg: reg, file: file, admitted: make([]bool, len(reg.Kernels)), denied: make([]bool, len(reg.Kernels)),
		local: make([]uint16, len(reg.Kernels)), ops: make([]opPolicy, len(reg.Ops))}
	for k := range p.admitted {
		p.admitted[k] = true
	}
	for _, op := range reg.Ops {
		for i, k := range op.Kernels {
			p.local[k] = uint16(i)
		}
	}
	return p
}

func (ld *loader) pos(n *yaml.Node) diag.Pos { return diag.At(ld.file, n) }

func (ld *loader) version(n *yaml.Node) {
	n = diag.Resolve(n)
	switch {
	case n.Kind == yaml.ScalarNode && (n.Tag == "!!float" || n.Tag == "!!int"):
		ld.l.Errorf(ld.pos(n), "version must be a string, got the number %s", n.Value)
		ld.l.Hint("quote it: version: %q", RulesVersion)
	case n.Kind != yaml.ScalarNode || n.Tag != "!!str":
		ld.l.Errorf(ld.pos(n), "version must be the string %q, got %s", RulesVersion, diag.KindName(n))
	case n.Value != RulesVersion:
		ld.l.Errorf(ld.pos(n), "unsupported rules version %q", n.Value)
		ld.l.Hint("this runtime reads version %q", RulesVersion)
	}
}

// defaults reads default_priority and returns the fallback_policy node.
func (ld *loader) defaults(n *yaml.Node) (fallback *yaml.Node) {
	for _, f := range diag.Mapping(&ld.l, ld.file, n, "defaults", defaultsKeys) {
		if f.Name() == "fallback_policy" {
			fallback = diag.Resolve(f.Value)
		} else if v, ok := ld.priority(f.Key.Value, f.Value); ok {
			ld.defaultPriority = v
		}
	}
	return fallback
}

// priority reads an integer in 0..MaxRulePriority.
func (ld *loader) priority(what string, n *yaml.Node) (int32, bool) {
	n = diag.Resolve(n)
	var v int64
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		ld.l.Errorf(ld.pos(n), "%s must be an integer, got %s", what, diag.KindName(n))
		return 0, false
	}
	if v < 0 || v > MaxRulePriority {
		ld.l.Errorf(ld.pos(n), "%s %d is out of range", what, v)
		ld.l.Hint("priorities lie in 0..%d", MaxRulePriority)
		return 0, false
	}
	return int32(v), true
}

// str reads a scalar string; what names it in the error.
func (ld *loader) str(what string, n *yaml.Node) (string, bool) {
	n = diag.Resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		ld.l.Errorf(ld.pos(n), "%s must be a string, got %s", what, diag.KindName(n))
		return "", false
	}
	return n.Value, true
}

// list returns the items of a sequence node, reporting anything else.
func (ld *loader) list(what string, n *yaml.Node) []*yaml.Node {
	n = diag.Resolve(n)
	switch {
	case n.Kind == yaml.SequenceNode:
		return n.Content
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil
	}
	ld.l.Errorf(ld.pos(n), "%s must be a list, got %s", what, diag.KindName(n))
	return nil
}

// ops resolves an operation name or glob to op ids. A plain name must name
// an op; a glob that matches none is a warning.
func (ld *loader) ops(n *yaml.Node) ([]OpID, bool) {
	pattern := n.Value
	if err := checkGlob(pattern); err != nil {
		ld.l.Errorf(ld.pos(n), "bad operation pattern %q: %v", pattern, err)
		return nil, false
	}
	var ids []OpID
	names := make([]string, len(ld.reg.Ops))
	for i, op := range ld.reg.Ops {
		names[i] = op.Name
		if globMatch(pattern, op.Name) {
			ids = append(ids, OpID(i))
		}
	}
	if len(ids) == 0 && !isGlob(pattern) {
		ld.l.Errorf(ld.pos(n), "unknown operation %q", pattern)
		ld.l.Hint("%s", cmp.Or(diag.DidYouMean(pattern, names), "operations: "+strings.Join(names, ", ")))
		return nil, false
	}
	if len(ids) == 0 {
		ld.l.Warnf(ld.pos(n), "operation pattern %q matches no operation", pattern)
		ld.globHint(pattern, names)
	}
	return ids, true
}

// globHint explains that . is literal when a regex-looking glob matched nothing.
func (ld *loader) globHint(pattern string, names []string) {
	if strings.Contains(pattern, ".*") {
		fixed := strings.ReplaceAll(pattern, ".*", "*")
		if slices.ContainsFunc(names, func(s string) bool { return globMatch(fixed, s) }) {
			ld.l.Hint(". is literal in patterns; did you mean %q?", fixed)
		}
	}
}

// kernel resolves a kernel name of a lock, chain or rule and checks that it
// belongs to one of ops; pattern is the op key as written, for messages.
func (ld *loader) kernel(n *yaml.Node, ops []OpID, pattern string) (KernelID, bool) {
	name, ok := ld.str("kernel", n)
	if !ok {
		return 0, false
	}
	id, found := ld.reg.KernelByName(name)
	if !found {
		ld.l.Errorf(ld.pos(n), "unknown kernel %q", name)
		if h := diag.DidYouMean(name, ld.kernelNames()); h != "" {
			ld.l.Hint("%s", h)
		}
		return 0, false
	}
	if op := ld.reg.Kernels[id].Op; !slices.Contains(ops, op) {
		ld.l.Errorf(ld.pos(n), "kernel %q implements %s, not %s", name, ld.reg.Ops[op].Name, pattern)
		return 0, false
	}
	return id, true
}

// whyNotAdmitted names the list that excludes kernel k.
func (ld *loader) whyNotAdmitted(k KernelID) string {
	if ld.p.admitted[k] {
		return ""
	}
	return "kernel " + strconv.Quote(ld.reg.Kernels[k].Name) + " is excluded by kernel_denies/kernel_allows"
}

// finish sorts each op's rules and thresholds.
func (ld *loader) finish() {
	for i := range ld.p.ops {
		o := &ld.p.ops[i]
		slices.SortStableFunc(o.rules, func(a, b rule) int { return cmp.Compare(b.priority, a.priority) })
		for f := range o.thresholds {
			slices.Sort(o.thresholds[f])
			o.thresholds[f] = slices.Clip(slices.Compact(o.thresholds[f]))
		}
	}
}
