package gen

import (
	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
	"gopkg.in/yaml.v3"
)

// The manifest as parsed: every declaration keeps the position it came from,
// so the check stage and the signature check report at the manifest line.

// manifest is a parsed kernels.yaml.
type manifest struct {
	file       string
	pkg        string
	ptxPackage string   // cuda.ptx_package: the Go package embedding the PTX
	ptxPos     diag.Pos // where ptx_package (or the cuda section lacking it) is
	ops        []*opDecl
	kernels    []*kernelDecl
	dispatch   *yaml.Node // the dispatch section, nil when absent
}

// paramType is the type of an operation parameter, as the manifest names it.
type paramType uint8

// The parameter types a manifest may declare.
const (
	typeTensor paramType = iota
	typeFloat32
	typeFloat64
	typeInt
	typeInt32
	typeInt64
	typeBool
)

var paramTypeNames = [...]string{"tensor", "float32", "float64", "int", "int32", "int64", "bool"}

// String returns the manifest spelling of the type.
func (t paramType) String() string { return paramTypeNames[t] }

// param is one parameter of an operation.
type param struct {
	name string
	typ  paramType
	pos  diag.Pos
}

// contextExpr reads one Context field from the call's arguments.
type contextExpr struct {
	field runtime.Field
	expr  *expr
	pos   diag.Pos
}

// opDecl is one entry of `operations:`.
type opDecl struct {
	name      string
	pos       diag.Pos
	params    []param
	context   []contextExpr
	reference string
	refPos    diag.Pos
}

// kernelDecl is one entry of `kernels:`.
type kernelDecl struct {
	name       string
	pos        diag.Pos
	op         string
	opPos      diag.Pos
	backend    runtime.Platform
	priority   int32
	when       runtime.Constraints
	cpuPkg     string // import path of the cpu kernel's function
	cpuFunc    string // the function's name
	cpuFuncPos diag.Pos
	cuda       *cudaDecl
}

// cudaDecl is a cuda kernel's launch description.
type cudaDecl struct {
	pos       diag.Pos
	module    string
	entry     string
	args      []*rawExpr
	grid      [3]*rawExpr
	block     [3]*rawExpr
	sharedMem *rawExpr // nil: 0
}

// rawExpr is an expression whose meaning depends on the operation it belongs
// to (cuda expressions may name the op's params); build resolves it.
type rawExpr struct {
	src string
	pos diag.Pos
}
