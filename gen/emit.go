package gen

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dave/jennifer/jen"
	"github.com/layerzero/lzgen/runtime"
)

const (
	runtimePkg = "github.com/layerzero/lzgen/runtime"
	cudaPkg    = "github.com/layerzero/lzgen/runtime/cuda"
)

// The Go files a run writes into the output directory.
const (
	StaticFile     = "zz_generated_static.go"
	RegistryFile   = "zz_generated_registry.go"
	DispatcherFile = "zz_generated_dispatcher.go"
)

// emitter writes one model's files.
type emitter struct {
	m        *model
	in       Input
	source   string            // the manifest path relative to the output directory
	pkgNames map[string]string // import path -> package name of cpu kernel packages
}

// emit renders every output file of m.
func emit(m *model, in Input, pkgNames map[string]string) (map[string][]byte, error) {
	e := &emitter{m: m, in: in, source: relativeTo(in.OutDir, in.Manifest), pkgNames: pkgNames}
	// The files render concurrently: go/format dominates on large manifests.
	renders := []struct {
		name   string
		render func(*jen.File)
	}{{StaticFile, e.static}, {RegistryFile, e.registry}, {DispatcherFile, e.dispatcher}}
	contents := make([][]byte, len(renders))
	errs := make([]error, len(renders))
	var wg sync.WaitGroup
	for i, r := range renders {
		wg.Go(func() {
			f := e.newFile()
			r.render(f)
			var buf bytes.Buffer
			if err := f.Render(&buf); err != nil {
				errs[i] = fmt.Errorf("%s: %w", r.name, err)
			}
			contents[i] = buf.Bytes()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for i, r := range renders {
		files[r.name] = contents[i]
	}
	if in.CUDAHeader != "" && m.hasCUDA() {
		h, err := e.cudaHeader()
		if err != nil {
			return nil, err
		}
		files[filepath.ToSlash(filepath.Clean(in.CUDAHeader))] = h
	}
	return files, nil
}

// relativeTo is the manifest's path relative to dir, with slashes, so a
// generated header never holds an absolute path; the base name when dir is
// unknown.
func relativeTo(dir, manifest string) string {
	if dir != "" {
		if rel, err := filepath.Rel(dir, manifest); err == nil && !filepath.IsAbs(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(manifest)
}

func (e *emitter) newFile() *jen.File {
	var f *jen.File
	if e.in.ImportPath != "" {
		f = jen.NewFilePathName(e.in.ImportPath, e.m.pkg)
	} else {
		f = jen.NewFile(e.m.pkg)
	}
	f.HeaderComment(strings.TrimPrefix(HeaderLine, "// "))
	f.HeaderComment("source: " + e.source)
	f.ImportName(runtimePkg, "runtime")
	f.ImportName(cudaPkg, "cuda")
	if e.m.ptxPackage != "" {
		f.ImportAlias(e.m.ptxPackage, "kcuda")
	}
	for _, k := range e.m.kernels {
		if k.cuda == nil {
			f.ImportName(k.cpuPkg, e.packageName(k.cpuPkg))
		}
	}
	return f
}

// packageName is the real name of a kernel package when the signature check
// loaded it, else the last element of its import path.
func (e *emitter) packageName(path string) string {
	if n, ok := e.pkgNames[path]; ok {
		return n
	}
	last := path[strings.LastIndex(path, "/")+1:]
	last = strings.TrimPrefix(last, "go-")
	var b strings.Builder
	for _, r := range strings.ToLower(last) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func rt(name string) *jen.Statement { return jen.Qual(runtimePkg, name) }

// paramDecls declares params Go style, sharing a type between neighbours:
// q, k, v, out runtime.Tensor, scale float32.
func paramDecls(params []param) []jen.Code {
	out := make([]jen.Code, len(params))
	for i, p := range params {
		s := jen.Id(p.name)
		if i == len(params)-1 || params[i+1].typ != p.typ {
			s.Add(goParamType(p.typ))
		}
		out[i] = s
	}
	return out
}

// goParamType is the Go type a param has in generated code.
func goParamType(t paramType) jen.Code {
	if t == typeTensor {
		return rt("Tensor")
	}
	return jen.Id(t.String())
}

// paramArgs passes the params on: q, k, v, out, scale.
func paramArgs(params []param) []jen.Code {
	out := make([]jen.Code, len(params))
	for i, p := range params {
		out[i] = jen.Id(p.name)
	}
	return out
}

// fieldGoNames are the runtime.Context struct fields, by Field.
var fieldGoNames = [runtime.NumFields]string{"Op", "Platform", "DType", "Layout", "Device", "SM", "BatchSize",
	"SeqLenQ", "SeqLenK", "NumHeads", "NumKVHeads", "HeadDim", "TPSize", "PPSize", "DropoutP", "IsCausal",
	"EnableGQA", "IsCUDAGraphCapturing", "RequiresDeterministic"}

// dtypeGoNames and layoutGoNames are the runtime constants' names.
var (
	dtypeGoNames  = map[runtime.DType]string{runtime.Float32: "Float32", runtime.Float16: "Float16", runtime.BFloat16: "BFloat16"}
	layoutGoNames = map[runtime.Layout]string{runtime.LayoutRowMajor: "LayoutRowMajor", runtime.BSHD: "BSHD",
		runtime.BHSD: "BHSD", runtime.NHD: "NHD", runtime.HND: "HND"}
	platformGoNames = map[runtime.Platform]string{runtime.PlatformCPU: "PlatformCPU", runtime.PlatformCUDA: "PlatformCUDA"}
)

// code renders a checked expression; context fields read from c.
func (x *expr) code() *jen.Statement {
	switch x.kind {
	case exParam:
		return jen.Id(x.name)
	case exField:
		return jen.Id("c").Dot(fieldGoNames[x.field])
	case exAccessor:
		recv, method, _ := strings.Cut(x.name, ".")
		args := make([]jen.Code, len(x.args))
		for i, a := range x.args {
			args[i] = jen.Lit(int(a))
		}
		return jen.Id(recv).Dot(method).Call(args...)
	case exInt:
		return jen.Lit(int(x.value))
	case exBool:
		return jen.Lit(x.value != 0)
	case exParen:
		return jen.Parens(x.x.code())
	case exCeilDiv:
		return jen.Parens(x.x.code().Op("+").Add(x.y.code()).Op("-").Lit(1)).Op("/").Add(x.y.code())
	}
	return x.x.code().Op(x.op.String()).Add(x.y.code())
}

// convert renders x as a value of type want, converting numbers.
func (x *expr) convert(want valueType) *jen.Statement {
	if x.typ == want || x.typ == vUntypedInt || x.typ == vUntypedBool || !want.isNumeric() {
		return x.code()
	}
	return jen.Id(want.String()).Call(x.code())
}

// opFunc names an op's unexported helper: attentionCausal + suffix.
func opFunc(op *opModel, suffix string) string { return unexportName(op.goName) + suffix }

func kernelConst(k *kernelModel) string { return "Kernel" + k.goName }

func opConst(op *opModel) string { return "Op" + op.goName }

func invokeName(op *opModel) string { return "invoke" + op.goName }
