package gen

import (
	"fmt"
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
		fields = append(fields, jen.Id(exportName(p.name)).Add(paramType(p.typ)))
	}
	f.Commentf("%sArgs holds the arguments of %s, for Registry.Invoke.", op.goName, op.name)
	f.Type().Id(op.goName + "Args").Struct(fields...)
}

func (e *emitter) contextBuilder(f *jen.File, op *opModel) {
	f.Commentf("%s reads the selection context of %s from its arguments.", opFunc(op, "Context"), op.name)
	f.Func().Id(opFunc(op, "Context")).Params(paramDecls(op.params)...).Add(rt("Context")).Block(
		jen.Return(rt("Context").Values(contextValues(op, false))),
	)
}

// checkedFields are the Context fields runtime.Constraints.Check reads.
var checkedFields = map[runtime.Field]bool{
	runtime.FieldPlatform: true, runtime.FieldDType: true, runtime.FieldLayout: true, runtime.FieldSM: true,
	runtime.FieldBatchSize: true, runtime.FieldSeqLenQ: true, runtime.FieldSeqLenK: true, runtime.FieldNumHeads: true,
	runtime.FieldNumKVHeads: true, runtime.FieldHeadDim: true, runtime.FieldDropoutP: true, runtime.FieldEnableGQA: true,
	runtime.FieldIsCUDAGraphCapturing: true, runtime.FieldRequiresDeterministic: true,
}

// contextValues fills a runtime.Context literal for op. The static
// dispatcher's copy (checkedOnly) holds only what constraint checks read, and
// the SM only when a kernel of the op bounds it: its success path pays for
// nothing else.
func contextValues(op *opModel, checkedOnly bool) jen.Dict {
	first := op.params[0].name
	device := jen.Int32().Call(jen.Id(first).Dot("DeviceIndex").Call())
	values := jen.Dict{
		jen.Id("Op"):       jen.Id(opConst(op)),
		jen.Id("Platform"): jen.Id(first).Dot("Platform").Call(),
	}
	if !checkedOnly {
		values[jen.Id("Device")] = device
	}
	if !checkedOnly || slices.ContainsFunc(op.byPrio, func(k *kernelModel) bool { return k.when.MinSM != 0 || k.when.MaxSM != 0 }) {
		values[jen.Id("SM")] = rt("DeviceSM").Call(device.Clone())
	}
	for _, c := range op.context {
		if !checkedOnly || checkedFields[c.field] {
			values[jen.Id(fieldGoNames[c.field])] = c.expr.convert(fieldValueType(c.field))
		}
	}
	return values
}

// staticDispatcher writes the exported function: a switch of compiled
// constraint checks in static order, each case a direct call.
func (e *emitter) staticDispatcher(f *jen.File, op *opModel) {
	var cases []jen.Code
	for _, k := range op.static {
		cases = append(cases, jen.Case(condition(k)).Block(
			jen.List(jen.Id("id"), jen.Id("err")).Op("=").Id(kernelConst(k)).Op(",").Add(directCall(k)),
		))
	}
	cases = append(cases, jen.Default().Block(jen.Return(jen.Id("Registry").Dot("StaticNoKernel").Call(jen.Op("&").Id("c")))))
	names := make([]string, len(op.static))
	for i, k := range op.static {
		names[i] = k.name
	}
	f.Commentf("%s runs %s with the first kernel whose constraints accept the call,", op.goName, op.name)
	f.Comment("called directly. Kernels are tried in this order:")
	f.Comment("")
	f.Commentf("\t%s", strings.Join(names, ", "))
	f.Comment("")
	f.Comment("When the kernel fails, the next accepting kernels in that order run; an error")
	f.Comment("wrapping runtime.ErrInvalidArgument is the caller's and returns at once. Kernel")
	f.Comment("panics are recovered on the fallback path only; the success path pays for nothing.")
	f.Func().Id(op.goName).Params(paramDecls(op.params)...).Error().Block(
		jen.Id("c").Op(":=").Add(rt("Context")).Values(contextValues(op, true)),
		jen.Var().Id("id").Add(rt("KernelID")),
		jen.Var().Id("err").Error(),
		jen.Switch().Block(cases...),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(
			jen.Return(jen.Id(opFunc(op, "Fallback")).Call(append([]jen.Code{jen.Op("&").Id("c"), jen.Id("id"), jen.Id("err")}, paramArgs(op.params)...)...)),
		),
		jen.Return(jen.Nil()),
	)
}

// directCall calls a kernel's implementation with the op's params.
func directCall(k *kernelModel) *jen.Statement {
	if k.cuda != nil {
		return jen.Id(launchName(k)).Call(append([]jen.Code{jen.Op("&").Id("c")}, paramArgs(k.op.params)...)...)
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
	params := append([]jen.Code{jen.Id("c").Op("*").Add(rt("Context")), jen.Id("failed").Add(rt("KernelID")), jen.Id("err").Error()}, paramDecls(op.params)...)
	f.Commentf("%s is the cold path of %s after kernel failed returned err.", opFunc(op, "Fallback"), op.goName)
	f.Func().Id(opFunc(op, "Fallback")).Params(params...).Error().Block(
		jen.Return(jen.Id("Registry").Dot("StaticFallback").Call(jen.Id("c"), jen.Id(order).Index(jen.Op(":")), jen.Id("failed"), jen.Id("err"),
			jen.Func().Params(jen.Id("id").Add(rt("KernelID"))).Error().Block(
				jen.Return(jen.Id(invokeName(op)).Call(append([]jen.Code{jen.Id("id")}, paramArgs(op.params)...)...)),
			))),
	)
}

// condition compiles a kernel's constraints into a Go condition that holds
// exactly when runtime.Constraints.Check(c) is empty.
func condition(k *kernelModel) jen.Code {
	w := &k.when
	c := func(field string) *jen.Statement { return jen.Id("c").Dot(field) }
	terms := []*jen.Statement{c("Platform").Op("==").Add(rt(platformGoNames[w.Platform]))}
	if w.MinSM != 0 {
		terms = append(terms, c("SM").Op(">=").Lit(int(w.MinSM)))
	}
	if w.MaxSM != 0 {
		terms = append(terms, c("SM").Op("<=").Lit(int(w.MaxSM)))
	}
	if w.DTypes != 0 {
		var alts []*jen.Statement
		for _, d := range slices.Sorted(maps.Keys(dtypeGoNames)) {
			if w.DTypes.With(d) == w.DTypes {
				alts = append(alts, c("DType").Op("==").Add(rt(dtypeGoNames[d])))
			}
		}
		terms = append(terms, anyOf(alts))
	}
	if w.Layouts != 0 {
		var alts []*jen.Statement
		for _, l := range slices.Sorted(maps.Keys(layoutGoNames)) {
			if w.Layouts.With(l) == w.Layouts {
				alts = append(alts, c("Layout").Op("==").Add(rt(layoutGoNames[l])))
			}
		}
		terms = append(terms, anyOf(alts))
	}
	terms = append(terms, rangeTerms(c("HeadDim"), w.HeadDim)...)
	terms = append(terms, rangeTerms(c("SeqLenQ"), runtime.Range{Min: w.SeqLenQ.Min, Max: w.SeqLenQ.Max})...)
	terms = append(terms, rangeTerms(c("SeqLenK"), runtime.Range{Min: w.SeqLenK.Min, Max: w.SeqLenK.Max})...)
	terms = append(terms, rangeTerms(c("BatchSize"), runtime.Range{Min: w.BatchSize.Min, Max: w.BatchSize.Max})...)
	if !w.SupportsGQA {
		terms = append(terms, jen.Op("!").Id("c").Dot("IsGQA").Call())
	}
	if !w.SupportsDropout {
		terms = append(terms, jen.Op("!").Parens(c("DropoutP").Op(">").Lit(0)))
	}
	if !w.CUDAGraphSafe {
		terms = append(terms, jen.Op("!").Add(c("IsCUDAGraphCapturing")))
	}
	if !w.Deterministic {
		terms = append(terms, jen.Op("!").Add(c("RequiresDeterministic")))
	}
	cond := terms[0]
	for _, t := range terms[1:] {
		cond = cond.Op("&&").Add(t)
	}
	return cond
}

func rangeTerms(v *jen.Statement, r runtime.Range) []*jen.Statement {
	var out []*jen.Statement
	if r.Min != 0 {
		out = append(out, v.Clone().Op(">=").Lit(int(r.Min)))
	}
	if r.Max != 0 {
		out = append(out, v.Clone().Op("<=").Lit(int(r.Max)))
	}
	if r.Multiple > 1 {
		out = append(out, v.Clone().Op("%").Lit(int(r.Multiple)).Op("==").Lit(0))
	}
	return out
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

// launchWrapper writes the typed launch function of a cuda kernel. Launching
// needs the CUDA runtime of a later issue; until then it reports that no
// driver is available, which the dispatcher answers with a fallback.
func (e *emitter) launchWrapper(f *jen.File, k *kernelModel) {
	params := append([]jen.Code{jen.Id("c").Op("*").Add(rt("Context"))}, paramDecls(k.op.params)...)
	f.Commentf("%s launches cuda kernel %s (%s).", launchName(k), k.name, k.impl())
	f.Func().Id(launchName(k)).Params(params...).Error().Block(
		jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("kernel %s: %%w", k.name)), jen.Qual(cudaPkg, "ErrNoDriver"))),
	)
}
