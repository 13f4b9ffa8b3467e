package gen

import (
	"go/token"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
	"gopkg.in/yaml.v3"
)

// ManifestVersion is the manifest format version this lzgen reads.
const ManifestVersion = 1

var (
	opNamePattern     = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
	kernelNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	paramNamePattern  = regexp.MustCompile(`^[a-z][A-Za-z0-9_]*$`)
	yamlLinePattern   = regexp.MustCompile(`line (\d+)`)
)

var (
	topKeys    = []string{"version", "package", "cuda", "operations", "kernels", "dispatch"}
	opKeys     = []string{"params", "context", "reference"}
	paramKeys  = []string{"name", "type"}
	kernelKeys = []string{"op", "backend", "priority", "when", "cpu", "cuda"}
	cpuKeys    = []string{"func"}
	ptxKeys    = []string{"ptx_package"}
)

// decoder turns YAML nodes into a manifest, reporting every local problem
// (types, unknown and duplicate keys, bad names) with its position.
type decoder struct {
	file  string
	diags diag.List
}

func (p *decoder) at(n *yaml.Node) diag.Pos { return diag.At(p.file, n) }

// parse decodes data into a manifest. Cross-references (ops named by kernels,
// reference kernels, the dispatch section) are resolved later by build.
func parse(file string, data []byte) (*manifest, diag.List) {
	p := &decoder{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		if m := yamlLinePattern.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		p.diags.Errorf(diag.Pos{File: file, Line: line, Col: 1}, "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, p.diags
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.diags.Errorf(diag.Pos{File: file, Line: 1, Col: 1}, "empty manifest")
		p.diags.Hint("start with `version: %d`", ManifestVersion)
		return nil, p.diags
	}
	m := &manifest{file: file}
	root := doc.Content[0]
	seen := map[string]bool{}
	for _, f := range diag.Mapping(&p.diags, file, root, "manifest", topKeys) {
		seen[f.Name()] = true
		switch f.Name() {
		case "version":
			if v, ok := p.integer(f.Value, "version"); ok && v != ManifestVersion {
				p.diags.Errorf(p.at(f.Value), "unsupported manifest version %d", v)
				p.diags.Hint("this lzgen reads version %d", ManifestVersion)
			}
		case "package":
			if s, ok := p.str(f.Value, "package"); ok {
				if !token.IsIdentifier(s) || s == "_" || strings.ToLower(s) != s {
					p.diags.Errorf(p.at(f.Value), "package %q is not a lowercase Go package name", s)
				} else {
					m.pkg = s
				}
			}
		case "cuda":
			m.ptxPos = p.at(f.Key)
			reported := len(p.diags)
			for _, g := range diag.Mapping(&p.diags, file, f.Value, "cuda", ptxKeys) {
				m.ptxPos = p.at(g.Value)
				if s, ok := p.str(g.Value, "cuda.ptx_package"); ok {
					p.importPath(g.Value, s)
					m.ptxPackage = s
				}
			}
			if m.ptxPackage == "" && len(p.diags) == reported {
				p.diags.Errorf(m.ptxPos, "the cuda section needs ptx_package")
				p.diags.Hint("the import path of the Go package whose PTX variable embeds the kernels, e.g. github.com/layerzero/lzgen/kernels/cuda")
			}
		case "operations":
			for _, g := range diag.Mapping(&p.diags, file, f.Value, "operations", nil) {
				if op := p.op(g); op != nil {
					m.ops = append(m.ops, op)
				}
			}
		case "kernels":
			for _, g := range diag.Mapping(&p.diags, file, f.Value, "kernels", nil) {
				if k := p.kernel(g); k != nil {
					m.kernels = append(m.kernels, k)
				}
			}
		case "dispatch":
			m.dispatch = diag.Resolve(f.Value)
		}
	}
	if root.Kind == yaml.MappingNode {
		for _, key := range []string{"version", "package", "operations", "kernels"} {
			if !seen[key] {
				p.diags.Errorf(p.at(root), "missing required key %q", key)
			}
		}
	}
	return m, p.diags
}

func (p *decoder) op(f diag.Field) *opDecl {
	op := &opDecl{name: f.Name(), pos: p.at(f.Key)}
	if !opNamePattern.MatchString(op.name) {
		p.diags.Errorf(op.pos, "operation name %q must be lowercase words separated by dots, like attention.causal", op.name)
	}
	var ctxNode *yaml.Node
	paramsOK := true
	for _, g := range diag.Mapping(&p.diags, p.file, f.Value, "operation "+op.name, opKeys) {
		switch g.Name() {
		case "params":
			op.params, paramsOK = p.params(g.Value, op.name)
		case "context":
			ctxNode = g.Value
		case "reference":
			if s, ok := p.str(g.Value, "reference"); ok {
				op.reference, op.refPos = s, p.at(g.Value)
			}
		}
	}
	if op.reference == "" {
		p.diags.Errorf(op.pos, "operation %s has no reference kernel", op.name)
		p.diags.Hint("add `reference: <kernel>`, the kernel every fallback ends with")
	}
	if paramsOK && (len(op.params) == 0 || op.params[0].typ != typeTensor) {
		p.diags.Errorf(op.pos, "operation %s must have a tensor as its first param", op.name)
		p.diags.Hint("the call's platform and device are read from the first tensor")
	}
	if ctxNode != nil {
		op.context = p.context(ctxNode, op)
	}
	return op
}

// params decodes an op's params; ok is false when some param was invalid
// (and reported), so that checks of the whole list stay quiet.
func (p *decoder) params(n *yaml.Node, opName string) (out []param, ok bool) {
	n = diag.Resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.diags.Errorf(p.at(n), "params of %s must be a list, got %s", opName, diag.KindName(n))
		return nil, false
	}
	ok = true
	names := map[string]bool{}
	fields := map[string]bool{}
	for _, item := range n.Content {
		pr := param{pos: p.at(item)}
		var hasName, hasType, valid bool
		valid = diag.Resolve(item).Kind == yaml.MappingNode
		for _, g := range diag.Mapping(&p.diags, p.file, item, "param", paramKeys) {
			switch g.Name() {
			case "name":
				hasName = true
				if s, good := p.str(g.Value, "param name"); good {
					pr.name = s
					p.paramName(g.Value, s, names, fields)
				} else {
					valid = false
				}
			case "type":
				hasType = true
				s, good := p.str(g.Value, "param type")
				if t, known := parseParamType(s); good && known {
					pr.typ = t
				} else {
					if good {
						p.diags.Errorf(p.at(g.Value), "unknown param type %q", s)
						p.hintOr(s, paramTypeNames[:], "types: "+strings.Join(paramTypeNames[:], ", "))
					}
					valid = false
				}
			}
		}
		if valid && (!hasName || !hasType) {
			p.diags.Errorf(pr.pos, "a param needs both name and type")
			valid = false
		}
		if !valid {
			ok = false
			continue
		}
		out = append(out, pr)
	}
	return out, ok
}

// reservedNames are identifiers the generated code declares or imports next
// to the params; a param with such a name would shadow them.
var reservedNames = map[string]bool{
	"c": true, "d": true, "call": true, "res": true, "err": true, "id": true, "args": true, "fn": true,
	"runtime": true, "fmt": true, "errors": true, "cuda": true, "kcuda": true, "sync": true, "unsafe": true,
}

// launchLocalPattern matches the locals a launch wrapper packs its
// arguments into (arg0, arg1, ...), which a param must not shadow.
var launchLocalPattern = regexp.MustCompile(`^arg[0-9]+$`)

func (p *decoder) paramName(n *yaml.Node, s string, names, fields map[string]bool) {
	switch {
	case !paramNamePattern.MatchString(s) || token.IsKeyword(s) || isPredeclared(s):
		p.diags.Errorf(p.at(n), "param name %q must be a lowercase Go identifier that is not a keyword or predeclared name", s)
	case reservedNames[s] || launchLocalPattern.MatchString(s):
		p.diags.Errorf(p.at(n), "param name %q is reserved by the generated code", s)
		p.diags.Hint("rename it, e.g. %q", s+"0")
	case names[s]:
		p.diags.Errorf(p.at(n), "duplicate param %q", s)
	case fields[exportName(s)]:
		p.diags.Errorf(p.at(n), "param %q gives the same Args field %s as another param", s, exportName(s))
	}
	names[s], fields[exportName(s)] = true, true
}

func parseParamType(s string) (paramType, bool) {
	for i, n := range paramTypeNames {
		if n == s {
			return paramType(i), true
		}
	}
	return 0, false
}

// derivedFields are filled from the first tensor param, never by expressions.
var derivedFields = map[runtime.Field]bool{
	runtime.FieldOp: true, runtime.FieldPlatform: true, runtime.FieldDevice: true, runtime.FieldSM: true,
}

func contextFieldNames() []string {
	var out []string
	for f := range runtime.NumFields {
		if !derivedFields[f] {
			out = append(out, f.String())
		}
	}
	return out
}

func (p *decoder) context(n *yaml.Node, op *opDecl) []contextExpr {
	var out []contextExpr
	sc := scope{params: op.params}
	for _, g := range diag.Mapping(&p.diags, p.file, n, "context of "+op.name, nil) {
		f, ok := runtime.ParseField(g.Name())
		if !ok {
			p.diags.Errorf(p.at(g.Key), "unknown context field %q", g.Name())
			p.hintOr(g.Name(), contextFieldNames(), "fields: "+strings.Join(contextFieldNames(), ", "))
			continue
		}
		if derivedFields[f] {
			p.diags.Errorf(p.at(g.Key), "context field %s is set by lzgen from the first tensor param", f)
			continue
		}
		src, pos, ok := p.exprSource(g.Value)
		if !ok {
			continue
		}
		e := parseExpr(&p.diags, pos, src, sc)
		if e == nil {
			continue
		}
		if want := fieldValueType(f); !assignable(e.typ, want) {
			p.diags.Errorf(pos, "context field %s needs %s, expression %q is %s", f, want, src, e.typ)
			continue
		}
		out = append(out, contextExpr{field: f, expr: e, pos: pos})
	}
	return out
}

// exprSource returns the source text of an expression scalar and the
// position of its first character (inside the quotes of a quoted scalar).
func (p *decoder) exprSource(n *yaml.Node) (string, diag.Pos, bool) {
	n = diag.Resolve(n)
	pos := p.at(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.diags.Errorf(pos, "expected an expression, got %s", diag.KindName(n))
		return "", pos, false
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		pos.Col++
	}
	return n.Value, pos, true
}

func (p *decoder) rawExpr(n *yaml.Node) *rawExpr {
	src, pos, ok := p.exprSource(n)
	if !ok {
		return nil
	}
	return &rawExpr{src: src, pos: pos}
}

func (p *decoder) kernel(f diag.Field) *kernelDecl {
	k := &kernelDecl{name: f.Name(), pos: p.at(f.Key)}
	if !kernelNamePattern.MatchString(k.name) {
		p.diags.Errorf(k.pos, "kernel name %q must be lowercase letters, digits and underscores, starting with a letter", k.name)
	}
	var when, cpu, cuda *yaml.Node
	var hasBackend, backendOK bool
	for _, g := range diag.Mapping(&p.diags, p.file, f.Value, "kernel "+k.name, kernelKeys) {
		switch g.Name() {
		case "op":
			if s, ok := p.str(g.Value, "op"); ok {
				k.op, k.opPos = s, p.at(g.Value)
			}
		case "backend":
			hasBackend = true
			if s, ok := p.str(g.Value, "backend"); ok {
				if b, ok := runtime.ParsePlatform(s); ok {
					k.backend, backendOK = b, true
				} else {
					p.diags.Errorf(p.at(g.Value), "unknown backend %q", s)
					p.hintOr(s, []string{"cpu", "cuda"}, "backends: cpu, cuda")
				}
			}
		case "priority":
			if v, ok := p.integer(g.Value, "priority"); ok {
				k.priority = v
			}
		case "when":
			when = g.Value
		case "cpu":
			cpu = g.Value
		case "cuda":
			cuda = g.Value
		}
	}
	if k.op == "" {
		p.diags.Errorf(k.pos, "kernel %s has no op", k.name)
		return nil
	}
	if !hasBackend {
		p.diags.Errorf(k.pos, "kernel %s has no backend (cpu or cuda)", k.name)
	}
	// A kernel whose backend is missing or invalid (reported) is read as a
	// cpu kernel only when it has a cpu section; otherwise nothing says
	// which implementation section it needs.
	if !hasBackend || !backendOK && cpu == nil {
		return nil
	}
	k.when.Platform = k.backend
	if when != nil {
		p.when(when, k)
	}
	p.impl(k, cpu, cuda)
	return k
}

// impl parses the kernel's cpu or cuda section, whichever its backend needs.
func (p *decoder) impl(k *kernelDecl, cpu, cuda *yaml.Node) {
	want, have, otherName, other := "cpu", cpu, "cuda", cuda
	if k.backend == runtime.PlatformCUDA {
		want, have, otherName, other = "cuda", cuda, "cpu", cpu
	}
	if other != nil {
		p.diags.Errorf(p.at(other), "kernel %s has backend %s but a %s section", k.name, k.backend, otherName)
	}
	if have == nil {
		p.diags.Errorf(k.pos, "kernel %s with backend %s needs a %s section", k.name, k.backend, want)
		return
	}
	if want == "cuda" {
		k.cuda = p.cudaSection(have)
		return
	}
	reported := len(p.diags)
	for _, g := range diag.Mapping(&p.diags, p.file, have, "cpu", cpuKeys) {
		s, ok := p.str(g.Value, "cpu.func")
		if !ok {
			continue
		}
		k.cpuFuncPos = p.at(g.Value)
		dot := strings.LastIndex(s, ".")
		if dot <= strings.LastIndex(s, "/") || dot == len(s)-1 {
			p.diags.Errorf(k.cpuFuncPos, "cpu.func %q must be importpath.Func", s)
			p.diags.Hint("for example github.com/layerzero/lzgen/kernels/cpu.RMSNorm")
			continue
		}
		k.cpuPkg, k.cpuFunc = s[:dot], s[dot+1:]
		p.importPath(g.Value, k.cpuPkg)
		if !token.IsIdentifier(k.cpuFunc) || !token.IsExported(k.cpuFunc) {
			p.diags.Errorf(k.cpuFuncPos, "cpu.func %q: %q is not an exported Go function name", s, k.cpuFunc)
		}
	}
	if k.cpuFunc == "" && len(p.diags) == reported {
		p.diags.Errorf(p.at(have), "cpu section of kernel %s needs func", k.name)
	}
}

var importPathPattern = regexp.MustCompile(`^[A-Za-z0-9_.~+-]+(/[A-Za-z0-9_.~+-]+)*$`)

func (p *decoder) importPath(n *yaml.Node, s string) {
	if !importPathPattern.MatchString(s) || strings.Contains(s, "..") {
		p.diags.Errorf(p.at(n), "%q is not a Go import path", s)
	}
}

func (p *decoder) str(n *yaml.Node, what string) (string, bool) {
	n = diag.Resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || n.Value == "" {
		p.diags.Errorf(p.at(n), "%s must be a non-empty string, got %s", what, diag.KindName(n))
		return "", false
	}
	return n.Value, true
}

func (p *decoder) integer(n *yaml.Node, what string) (int32, bool) {
	n = diag.Resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		p.diags.Errorf(p.at(n), "%s must be an integer, got %s", what, diag.KindName(n))
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil || v < math.MinInt32 || v > math.MaxInt32 {
		p.diags.Errorf(p.at(n), "%s %s is out of range for a 32-bit integer", what, n.Value)
		return 0, false
	}
	return int32(v), true
}

func (p *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	n = diag.Resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.diags.Errorf(p.at(n), "%s must be true or false, got %s", what, diag.KindName(n))
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		p.diags.Errorf(p.at(n), "%s: %v", what, err)
		return false, false
	}
	return b, true
}

func (p *decoder) list(n *yaml.Node, what string) []*yaml.Node {
	n = diag.Resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.diags.Errorf(p.at(n), "%s must be a list, got %s", what, diag.KindName(n))
		return nil
	}
	return n.Content
}

// hintOr adds a did-you-mean hint for word, or the fallback hint.
func (p *decoder) hintOr(word string, candidates []string, fallback string) {
	if h := diag.DidYouMean(word, candidates); h != "" {
		p.diags.Hint("%s", h)
	} else {
		p.diags.Hint("%s", fallback)
	}
}

// exportName turns a snake_case or dotted name into an exported Go
// identifier: attention.causal -> AttentionCausal, flash_sm80 -> FlashSm80.
func exportName(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r == '_' || r == '.' || r == '-':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unexportName lowercases the first letter of an exported name.
func unexportName(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func isPredeclared(s string) bool {
	switch s {
	case "bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int", "int8",
		"int16", "int32", "int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64",
		"uintptr", "any", "comparable", "true", "false", "iota", "nil", "append", "cap", "clear",
		"close", "complex", "copy", "delete", "imag", "len", "make", "max", "min", "new", "panic",
		"print", "println", "real", "recover":
		return true
	}
	return false
}
