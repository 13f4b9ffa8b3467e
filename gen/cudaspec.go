package gen

import (
	"regexp"
	"strings"

	"github.com/layerzero/lzgen/diag"
	"gopkg.in/yaml.v3"
)

// The `cuda:` section of a kernel: which PTX module and entry symbol, the
// argument list and the launch shape. Expressions are kept raw here and
// checked by build, once the kernel's operation (and so its params) is known.

var cudaKeys = []string{"module", "entry", "args", "grid", "block", "shared_mem"}

var (
	cudaModulePattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*\.cu$`)
	cIdentPattern     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func (p *decoder) cudaSection(n *yaml.Node) *cudaDecl {
	d := &cudaDecl{pos: p.at(n)}
	var hasGrid, hasBlock bool
	for _, f := range diag.Mapping(&p.diags, p.file, n, "cuda", cudaKeys) {
		v := f.Value
		switch f.Name() {
		case "module":
			if s, ok := p.str(v, "cuda.module"); ok {
				if !cudaModulePattern.MatchString(s) {
					p.diags.Errorf(p.at(v), "cuda.module %q must be a .cu file name in kernels/cuda (no directories)", s)
				}
				d.module = s
			}
		case "entry":
			if s, ok := p.str(v, "cuda.entry"); ok {
				if !cIdentPattern.MatchString(s) {
					p.diags.Errorf(p.at(v), "cuda.entry %q is not a C identifier", s)
				}
				d.entry = s
			}
		case "args":
			for _, item := range p.list(v, "cuda.args") {
				if e := p.rawExpr(item); e != nil {
					d.args = append(d.args, e)
				}
			}
		case "grid":
			hasGrid = true
			p.dim3(v, "cuda.grid", &d.grid)
		case "block":
			hasBlock = true
			p.dim3(v, "cuda.block", &d.block)
		case "shared_mem":
			d.sharedMem = p.rawExpr(v)
		}
	}
	if d.module == "" || d.entry == "" || !hasGrid || !hasBlock {
		p.diags.Errorf(d.pos, "cuda section needs module, entry, grid and block")
	}
	return d
}

// dim3 parses a 3-element list of expressions.
func (p *decoder) dim3(n *yaml.Node, what string, dst *[3]*rawExpr) {
	items := p.list(n, what)
	if items == nil {
		return
	}
	if len(items) != 3 {
		p.diags.Errorf(p.at(n), "%s must have 3 elements (x, y, z), got %d", what, len(items))
		for _, item := range items {
			if strings.Count(item.Value, "(") != strings.Count(item.Value, ")") {
				p.diags.Hint(`a comma inside a flow list splits the element: quote the expression, "ceil_div(a, b)"`)
				break
			}
		}
		return
	}
	for i, item := range items {
		dst[i] = p.rawExpr(item)
	}
}
