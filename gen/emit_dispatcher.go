package gen

import (
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
)

// The dispatcher file: the typed Dispatcher whose methods route every call
// through a runtime.Engine (or straight to the static dispatchers when the
// engine resolved to STATIC mode), and the package's default dispatcher.

func (e *emitter) dispatcher(f *jen.File) {
	f.Comment("Dispatcher runs the operations through a runtime.Engine over Registry: dynamic")
	f.Comment("selection, rules, circuit breakers, fallback and telemetry, as its options ask.")
	f.Type().Id("Dispatcher").Struct(
		jen.Id("engine").Op("*").Add(rt("Engine")),
		jen.Id("static").Bool(),
	)
	f.Comment("NewDispatcher builds an engine over Registry with opts.")
	f.Func().Id("NewDispatcher").Params(jen.Id("opts").Op("...").Add(rt("Option"))).Params(jen.Op("*").Id("Dispatcher"), jen.Error()).Block(
		jen.List(jen.Id("e"), jen.Id("err")).Op(":=").Add(rt("NewEngine")).Call(jen.Id("Registry"), jen.Id("opts").Op("...")),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Id("err"))),
		jen.Return(jen.Op("&").Id("Dispatcher").Values(jen.Dict{
			jen.Id("engine"): jen.Id("e"),
			jen.Id("static"): jen.Id("e").Dot("Mode").Call().Op("==").Add(rt("ModeStatic")),
		}), jen.Nil()),
	)
	f.Comment("Engine returns the engine behind d, for explanations, policies and telemetry.")
	f.Func().Params(jen.Id("d").Op("*").Id("Dispatcher")).Id("Engine").Params().Op("*").Add(rt("Engine")).Block(
		jen.Return(jen.Id("d").Dot("engine")),
	)
	f.Comment("Close stops what the engine runs in the background (the rules watcher).")
	f.Func().Params(jen.Id("d").Op("*").Id("Dispatcher")).Id("Close").Params().Error().Block(
		jen.Return(jen.Id("d").Dot("engine").Dot("Close").Call()),
	)
	f.Comment("defaultDispatcher is built on first use; see Default.")
	f.Var().Id("defaultDispatcher").Op("=").Qual("sync", "OnceValue").Call(jen.Func().Params().Op("*").Id("Dispatcher").Block(
		jen.List(jen.Id("d"), jen.Id("err")).Op(":=").Id("NewDispatcher").Call(rt("WithMode").Call(rt("ModeDynamic"))),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(
			jen.Panic(jen.Lit("lzgen: building the default dispatcher: ").Op("+").Id("err").Dot("Error").Call()),
		),
		jen.Return(jen.Id("d")),
	))
	f.Comment("Default returns the package's shared Dispatcher, built on first use in DYNAMIC mode.")
	f.Func().Id("Default").Params().Op("*").Id("Dispatcher").Block(jen.Return(jen.Id("defaultDispatcher").Call()))
	for _, op := range e.m.ops {
		e.method(f, op)
	}
}

// method writes the op's Dispatcher method and its Result variant.
func (e *emitter) method(f *jen.File, op *opModel) {
	args := paramArgs(op.params)
	loop := func(context, res jen.Code) []jen.Code {
		return []jen.Code{
			context,
			jen.Var().Id("call").Add(rt("Call")),
			jen.Id("d").Dot("engine").Dot("Begin").Call(jen.Op("&").Id("call"), jen.Op("&").Id("c"), res),
			jen.For(jen.Id("call").Dot("Next").Call()).Block(
				jen.Id("call").Dot("Done").Call(jen.Id(invokeName(op)).Call(append([]jen.Code{jen.Id("call").Dot("Kernel").Call()}, args...)...)),
			),
		}
	}
	recv := jen.Id("d").Op("*").Id("Dispatcher")
	f.Commentf("%s runs %s through the engine (or the static dispatcher in STATIC mode).", op.goName, op.name)
	// The hot method fills the context in place; the timed Result variant
	// calls the builder.
	inPlace := jen.Var().Id("c").Add(rt("Context")).Line().Add(contextAssignments(op)...)
	body := append([]jen.Code{jen.If(jen.Id("d").Dot("static")).Block(jen.Return(jen.Id(op.goName).Call(args...)))}, loop(inPlace, jen.Nil())...)
	body = append(body, jen.Return(jen.Id("call").Dot("Err").Call()))
	f.Func().Params(recv).Id(op.goName).Params(paramDecls(op.params)...).Error().Block(body...)

	f.Commentf("%sResult runs %s through the engine and describes the call: the kernel that", op.goName, op.name)
	f.Comment("ran, whether the decision was cached, fallbacks, and timings.")
	body = append([]jen.Code{jen.Var().Id("res").Add(rt("Result"))}, loop(jen.Id("c").Op(":=").Id(opFunc(op, "Context")).Call(args...), jen.Op("&").Id("res"))...)
	body = append(body, jen.Return(jen.Id("res"), jen.Id("call").Dot("Err").Call()))
	f.Func().Params(recv.Clone()).Id(op.goName+"Result").Params(paramDecls(op.params)...).Params(rt("Result"), jen.Error()).Block(body...)
}

// contextAssignments fills a declared runtime.Context c field by field with
// the values of the op's context builder, in field-name order. Assigning in
// place matters for speed: a composite literal is built in a temporary and
// copied with wide moves, which stall on the literal's narrow stores.
func contextAssignments(op *opModel) []jen.Code {
	type assignment struct {
		field string
		value jen.Code
	}
	var as []assignment
	for f, value := range contextFieldValues(op) {
		if value != nil {
			as = append(as, assignment{fieldGoNames[f], value})
		}
	}
	slices.SortFunc(as, func(a, b assignment) int { return strings.Compare(a.field, b.field) })
	out := make([]jen.Code, len(as))
	for i, a := range as {
		out[i] = jen.Id("c").Dot(a.field).Op("=").Add(a.value)
		if i < len(as)-1 {
			out[i] = jen.Add(out[i]).Line()
		}
	}
	return out
}
