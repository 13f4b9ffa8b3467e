package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/layerzero/lzgen/runtime"
)

// The registry file: the registration table with constraints as data, and
// the index-based invoke switches the engine calls kernels through.

func (e *emitter) registry(f *jen.File) {
	var ops, kernels []jen.Code
	for _, op := range e.m.ops {
		var ids []jen.Code
		for _, k := range op.byPrio {
			ids = append(ids, jen.Id(kernelConst(k)))
		}
		ops = append(ops, jen.Id(opConst(op)).Op(":").Values(jen.Dict{
			jen.Id("Name"):      jen.Lit(op.name),
			jen.Id("Reference"): jen.Id(kernelConst(op.reference)),
			jen.Id("Kernels"):   jen.Index().Add(rt("KernelID")).Values(ids...),
		}))
	}
	for _, k := range e.m.kernels {
		info := jen.Dict{
			jen.Id("Name"):        jen.Lit(k.name),
			jen.Id("Op"):          jen.Id(opConst(k.op)),
			jen.Id("Backend"):     rt(platformGoNames[k.backend]),
			jen.Id("Constraints"): constraintsLiteral(&k.when),
			jen.Id("Impl"):        jen.Lit(k.impl()),
			jen.Id("Pos"):         jen.Lit(k.pos.String()),
		}
		if k.priority != 0 {
			info[jen.Id("Priority")] = jen.Lit(int(k.priority))
		}
		kernels = append(kernels, jen.Id(kernelConst(k)).Op(":").Values(info))
	}
	fields := jen.Dict{
		jen.Id("Manifest"): jen.Lit(e.source),
		jen.Id("Ops"):      jen.Index().Add(rt("OpInfo")).Add(linedValues(ops)),
		jen.Id("Kernels"):  jen.Index().Add(rt("KernelInfo")).Add(linedValues(kernels)),
		jen.Id("Invoke"):   jen.Id("invoke"),
	}
	if e.m.policy != "" {
		fields[jen.Id("Policy")] = jen.Lit(e.m.policy)
	}
	f.Commentf("Registry is the registration table of %s: every operation and kernel, with", e.source)
	f.Comment("constraints as data, for the engine, explanations and tools.")
	f.Var().Id("Registry").Op("=").Op("&").Add(rt("Registry")).Values(fields)

	var cases []jen.Code
	for _, op := range e.m.ops {
		args := []jen.Code{jen.Id("id")}
		for _, p := range op.params {
			args = append(args, jen.Id("a").Dot(exportName(p.name)))
		}
		cases = append(cases, jen.Case(jen.Op("*").Id(op.goName+"Args")).Block(jen.Return(jen.Id(invokeName(op)).Call(args...))))
	}
	f.Comment("invoke calls kernel id with args, a pointer to the Args struct of the kernel's operation.")
	f.Func().Id("invoke").Params(jen.Id("id").Add(rt("KernelID")), jen.Id("args").Any()).Error().Block(
		jen.Switch(jen.Id("a").Op(":=").Id("args").Assert(jen.Type())).Block(cases...),
		jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: kernel %d invoked with %T"), rt("ErrInvalidArgument"), jen.Id("id"), jen.Id("args"))),
	)
	for _, op := range e.m.ops {
		e.invoke(f, op)
	}
}

// invoke writes the op's index-based invoke switch, which recovers panics.
func (e *emitter) invoke(f *jen.File, op *opModel) {
	var cases []jen.Code
	for _, k := range op.byPrio {
		cases = append(cases, jen.Case(jen.Id(kernelConst(k))).Block(jen.Return(directCall(k))))
	}
	params := append([]jen.Code{jen.Id("id").Add(rt("KernelID"))}, paramDecls(op.params)...)
	f.Commentf("%s calls kernel id of %s; a kernel panic becomes a *runtime.PanicError.", invokeName(op), op.name)
	f.Func().Id(invokeName(op)).Params(params...).Params(jen.Id("err").Error()).Block(
		jen.Defer().Add(rt("RecoverKernel")).Call(jen.Op("&").Id("err")),
		jen.Switch(jen.Id("id")).Block(cases...),
		jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%%w: kernel %%d is not a kernel of %s", op.name)), rt("ErrInvalidArgument"), jen.Id("id"))),
	)
}

// constraintsLiteral writes constraints as a runtime.Constraints literal,
// leaving out zero fields.
func constraintsLiteral(w *runtime.Constraints) jen.Code {
	d := jen.Dict{jen.Id("Platform"): rt(platformGoNames[w.Platform])}
	if w.DTypes != 0 {
		d[jen.Id("DTypes")] = bitSet(w.DTypes, dtypeGoNames)
	}
	if w.Layouts != 0 {
		d[jen.Id("Layouts")] = bitSet(w.Layouts, layoutGoNames)
	}
	ints := map[string]int32{"MinSM": w.MinSM, "MaxSM": w.MaxSM}
	for name, v := range ints {
		if v != 0 {
			d[jen.Id(name)] = jen.Lit(int(v))
		}
	}
	ranges := map[string]runtime.Range{"HeadDim": w.HeadDim, "SeqLenQ": w.SeqLenQ, "SeqLenK": w.SeqLenK, "BatchSize": w.BatchSize}
	for name, r := range ranges {
		if r != (runtime.Range{}) {
			rd := jen.Dict{}
			for field, v := range map[string]int32{"Min": r.Min, "Max": r.Max, "Multiple": r.Multiple} {
				if v != 0 {
					rd[jen.Id(field)] = jen.Lit(int(v))
				}
			}
			d[jen.Id(name)] = rt("Range").Values(rd)
		}
	}
	bools := map[string]bool{"SupportsGQA": w.SupportsGQA, "SupportsDropout": w.SupportsDropout,
		"CUDAGraphSafe": w.CUDAGraphSafe, "Deterministic": w.Deterministic}
	for name, v := range bools {
		if v {
			d[jen.Id(name)] = jen.True()
		}
	}
	return rt("Constraints").Values(d)
}

// linedValues writes a composite literal's elements one a line.
func linedValues(items []jen.Code) *jen.Statement {
	return jen.ValuesFunc(func(g *jen.Group) {
		for _, it := range items {
			g.Line().Add(it)
		}
		g.Line()
	})
}

// bitSet writes a non-empty set of enum values (a DTypeSet or LayoutSet)
// as 1<<runtime.A | 1<<runtime.B; names spells each value in Go.
func bitSet[T ~uint8](set interface{ Has(T) bool }, names map[T]string) *jen.Statement {
	var s *jen.Statement
	for _, x := range members(set, names) {
		bit := jen.Lit(1).Op("<<").Add(rt(names[x]))
		if s == nil {
			s = bit
		} else {
			s = s.Op("|").Add(bit)
		}
	}
	return s
}
