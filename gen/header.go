package gen

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/layerzero/lzgen/templates"
)

// The C header of the manifest's cuda kernels, rendered from
// templates/lz_kernels.h.tmpl with a view that is already sorted.

var headerTemplate = template.Must(template.ParseFS(templates.FS, "lz_kernels.h.tmpl"))

// headerView is what the header template reads.
type headerView struct {
	Source  string
	Kernels []headerEntry
}

// headerEntry is one extern "C" prototype; kernels sharing an entry symbol
// share it.
type headerEntry struct {
	Entry, Op, Module, Kernels, Params string
}

// cudaHeader renders the header: one prototype per entry symbol, in the
// order the entries first appear in the kernel table.
func (e *emitter) cudaHeader() ([]byte, error) {
	view := headerView{Source: relativeTo(filepath.Join(e.in.OutDir, filepath.Dir(e.in.CUDAHeader)), e.in.Manifest)}
	index := map[string]int{}
	for _, k := range e.m.kernels {
		if k.cuda == nil {
			continue
		}
		params := cParams(k)
		if i, ok := index[k.cuda.entry]; ok {
			if view.Kernels[i].Params != params {
				return nil, fmt.Errorf("kernels %s and %s share cuda entry %s with different arguments", view.Kernels[i].Kernels, k.name, k.cuda.entry)
			}
			view.Kernels[i].Kernels += ", " + k.name
			continue
		}
		index[k.cuda.entry] = len(view.Kernels)
		view.Kernels = append(view.Kernels, headerEntry{Entry: k.cuda.entry, Op: k.op.name, Module: k.cuda.module, Kernels: k.name, Params: params})
	}
	var buf bytes.Buffer
	if err := headerTemplate.Execute(&buf, view); err != nil {
		return nil, fmt.Errorf("rendering the CUDA header: %w", err)
	}
	return buf.Bytes(), nil
}

// cParams is a cuda kernel's C parameter list, typed by cudaArgTypeOf.
func cParams(k *kernelModel) string {
	parts := make([]string, len(k.cuda.args))
	for i, a := range k.cuda.args {
		parts[i] = cudaArgTypeOf(a.typ).cType + " " + cName(a, i)
	}
	return strings.Join(parts, ", ")
}

// cName names an argument: a param or field by its name, an accessor as
// recv_method (x.Cols() -> x_cols), anything else by position.
func cName(a *expr, i int) string {
	switch a.kind {
	case exParam:
		return a.name
	case exField:
		return a.field.String()
	case exAccessor:
		if len(a.args) == 0 {
			recv, method, _ := strings.Cut(a.name, ".")
			return recv + "_" + strings.ToLower(method)
		}
	}
	return fmt.Sprintf("arg%d", i)
}
