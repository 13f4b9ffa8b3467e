package gen

import (
	"maps"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/layerzero/lzgen/runtime"
)

// The static file: the version guard, op and kernel ids, Args structs,
// context builders and the static dispatchers with their cold paths.

func (e *emitter) static(f *jen.File) {
	f.Comment("The generated code states the lzgen version it was written for; a runtime that")
	f.Comment("does not support it fails these constant conversions at compile time. Regenerate with")
	f.Comment("the lzgen matching your runtime:")
	f.Comment("")
	f.Comment("\tgo run github.com/layerzero/lzgen/cmd/lzgen -manifest " + e.source)
	f.Const().Defs(
		jen.Id("_").Op("=").Add(rt("EnforceVersion")).Call(jen.Lit(runtime.GenVersion).Op("-").Add(rt("MinGenVersion"))),
		jen.Id("_").Op("=").Add(rt("EnforceVersion")).Call(rt("MaxGenVersion").Op("-").Lit(runtime.GenVersion)),
	)
	f.Comment("Operation ids: dense indexes into Registry.Ops.")
	var ops []jen.Code
	for _, op := range e.m.ops {
		ops = append(ops, jen.Id(opConst(op)).Add(rt("OpID")).Op("=").Lit(op.id).Comment(op.name))
	}
	f.Const().Defs(ops...)
	f.Comment("Kernel ids: dense indexes into Registry.Kernels, each operation's kernels contiguous.")
	var kernels []jen.Code
	for _, k := range e.m.kernels {
		kernels = append(kernels, jen.Id(kernelConst(k)).Add(rt("KernelID")).Op("=").Lit(k.id).Comment(k.name))
	}
	f.Const().Defs(kernels...)
	for _, op := range e.m.ops {
		e.args(f, op)
		e.contextBuilder(f, op)
		e.staticDispatcher(f, op)
		e.fallback(f, op)
	}
	for _, k := range e.m.kernels {
		if k.cuda != nil {
			e.launchWrapper(f, k)
		}
	}
}

func (e *emitter) args(f *jen.File, op *opModel) {
	var fields []jen.Code
	for _, p := range op.params {
		fields = append(fields, jen.Id(exportName(p.name)).Add(goParamType(p.typ)))
	}
	f.Commentf("%sArgs holds the arguments of %s, for Registry.Invoke.", op.goName, op.name)
	f.Type().Id(op.goName + "Args").Struct(fields...)
}

func (e *emitter) contextBuilder(f *jen.File, op *opModel) {
	f.Commentf("%s reads the selection context of %s from its arguments.", opFunc(op, "Context"), op.name)
	f.Func().Id(opFunc(op, "Context")).Params(paramDecls(op.params)...).Add(rt("Context")).Block(
		jen.Return(rt("Context").Values(contextValues(op))),
	)
}

// contextFieldValues is, by field, the value op's context builder gives
// each field it sets (nil for the fields it leaves zero): the op, platform,
// device and SM from the first tensor param, the rest from the manifest's
// context expressions. The builder, the Dispatcher's in-place context and
// the static dispatcher's locals all read it, so they cannot disagree.
func contextFieldValues(op *opModel) [runtime.NumFields]*jen.Statement {
	var values [runtime.NumFields]*jen.Statement
	first := op.params[0].name
	device := func() *jen.Statement { return jen.Int32().Call(jen.Id(first).Dot("DeviceIndex").Call()) }
	values[runtime.FieldOp] = jen.Id(opConst(op))
	values[runtime.FieldPlatform] = jen.Id(first).Dot("Platform").Call()
	values[runtime.FieldDevice] = device()
	values[runtime.FieldSM] = rt("DeviceSM").Call(device())
	for _, c := range op.context {
		values[c.field] = c.expr.convert(fieldValueType(c.field))
	}
	return values
}

// contextValues fills the runtime.Context literal of op's context builder.
func contextValues(op *opModel) jen.Dict {
	values := jen.Dict{}
	for f, v := range contextFieldValues(op) {
		if v != nil {
			values[jen.Id(fieldGoNames[f])] = v
		}
	}
	return values
}

// staticDispatcher writes the exported function: a switch of compiled
// constraint checks in static order, each case a direct call. The fields the
// checks read are plain locals, so they live in registers; the full
// runtime.Context is built only on the cold paths.
func (e *emitter) staticDispatcher(f *jen.File, op *opModel) {
	fields := newStaticFields(op)
	var cases []jen.Code
	var names []string
	for _, k := range op.static {
		cond, possible := fields.condition(k)
		if !possible {
			continue // the op's context can never satisfy this kernel statically
		}
		names = append(names, k.name)
		cases = append(cases, jen.Case(cond).Block(
			jen.List(jen.Id("id"), jen.Id("err")).Op("=").Id(kernelConst(k)).Op(",").Add(directCall(k)),
		))
	}
	cases = append(cases, jen.Default().Block(jen.Return(jen.Id("Registry").Dot("StaticNoKernel").Call(
		jen.Id(opFunc(op, "Context")).Call(paramArgs(op.params)...)))))
	f.Commentf("%s runs %s with the first kernel whose constraints accept the call,", op.goName, op.name)
	f.Comment("called directly. Kernels are tried in this order:")
	f.Comment("")
	f.Commentf("\t%s", strings.Join(names, ", "))
	f.Comment("")
	f.Comment("When the kernel fails, the next accepting kernels in that order run; an error")
	f.Comment("wrapping runtime.ErrInvalidArgument is the caller's and returns at once. Kernel")
	f.Comment("panics are recovered on the fallback path only; the success path pays for nothing.")
	body := fields.declare()
	body = append(body,
		jen.Var().Id("id").Add(rt("KernelID")),
		jen.Var().Id("err").Error(),
		jen.Switch().Block(cases...),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(
			jen.Return(jen.Id(opFunc(op, "Fallback")).Call(append([]jen.Code{jen.Id("id"), jen.Id("err")}, paramArgs(op.params)...)...)),
		),
		jen.Return(jen.Nil()),
	)
	f.Func().Id(op.goName).Params(paramDecls(op.params)...).Error().Block(body...)
}

// staticFields are the context fields a static dispatcher reads, as locals
// named ctx<Field>. A field the op's context leaves unset is its zero value,
// known at generation time: terms over it are decided here, not at run time.
type staticFields struct {
	set  [runtime.NumFields]*jen.Statement // the value expression of each field the op sets
	used [runtime.NumFields]bool           // fields some emitted condition reads
}

func newStaticFields(op *opModel) *staticFields {
	return &staticFields{set: contextFieldValues(op)}
}

// ref returns the local holding f, marking it used, or nil when the op
// never sets f (its value is then the zero value).
func (s *staticFields) ref(f runtime.Field) *jen.Statement {
	if s.set[f] == nil {
		return nil
	}
	s.used[f] = true
	return jen.Id("ctx" + fieldGoNames[f])
}

// declare returns the declarations of the used locals, in field order.
func (s *staticFields) declare() []jen.Code {
	var out []jen.Code
	for f := range runtime.NumFields {
		if s.used[f] {
			out = append(out, jen.Id("ctx"+fieldGoNames[f]).Op(":=").Add(s.set[f].Clone()))
		}
	}
	return out
}

// condition compiles a kernel's constraints into a Go condition that holds
// exactly when runtime.Constraints.Check of the op's context is empty. It
// reports false when the condition can never hold (a term over an unset
// field that its zero value fails).
func (s *staticFields) condition(k *kernelModel) (jen.Code, bool) {
	w := &k.when
	var terms []*jen.Statement
	possible := true
	// term adds "field op lit"; for an unset field, holds(0) decides it now.
	term := func(f runtime.Field, op string, lit jen.Code, holds func(zero int64) bool) {
		if v := s.ref(f); v != nil {
			terms = append(terms, v.Op(op).Add(lit))
		} else if !holds(0) {
			possible = false
		}
	}
	intRange := func(f runtime.Field, r runtime.Range) {
		if r.Min != 0 {
			term(f, ">=", jen.Lit(int(r.Min)), func(z int64) bool { return z >= int64(r.Min) })
		}
		if r.Max != 0 {
			term(f, "<=", jen.Lit(int(r.Max)), func(z int64) bool { return z <= int64(r.Max) })
		}
		if r.Multiple > 1 {
			if v := s.ref(f); v != nil {
				terms = append(terms, v.Op("%").Lit(int(r.Multiple)).Op("==").Lit(0))
			}
		}
	}
	term(runtime.FieldPlatform, "==", rt(platformGoNames[w.Platform]), nil)
	if w.MinSM != 0 {
		term(runtime.FieldSM, ">=", jen.Lit(int(w.MinSM)), nil)
	}
	if w.MaxSM != 0 {
		term(runtime.FieldSM, "<=", jen.Lit(int(w.MaxSM)), nil)
	}
	if w.DTypes != 0 {
		oneOf(s, &terms, &possible, runtime.FieldDType, w.DTypes, dtypeGoNames)
	}
	if w.Layouts != 0 {
		oneOf(s, &terms, &possible, runtime.FieldLayout, w.Layouts, layoutGoNames)
	}
	intRange(runtime.FieldHeadDim, w.HeadDim)
	intRange(runtime.FieldSeqLenQ, runtime.Range{Min: w.SeqLenQ.Min, Max: w.SeqLenQ.Max})
	intRange(runtime.FieldSeqLenK, runtime.Range{Min: w.SeqLenK.Min, Max: w.SeqLenK.Max})
	intRange(runtime.FieldBatchSize, runtime.Range{Min: w.BatchSize.Min, Max: w.BatchSize.Max})
	if !w.SupportsGQA {
		if t := s.notGQA(); t != nil {
			terms = append(terms, t)
		}
	}
	if v := s.ref(runtime.FieldDropoutP); v != nil && !w.SupportsDropout {
		terms = append(terms, jen.Op("!").Parens(v.Op(">").Lit(0)))
	}
	if !w.CUDAGraphSafe {
		s.notSet(&terms, runtime.FieldIsCUDAGraphCapturing)
	}
	if !w.Deterministic {
		s.notSet(&terms, runtime.FieldRequiresDeterministic)
	}
	if !possible {
		return nil, false
	}
	cond := terms[0]
	for _, t := range terms[1:] {
		cond = cond.Op("&&").Add(t)
	}
	return cond, true
}

// oneOf adds "field is one of the accepted values" for an enum field (dtype
// or layout) whose accepted set is set; names spells each value in Go.
func oneOf[T ~uint8](s *staticFields, terms *[]*jen.Statement, possible *bool, f runtime.Field, set interface{ Has(T) bool }, names map[T]string) {
	v := s.ref(f)
	if v == nil {
		*possible = *possible && set.Has(0)
		return
	}
	var alts []*jen.Statement
	for _, x := range members(set, names) {
		alts = append(alts, v.Clone().Op("==").Add(rt(names[x])))
	}
	*terms = append(*terms, anyOf(alts))
}

// members lists, in value order, the values of names that set holds.
func members[T ~uint8](set interface{ Has(T) bool }, names map[T]string) []T {
	var out []T
	for _, x := range slices.Sorted(maps.Keys(names)) {
		if set.Has(x) {
			out = append(out, x)
		}
	}
	return out
}

// notSet adds "!field" for a bool field the op sets; an unset bool is false.
func (s *staticFields) notSet(terms *[]*jen.Statement, f runtime.Field) {
	if v := s.ref(f); v != nil {
		*terms = append(*terms, jen.Op("!").Add(v))
	}
}

// notGQA is !Context.IsGQA() over the fields the op sets, or nil when the
// op's context can never be GQA.
func (s *staticFields) notGQA() *jen.Statement {
	var gqa []*jen.Statement
	if enable := s.ref(runtime.FieldEnableGQA); enable != nil {
		gqa = append(gqa, enable)
	}
	if kv := s.ref(runtime.FieldNumKVHeads); kv != nil {
		other := jen.Lit(0)
		if heads := s.ref(runtime.FieldNumHeads); heads != nil {
			other = heads
		}
		gqa = append(gqa, jen.Parens(kv.Clone().Op("!=").Lit(0).Op("&&").Add(kv.Clone()).Op("!=").Add(other)))
	}
	if len(gqa) == 0 {
		return nil
	}
	return jen.Op("!").Add(anyOf(gqa).Clone())
}

// directCall calls a kernel's implementation with the op's params.
func directCall(k *kernelModel) *jen.Statement {
	if k.cuda != nil {
		return jen.Id(launchName(k)).Call(paramArgs(k.op.params)...)
	}
	return jen.Qual(k.cpuPkg, k.cpuFunc).Call(paramArgs(k.op.params)...)
}

func launchName(k *kernelModel) string { return "launch" + k.goName }

// fallback writes the op's cold path and its static order.
func (e *emitter) fallback(f *jen.File, op *opModel) {
	order := opFunc(op, "Order")
	var ids []jen.Code
	for _, k := range op.static {
		ids = append(ids, jen.Id(kernelConst(k)))
	}
	f.Commentf("%s is the order the static dispatcher of %s tries kernels in.", order, op.name)
	f.Var().Id(order).Op("=").Index(jen.Op("...")).Add(rt("KernelID")).Values(ids...)
	params := append([]jen.Code{jen.Id("failed").Add(rt("KernelID")), jen.Id("err").Error()}, paramDecls(op.params)...)
	f.Commentf("%s is the cold path of %s after kernel failed returned err.", opFunc(op, "Fallback"), op.goName)
	f.Func().Id(opFunc(op, "Fallback")).Params(params...).Error().Block(
		jen.Return(jen.Id("Registry").Dot("StaticFallback").Call(jen.Id(opFunc(op, "Context")).Call(paramArgs(op.params)...), jen.Id(order).Index(jen.Op(":")), jen.Id("failed"), jen.Id("err"),
			jen.Func().Params(jen.Id("id").Add(rt("KernelID"))).Error().Block(
				jen.Return(jen.Id(invokeName(op)).Call(append([]jen.Code{jen.Id("id")}, paramArgs(op.params)...)...)),
			))),
	)
}

// anyOf joins alternatives with ||, parenthesised when there are several.
func anyOf(alts []*jen.Statement) *jen.Statement {
	if len(alts) == 1 {
		return alts[0]
	}
	s := alts[0]
	for _, a := range alts[1:] {
		s = s.Op("||").Add(a)
	}
	return jen.Parens(s)
}
