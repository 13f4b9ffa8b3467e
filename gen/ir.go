package gen

import (
	"cmp"
	"slices"

	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
)

// The model the emitters read: immutable once built, every list in a fixed
// order (ops in manifest order, kernels grouped by op then in manifest order),
// so nothing downstream iterates a map.

type model struct {
	file       string // manifest base name, for KernelInfo.Pos
	pkg        string
	ptxPackage string
	ptxPos     diag.Pos
	ops        []*opModel     // index = OpID
	kernels    []*kernelModel // index = KernelID; each op's kernels are contiguous
	policy     string         // the dispatch section in rules-file YAML, "" when absent
}

type opModel struct {
	id        int
	name      string // attention.causal
	goName    string // AttentionCausal
	pos       diag.Pos
	params    []param
	context   []contextExpr
	reference *kernelModel
	byPrio    []*kernelModel // every kernel, highest priority first, ties in manifest order
	static    []*kernelModel // the static dispatcher's order: lock, chain, rest by priority, reference
}

type kernelModel struct {
	id       int
	name     string // attention_causal_tiled
	goName   string // AttentionCausalTiled
	pos      diag.Pos
	op       *opModel
	backend  runtime.Platform
	priority int32
	when     runtime.Constraints
	cpuPkg   string
	cpuFunc  string
	cpuPos   diag.Pos
	cuda     *cudaModel
}

type cudaModel struct {
	module, entry string
	args          []*expr
	grid, block   [3]*expr
	sharedMem     *expr // nil: 0
}

// hasCUDA reports whether any kernel of the model has the cuda backend.
func (m *model) hasCUDA() bool {
	return slices.ContainsFunc(m.kernels, func(k *kernelModel) bool { return k.cuda != nil })
}

// reservedGoNames are the package-level identifiers every generated file
// declares; an op or kernel whose Go name matches one would not compile.
var reservedGoNames = []string{"Registry", "Dispatcher", "NewDispatcher", "Default", "invoke"}

// builder resolves cross-references and turns a manifest into a model.
type builder struct {
	m       *manifest
	diags   *diag.List
	goNames map[string]diag.Pos // package-level identifiers declared so far
	noPTX   bool                // the missing cuda.ptx_package was reported
}

// build resolves references, checks what needs the whole manifest and
// returns the model. Problems go to diags; the model is only used when
// diags holds no error.
func build(m *manifest, diags *diag.List) *model {
	b := &builder{m: m, diags: diags, goNames: map[string]diag.Pos{}}
	for _, n := range reservedGoNames {
		b.goNames[n] = diag.Pos{}
	}
	out := &model{file: m.file, pkg: m.pkg, ptxPackage: m.ptxPackage, ptxPos: m.ptxPos}
	opsByName := map[string]*opModel{}
	var opNames []string
	for _, d := range m.ops {
		op := &opModel{id: len(out.ops), name: d.name, goName: exportName(d.name), pos: d.pos, params: d.params, context: d.context}
		for _, name := range []string{op.goName, "Op" + op.goName, op.goName + "Args", op.goName + "Result"} {
			if !b.declare(name, op.pos, "operation "+op.name) {
				break
			}
		}
		out.ops = append(out.ops, op)
		opsByName[op.name] = op
		opNames = append(opNames, op.name)
	}
	byOp := make([][]*kernelModel, len(out.ops))
	kernelsByName := map[string]*kernelModel{}
	var kernelNames []string
	for _, d := range m.kernels {
		kernelNames = append(kernelNames, d.name)
		op, ok := opsByName[d.op]
		if !ok {
			diags.Errorf(d.opPos, "kernel %s: unknown operation %q", d.name, d.op)
			if h := diag.DidYouMean(d.op, opNames); h != "" {
				diags.Hint("%s", h)
			}
			continue
		}
		k := &kernelModel{name: d.name, goName: exportName(d.name), pos: d.pos, op: op, backend: d.backend,
			priority: d.priority, when: d.when, cpuPkg: d.cpuPkg, cpuFunc: d.cpuFunc, cpuPos: d.cpuFuncPos}
		b.declare("Kernel"+k.goName, k.pos, "kernel "+k.name)
		if d.cuda != nil {
			k.cuda = b.cuda(d.cuda, op)
			b.needPTXPackage(k)
		}
		byOp[op.id] = append(byOp[op.id], k)
		kernelsByName[k.name] = k
	}
	for _, ks := range byOp {
		for _, k := range ks {
			k.id = len(out.kernels)
			out.kernels = append(out.kernels, k)
		}
	}
	for i, op := range out.ops {
		d := m.ops[i]
		op.byPrio = slices.Clone(byOp[i])
		slices.SortStableFunc(op.byPrio, func(a, b *kernelModel) int { return cmp.Compare(b.priority, a.priority) })
		b.reference(op, d, kernelsByName, kernelNames)
		b.ambiguity(op)
	}
	if diags.HasErrors() {
		return out
	}
	out.policy = b.bake(out)
	return out
}

// declare records a package-level Go identifier; it reports a clash and
// returns false.
func (b *builder) declare(name string, pos diag.Pos, what string) bool {
	if first, dup := b.goNames[name]; dup {
		if first.Valid() {
			b.diags.Errorf(pos, "%s would declare Go identifier %s, already declared for the declaration at %s", what, name, first)
		} else {
			b.diags.Errorf(pos, "%s would declare Go identifier %s, which the generated code reserves", what, name)
		}
		b.diags.Hint("rename it")
		return false
	}
	b.goNames[name] = pos
	return true
}

func (b *builder) reference(op *opModel, d *opDecl, byName map[string]*kernelModel, names []string) {
	if d.reference == "" {
		return
	}
	k, ok := byName[d.reference]
	switch {
	case !ok:
		b.diags.Errorf(d.refPos, "operation %s: unknown reference kernel %q", op.name, d.reference)
		if h := diag.DidYouMean(d.reference, names); h != "" {
			b.diags.Hint("%s", h)
		}
	case k.op != op:
		b.diags.Errorf(d.refPos, "operation %s: reference kernel %s implements %s", op.name, k.name, k.op.name)
	default:
		op.reference = k
	}
}

// ambiguity reports kernels of one op that nothing can tell apart: the
// later one could never be chosen.
func (b *builder) ambiguity(op *opModel) {
	for i, k := range op.byPrio {
		for _, prev := range op.byPrio[:i] {
			if prev.priority == k.priority && prev.when == k.when {
				b.diags.Errorf(k.pos, "kernel %s is indistinguishable from %s (same operation, constraints and priority): it can never be chosen", k.name, prev.name)
				b.diags.Hint("give one of them a different priority or different constraints")
				break
			}
		}
	}
}

// needPTXPackage reports, once, a cuda kernel in a manifest without a
// top-level cuda section: its launch wrapper would have no PTX to load.
func (b *builder) needPTXPackage(k *kernelModel) {
	if b.m.ptxPos.Valid() || b.noPTX {
		return
	}
	b.noPTX = true
	b.diags.Errorf(k.pos, "kernel %s has backend cuda, but the manifest has no top-level cuda section naming the package that embeds the PTX", k.name)
	b.diags.Hint("add `cuda: {ptx_package: github.com/layerzero/lzgen/kernels/cuda}`, or name your own package that declares `var PTX = cuda.NewModuleSet(...)`")
}

// cuda checks a cuda kernel's expressions against its operation.
func (b *builder) cuda(d *cudaDecl, op *opModel) *cudaModel {
	sc := scope{params: op.params, fields: true}
	c := &cudaModel{module: d.module, entry: d.entry}
	for _, a := range d.args {
		if e := b.launchExpr(a, op, sc); e != nil {
			c.args = append(c.args, e)
		}
	}
	// intExpr checks a launch dimension; a literal must be at least min.
	intExpr := func(r *rawExpr, what string, min int64) *expr {
		e := b.launchExpr(r, op, sc)
		switch {
		case e == nil:
		case !e.typ.isInt():
			b.diags.Errorf(r.pos, "%s needs an integer expression, %q is %s", what, r.src, e.typ)
			return nil
		case e.kind == exInt && e.value < min:
			b.diags.Errorf(r.pos, "%s %d is out of range (at least %d)", what, e.value, min)
			return nil
		}
		return e
	}
	for i := range 3 {
		if d.grid[i] != nil {
			c.grid[i] = intExpr(d.grid[i], "cuda.grid", 1)
		}
		if d.block[i] != nil {
			c.block[i] = intExpr(d.block[i], "cuda.block", 1)
		}
	}
	if d.sharedMem != nil {
		c.sharedMem = intExpr(d.sharedMem, "cuda.shared_mem", 0)
	}
	return c
}

// launchExpr parses one cuda expression and rejects context fields that the
// operation's context never sets: they would always read as zero.
func (b *builder) launchExpr(r *rawExpr, op *opModel, sc scope) *expr {
	e := parseExpr(b.diags, r.pos, r.src, sc)
	if f, ok := e.unsetField(op); ok {
		b.diags.Errorf(r.pos, "%q reads context field %s, which operation %s does not set (it would always be zero)", r.src, f, op.name)
		b.diags.Hint("add %s to the context of %s, or pass the value it stands for", f, op.name)
		return nil
	}
	return e
}

// unsetField returns the first context field x reads that op's context
// builder leaves at zero.
func (x *expr) unsetField(op *opModel) (runtime.Field, bool) {
	unset := x.find(func(e *expr) bool {
		return e.kind == exField && !derivedFields[e.field] &&
			!slices.ContainsFunc(op.context, func(c contextExpr) bool { return c.field == e.field })
	})
	if unset == nil {
		return 0, false
	}
	return unset.field, true
}
