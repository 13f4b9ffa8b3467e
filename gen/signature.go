package gen

import (
	"errors"
	"fmt"
	"go/types"
	"slices"
	"strings"
	"sync"

	"github.com/layerzero/lzgen/diag"
	"golang.org/x/tools/go/packages"
)

// The signature check: a cpu kernel's Go function must take exactly its
// operation's params and return error, and cuda.ptx_package must declare
// `var PTX *cuda.ModuleSet`. A mismatch is reported at the manifest line,
// not as a compile error in generated code.

// FuncResolver loads the type information of the Go packages cpu kernels
// live in.
type FuncResolver interface {
	// Resolve returns what loading each of the given import paths gave: the
	// package's types or the reason it cannot be loaded. The error is for a
	// failure of the loader itself, not of one package.
	Resolve(importPaths []string) (map[string]LoadedPackage, error)
}

// LoadedPackage is the outcome of loading one package: its type
// information, or Err saying why it could not be loaded (a missing module,
// a compile error), which the diagnostic at the manifest line then carries.
type LoadedPackage struct {
	Types *types.Package
	Err   error
}

// PackageLoader is a FuncResolver backed by golang.org/x/tools/go/packages,
// run in Dir (the output directory, so that the user's go.mod decides which
// versions are loaded). It caches what it loaded, failures included, so one
// loader can serve many runs.
type PackageLoader struct {
	Dir   string
	mu    sync.Mutex
	cache map[string]LoadedPackage
}

// NewPackageLoader returns a loader that resolves import paths from dir.
func NewPackageLoader(dir string) *PackageLoader {
	return &PackageLoader{Dir: dir, cache: map[string]LoadedPackage{}}
}

// Resolve loads the packages not loaded yet in one go/packages call.
func (l *PackageLoader) Resolve(importPaths []string) (map[string]LoadedPackage, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var missing []string
	for _, p := range importPaths {
		if _, ok := l.cache[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: l.Dir}
		pkgs, err := packages.Load(cfg, missing...)
		if err != nil {
			return nil, fmt.Errorf("loading kernel packages: %w", err)
		}
		for _, p := range pkgs {
			if len(p.Errors) > 0 {
				l.cache[p.PkgPath] = LoadedPackage{Err: loadError(p.Errors)}
				continue
			}
			l.cache[p.PkgPath] = LoadedPackage{Types: p.Types}
		}
		for _, p := range missing {
			if _, ok := l.cache[p]; !ok {
				l.cache[p] = LoadedPackage{Err: errors.New("go/packages returned no package for it")}
			}
		}
	}
	out := make(map[string]LoadedPackage, len(importPaths))
	for _, p := range importPaths {
		out[p] = l.cache[p]
	}
	return out, nil
}

// loadError turns a package's load errors into one single-line error: the
// first error (without the "-: " go/packages puts before a position-less
// one; go's "; to add it:\n\tgo get ..." advice joined onto the line) and
// how many more there are.
func loadError(errs []packages.Error) error {
	first := errs[0].Msg
	if errs[0].Pos != "" {
		first = errs[0].Pos + ": " + first
	}
	first = strings.Join(strings.Fields(first), " ")
	if len(errs) > 1 {
		return fmt.Errorf("%s (and %d more errors)", first, len(errs)-1)
	}
	return errors.New(first)
}

// loadProblem is the reason appended to a "cannot load package" diagnostic.
func (p LoadedPackage) loadProblem() string {
	if p.Err == nil {
		return "" // the resolver did not say why
	}
	return ": " + p.Err.Error()
}

// goTypeOf is the Go type a manifest param type stands for.
var goTypeOf = [...]string{typeTensor: runtimePkg + ".Tensor", typeFloat32: "float32", typeFloat64: "float64",
	typeInt: "int", typeInt32: "int32", typeInt64: "int64", typeBool: "bool"}

// checkSignatures checks every cpu kernel function of m and returns the
// loaded packages' names by import path.
func checkSignatures(m *model, r FuncResolver, diags *diag.List) map[string]string {
	var paths []string
	for _, k := range m.kernels {
		if k.cuda == nil && !slices.Contains(paths, k.cpuPkg) {
			paths = append(paths, k.cpuPkg)
		}
	}
	if m.hasCUDA() && !slices.Contains(paths, m.ptxPackage) {
		paths = append(paths, m.ptxPackage)
	}
	slices.Sort(paths)
	if len(paths) == 0 {
		return nil
	}
	pkgs, err := r.Resolve(paths)
	if err != nil {
		diags.Errorf(diag.Pos{File: m.file, Line: 1, Col: 1}, "%v", err)
		return nil
	}
	if m.hasCUDA() {
		checkPTXPackage(m, pkgs[m.ptxPackage], diags)
	}
	names := make(map[string]string, len(pkgs))
	for path, pkg := range pkgs {
		if pkg.Types != nil {
			names[path] = pkg.Types.Name()
		}
	}
	for _, k := range m.kernels {
		if k.cuda != nil {
			continue
		}
		pkg := pkgs[k.cpuPkg]
		if pkg.Types == nil {
			diags.Errorf(k.cpuPos, "kernel %s: cannot load package %q%s", k.name, k.cpuPkg, pkg.loadProblem())
			continue
		}
		if msg, hint := signatureProblem(pkg.Types, k); msg != "" {
			diags.Errorf(k.cpuPos, "kernel %s: %s", k.name, msg)
			diags.Hint("%s", hint)
		}
	}
	return names
}

// moduleSetType is the type cuda.ptx_package's PTX variable must have.
const moduleSetType = "*" + cudaPkg + ".ModuleSet"

// checkPTXPackage requires `var PTX *cuda.ModuleSet` in loaded, the package
// named by cuda.ptx_package.
func checkPTXPackage(m *model, loaded LoadedPackage, diags *diag.List) {
	hint := "the package must declare `var PTX = cuda.NewModuleSet(ptxFS, \"ptx\")` over its embedded PTX, like github.com/layerzero/lzgen/kernels/cuda"
	pkg := loaded.Types
	if pkg == nil {
		diags.Errorf(m.ptxPos, "cuda.ptx_package: cannot load package %q%s", m.ptxPackage, loaded.loadProblem())
		diags.Hint("%s", hint)
		return
	}
	v, ok := pkg.Scope().Lookup("PTX").(*types.Var)
	if !ok {
		diags.Errorf(m.ptxPos, "cuda.ptx_package: package %s has no variable PTX", m.ptxPackage)
		diags.Hint("%s", hint)
		return
	}
	if got := types.TypeString(v.Type(), func(p *types.Package) string { return p.Path() }); got != moduleSetType {
		diags.Errorf(m.ptxPos, "cuda.ptx_package: %s.PTX is %s, want %s", m.ptxPackage, got, moduleSetType)
		diags.Hint("%s", hint)
	}
}

// signatureProblem describes how k's function differs from its op's params,
// with a hint, or returns "".
func signatureProblem(pkg *types.Package, k *kernelModel) (msg, hint string) {
	hint = fmt.Sprintf("operation %s wants func(%s) error", k.op.name, paramList(k.op.params))
	obj := pkg.Scope().Lookup(k.cpuFunc)
	if obj == nil {
		if h := diag.DidYouMean(k.cpuFunc, pkg.Scope().Names()); h != "" {
			hint = h
		}
		return fmt.Sprintf("package %s has no function %s", pkg.Path(), k.cpuFunc), hint
	}
	fn, ok := obj.(*types.Func)
	if !ok {
		return fmt.Sprintf("%s.%s is not a function", pkg.Path(), k.cpuFunc), hint
	}
	sig := fn.Type().(*types.Signature)
	qual := func(p *types.Package) string { return p.Path() }
	got := types.TypeString(sig, qual)
	if sig.TypeParams() != nil || sig.Variadic() || sig.Recv() != nil {
		return fmt.Sprintf("%s.%s has signature %s", pkg.Path(), k.cpuFunc, got), hint
	}
	params := k.op.params
	ok = sig.Params().Len() == len(params) && sig.Results().Len() == 1 &&
		types.TypeString(sig.Results().At(0).Type(), qual) == "error"
	for i := 0; ok && i < len(params); i++ {
		ok = types.TypeString(sig.Params().At(i).Type(), qual) == goTypeOf[params[i].typ]
	}
	if !ok {
		return fmt.Sprintf("%s.%s has signature %s", pkg.Path(), k.cpuFunc, strings.TrimPrefix(got, "func")), hint
	}
	return "", ""
}

func paramList(params []param) string {
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = p.name + " " + strings.TrimPrefix(goTypeOf[p.typ], runtimePkg[:strings.LastIndex(runtimePkg, "/")+1])
	}
	return strings.Join(parts, ", ")
}
