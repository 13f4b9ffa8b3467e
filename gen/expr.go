package gen

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"math"
	"slices"
	"strconv"

	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
)

// The restricted expression language of context fields and cuda launch
// descriptions. Expressions are parsed with go/parser and then rebuilt from
// a small whitelist: params, tensor accessors with no or int-literal
// arguments, context fields and ceil_div (cuda only), int and bool literals,
// + - * / % and parentheses. Anything else is a positioned error, so a
// manifest can never inject code into the generated package.

// valueType is the Go type of an expression.
type valueType uint8

const (
	vInvalid valueType = iota
	vUntypedInt
	vUntypedBool
	vInt
	vInt32
	vInt64
	vFloat32
	vFloat64
	vBool
	vDType
	vLayout
	vPlatform
	vTensor
)

var valueTypeNames = [...]string{"invalid", "untyped int", "untyped bool", "int", "int32", "int64",
	"float32", "float64", "bool", "runtime.DType", "runtime.Layout", "runtime.Platform", "runtime.Tensor"}

func (t valueType) String() string { return valueTypeNames[t] }

func (t valueType) isInt() bool {
	return t == vUntypedInt || t == vInt || t == vInt32 || t == vInt64
}

func (t valueType) isNumeric() bool { return t.isInt() || t == vFloat32 || t == vFloat64 }

func (t valueType) isBool() bool { return t == vBool || t == vUntypedBool }

var paramValueTypes = [...]valueType{typeTensor: vTensor, typeFloat32: vFloat32, typeFloat64: vFloat64,
	typeInt: vInt, typeInt32: vInt32, typeInt64: vInt64, typeBool: vBool}

// accessorTypes lists the runtime.Tensor methods an expression may call and
// their result types. Only Dim takes an argument (an int literal).
var accessorTypes = map[string]valueType{
	"DType": vDType, "Layout": vLayout, "Rank": vInt, "Dim": vInt, "Numel": vInt,
	"Batch": vInt, "SeqLen": vInt, "Heads": vInt, "HeadDim": vInt, "Rows": vInt, "Cols": vInt,
}

// exprKind says which form an expression node has.
type exprKind uint8

const (
	exParam exprKind = iota
	exField
	exAccessor
	exInt
	exBool
	exBinary
	exParen
	exCeilDiv
)

// expr is a checked expression: only whitelisted forms, each with its type.
type expr struct {
	kind  exprKind
	typ   valueType
	name  string        // param name (exParam, exAccessor receiver) or method name
	field runtime.Field // exField
	args  []int64       // exAccessor's int-literal arguments
	value int64         // exInt; 0/1 for exBool
	op    token.Token   // exBinary
	x, y  *expr         // operands (exBinary, exCeilDiv), x alone for exParen
}

// find returns the first node of x, in pre-order, for which match holds,
// or nil (also when x is nil).
func (x *expr) find(match func(*expr) bool) *expr {
	if x == nil {
		return nil
	}
	if match(x) {
		return x
	}
	if found := x.x.find(match); found != nil {
		return found
	}
	return x.y.find(match)
}

// scope is what an expression may name.
type scope struct {
	params []param
	fields bool // context fields and ceil_div may be used (cuda expressions)
}

func (s scope) param(name string) (param, bool) {
	for _, p := range s.params {
		if p.name == name {
			return p, true
		}
	}
	return param{}, false
}

func (s scope) names() []string {
	var out []string
	for _, p := range s.params {
		out = append(out, p.name)
	}
	if s.fields {
		out = append(out, runtime.FieldNames()...)
		out = append(out, "ceil_div")
	}
	return out
}

// exprChecker resolves one source expression, reporting every problem at
// its column inside the manifest.
type exprChecker struct {
	diags *diag.List
	base  diag.Pos // position of the expression's first character
	sc    scope
	ok    bool
}

// parseExpr parses and checks src, written at pos, in scope sc. It returns
// nil after reporting to diags when the expression is not allowed.
func parseExpr(diags *diag.List, pos diag.Pos, src string, sc scope) *expr {
	node, err := parser.ParseExpr(src)
	if err != nil {
		var list scanner.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			at := pos
			at.Col += list[0].Pos.Column - 1
			diags.Errorf(at, "invalid expression %q: %s", src, list[0].Msg)
		} else {
			diags.Errorf(pos, "invalid expression %q: %v", src, err)
		}
		return nil
	}
	c := &exprChecker{diags: diags, base: pos, sc: sc, ok: true}
	e := c.check(node)
	if !c.ok {
		return nil
	}
	return e
}

func (c *exprChecker) errorf(n ast.Node, format string, args ...any) {
	p := c.base
	p.Col += int(n.Pos()) - 1
	c.diags.Errorf(p, format, args...)
	c.ok = false
}

func (c *exprChecker) check(n ast.Expr) *expr {
	switch n := n.(type) {
	case *ast.BasicLit:
		if n.Kind != token.INT {
			c.errorf(n, "only integer and boolean literals are allowed, got %s", n.Value)
			return nil
		}
		return c.intLit(n, n.Value, false)
	case *ast.UnaryExpr:
		if lit, ok := n.X.(*ast.BasicLit); ok && n.Op == token.SUB && lit.Kind == token.INT {
			return c.intLit(n, lit.Value, true)
		}
		c.errorf(n, "operator %s is not allowed (only + - * / %% on numbers, and a minus sign on integer literals)", n.Op)
		return nil
	case *ast.Ident:
		return c.ident(n)
	case *ast.ParenExpr:
		x := c.check(n.X)
		if x == nil {
			return nil
		}
		return &expr{kind: exParen, typ: x.typ, x: x}
	case *ast.BinaryExpr:
		return c.binary(n)
	case *ast.CallExpr:
		return c.call(n)
	}
	c.errorf(n, "expression form %T is not allowed (use params, tensor accessors such as q.Dim(3), integer or boolean literals and + - * / %%)", n)
	return nil
}

func (c *exprChecker) intLit(n ast.Node, text string, neg bool) *expr {
	v, err := strconv.ParseInt(text, 0, 64)
	if err != nil || v > math.MaxInt32 {
		c.errorf(n, "integer literal %s is out of range (at most %d)", text, math.MaxInt32)
		return nil
	}
	if neg {
		v = -v
	}
	return &expr{kind: exInt, typ: vUntypedInt, value: v}
}

func (c *exprChecker) ident(n *ast.Ident) *expr {
	switch n.Name {
	case "true", "false":
		return &expr{kind: exBool, typ: vUntypedBool, value: b2i(n.Name == "true")}
	}
	if p, ok := c.sc.param(n.Name); ok {
		return &expr{kind: exParam, typ: paramValueTypes[p.typ], name: p.name}
	}
	if c.sc.fields {
		if f, ok := runtime.ParseField(n.Name); ok {
			return &expr{kind: exField, typ: fieldValueType(f), field: f}
		}
	}
	c.errorf(n, "unknown name %q", n.Name)
	if h := diag.DidYouMean(n.Name, c.sc.names()); h != "" {
		c.diags.Hint("%s", h)
	}
	return nil
}

func (c *exprChecker) binary(n *ast.BinaryExpr) *expr {
	switch n.Op {
	case token.ADD, token.SUB, token.MUL, token.QUO, token.REM:
	default:
		c.errorf(n, "operator %s is not allowed (only + - * / %%)", n.Op)
		return nil
	}
	x, y := c.check(n.X), c.check(n.Y)
	if x == nil || y == nil {
		return nil
	}
	t := c.arith(n, n.Op, x, y)
	if t == vInvalid {
		return nil
	}
	return &expr{kind: exBinary, typ: t, op: n.Op, x: x, y: y}
}

// arith returns the type of x op y, reporting operands Go would reject.
func (c *exprChecker) arith(n ast.Node, op token.Token, x, y *expr) valueType {
	if !x.typ.isNumeric() || !y.typ.isNumeric() {
		c.errorf(n, "arithmetic needs numbers, got %s and %s", x.typ, y.typ)
		return vInvalid
	}
	if x.typ == vUntypedInt && y.typ == vUntypedInt {
		c.errorf(n, "arithmetic on two literals is not allowed; write the value")
		return vInvalid
	}
	t := x.typ
	if t == vUntypedInt {
		t = y.typ
	} else if y.typ != vUntypedInt && y.typ != t {
		c.errorf(n, "mismatched types %s and %s (Go does not convert implicitly)", x.typ, y.typ)
		return vInvalid
	}
	if op == token.REM && !t.isInt() {
		c.errorf(n, "%% needs integers, got %s", t)
		return vInvalid
	}
	if (op == token.QUO || op == token.REM) && y.kind == exInt && y.value == 0 {
		c.errorf(n, "division by zero")
		return vInvalid
	}
	return t
}

func (c *exprChecker) call(n *ast.CallExpr) *expr {
	if n.Ellipsis.IsValid() {
		c.errorf(n, "variadic calls are not allowed")
		return nil
	}
	switch fun := n.Fun.(type) {
	case *ast.Ident:
		if fun.Name != "ceil_div" || !c.sc.fields {
			c.errorf(n, "call of %s is not allowed (only tensor accessors%s)", fun.Name, map[bool]string{true: " and ceil_div(a, b)"}[c.sc.fields])
			return nil
		}
		if len(n.Args) != 2 {
			c.errorf(n, "ceil_div takes 2 arguments, got %d", len(n.Args))
			return nil
		}
		x, y := c.check(n.Args[0]), c.check(n.Args[1])
		if x == nil || y == nil {
			return nil
		}
		t := c.arith(n, token.QUO, x, y)
		if t == vInvalid {
			return nil
		}
		if !t.isInt() {
			c.errorf(n, "ceil_div needs integers, got %s", t)
			return nil
		}
		return &expr{kind: exCeilDiv, typ: t, x: x, y: y}
	case *ast.SelectorExpr:
		return c.accessor(n, fun)
	}
	c.errorf(n, "this call is not allowed (only tensor accessors such as q.Dim(3))")
	return nil
}

func (c *exprChecker) accessor(n *ast.CallExpr, sel *ast.SelectorExpr) *expr {
	recv, ok := sel.X.(*ast.Ident)
	if !ok {
		c.errorf(sel.X, "accessors must be called on a tensor param")
		return nil
	}
	p, ok := c.sc.param(recv.Name)
	if !ok || p.typ != typeTensor {
		c.errorf(recv, "%q is not a tensor param", recv.Name)
		if h := diag.DidYouMean(recv.Name, c.sc.names()); h != "" && !ok {
			c.diags.Hint("%s", h)
		}
		return nil
	}
	typ, ok := accessorTypes[sel.Sel.Name]
	if !ok {
		c.errorf(sel.Sel, "unknown tensor accessor %q", sel.Sel.Name)
		if h := diag.DidYouMean(sel.Sel.Name, sortedKeys(accessorTypes)); h != "" {
			c.diags.Hint("%s", h)
		}
		return nil
	}
	want := 0
	if sel.Sel.Name == "Dim" {
		want = 1
	}
	if len(n.Args) != want {
		c.errorf(n, "%s.%s takes %d argument(s), got %d", recv.Name, sel.Sel.Name, want, len(n.Args))
		return nil
	}
	e := &expr{kind: exAccessor, typ: typ, name: recv.Name + "." + sel.Sel.Name}
	for _, a := range n.Args {
		lit := c.check(a)
		if lit == nil {
			return nil
		}
		if lit.kind != exInt {
			c.errorf(a, "accessor arguments must be integer literals")
			return nil
		}
		e.args = append(e.args, lit.value)
	}
	return e
}

// fieldValueType is the Go type of a Context field.
func fieldValueType(f runtime.Field) valueType {
	switch f {
	case runtime.FieldDType:
		return vDType
	case runtime.FieldLayout:
		return vLayout
	case runtime.FieldPlatform:
		return vPlatform
	case runtime.FieldOp:
		return vInt32 // OpID; never written by expressions, read as a number
	}
	switch f.Kind() {
	case runtime.KindFloat:
		return vFloat32
	case runtime.KindBool:
		return vBool
	}
	return vInt32
}

// assignable reports whether an expression of type t can fill a value of
// type want (after the conversion the emitter writes).
func assignable(t, want valueType) bool {
	switch {
	case want.isInt():
		return t.isInt()
	case want == vFloat32 || want == vFloat64:
		return t.isNumeric()
	case want == vBool:
		return t.isBool()
	}
	return t == want
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
