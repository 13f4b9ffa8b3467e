package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// The launch wrappers of cuda kernels (DESIGN §4): per kernel a lazily
// resolved PTX entry and a typed function taking the operation's params. It
// computes the launch shape from the manifest's expressions, packs the
// arguments in manifest order into locals (typed by cudaArgTypeOf, so they
// match the C header) and launches on the device of the first tensor. The
// argument pointers live in an array on the stack: a launch allocates
// nothing.

// fnVar names a cuda kernel's package-level *cuda.FunctionRef.
func fnVar(k *kernelModel) string { return "fn" + k.goName }

// launchWrapper writes a cuda kernel's FunctionRef variable and its typed
// launch function.
func (e *emitter) launchWrapper(f *jen.File, k *kernelModel) {
	kc, op := k.cuda, k.op
	f.Commentf("%s is the PTX entry of cuda kernel %s, loaded on its first launch on each device.", fnVar(k), k.name)
	f.Var().Id(fnVar(k)).Op("=").Qual(e.m.ptxPackage, "PTX").Dot("Ref").Call(jen.Lit(kc.module), jen.Lit(kc.entry))

	var body []jen.Code
	device := jen.Id(op.params[0].name).Dot("DeviceIndex").Call()
	if kc.readsFields() {
		body = append(body, jen.Id("c").Op(":=").Id(opFunc(op, "Context")).Call(paramArgs(op.params)...))
		device = jen.Int().Call(jen.Id("c").Dot("Device"))
	}
	body = append(body,
		jen.List(jen.Id("fn"), jen.Id("err")).Op(":=").Id(fnVar(k)).Dot("On").Call(device),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("kernel %s: %%w", k.name)), jen.Id("err"))),
		),
	)
	var ptrs []jen.Code
	for i, a := range kc.args {
		local := fmt.Sprintf("arg%d", i)
		body = append(body, packArg(local, a)...)
		ptrs = append(ptrs, jen.Qual("unsafe", "Pointer").Call(jen.Op("&").Id(local)))
	}
	args := jen.Nil()
	if len(ptrs) > 0 {
		body = append(body, jen.Id("args").Op(":=").Index(jen.Op("...")).Qual("unsafe", "Pointer").Add(linedValues(ptrs)))
		args = jen.Id("args").Index(jen.Op(":"))
	}
	shared := jen.Lit(0)
	if kc.sharedMem != nil {
		shared = asUint32(kc.sharedMem)
	}
	body = append(body, jen.Return(jen.Id("fn").Dot("Launch").Call(dim3(kc.grid), dim3(kc.block), shared, args)))

	f.Commentf("%s launches cuda kernel %s (%s) on the device of %s.", launchName(k), k.name, k.impl(), op.params[0].name)
	f.Func().Id(launchName(k)).Params(paramDecls(op.params)...).Error().Block(body...)
}

// packArg declares local as argument a converted to its packed type.
func packArg(local string, a *expr) []jen.Code {
	want := cudaArgTypeOf(a.typ).goType
	switch {
	case a.typ == vTensor:
		return []jen.Code{jen.Id(local).Op(":=").Add(a.code()).Dot("DevicePtr").Call()}
	case a.kind == exBool:
		return []jen.Code{jen.Id(local).Op(":=").Id(want).Call(jen.Lit(int(a.value)))}
	case a.typ.isBool():
		return []jen.Code{
			jen.Id(local).Op(":=").Id(want).Call(jen.Lit(0)),
			jen.If(a.code()).Block(jen.Id(local).Op("=").Lit(1)),
		}
	case a.typ.String() == want:
		return []jen.Code{jen.Id(local).Op(":=").Add(a.code())}
	}
	return []jen.Code{jen.Id(local).Op(":=").Id(want).Call(a.code())}
}

// dim3 writes a grid or block shape as a cuda.Dim3 literal.
func dim3(d [3]*expr) *jen.Statement {
	return jen.Qual(cudaPkg, "Dim3").Values(
		jen.Id("X").Op(":").Add(asUint32(d[0])),
		jen.Id("Y").Op(":").Add(asUint32(d[1])),
		jen.Id("Z").Op(":").Add(asUint32(d[2])),
	)
}

// asUint32 renders an integer expression as a uint32 launch dimension; a
// literal stays a literal (build checked it is not negative).
func asUint32(x *expr) *jen.Statement {
	if x.kind == exInt {
		return jen.Lit(int(x.value))
	}
	return jen.Uint32().Call(x.code())
}

// readsFields reports whether any launch expression of the kernel reads a
// context field, so the wrapper must build the operation's context.
func (c *cudaModel) readsFields() bool {
	exprs := append([]*expr{c.sharedMem}, c.args...)
	exprs = append(exprs, c.grid[:]...)
	exprs = append(exprs, c.block[:]...)
	for _, x := range exprs {
		if x.readsField() {
			return true
		}
	}
	return false
}

// readsField reports whether x reads a context field; nil reads none.
func (x *expr) readsField() bool {
	return x.find(func(e *expr) bool { return e.kind == exField }) != nil
}
