package gen

import (
	"strings"

	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
	"gopkg.in/yaml.v3"
)

// The `when:` clause: the constraint vocabulary of DESIGN §3, parsed into
// runtime.Constraints so the registration table carries it as data and the
// static dispatcher compiles it into Go conditions.

var whenKeys = []string{"platform", "dtypes", "layouts", "min_sm", "max_sm", "head_dim", "seq_len_q",
	"seq_len_k", "batch_size", "supports_gqa", "supports_dropout", "cuda_graph_safe", "deterministic"}

var (
	headDimKeys = []string{"min", "max", "multiple"}
	rangeKeys   = []string{"min", "max"}
)

func (p *decoder) when(n *yaml.Node, k *kernelDecl) {
	c := &k.when
	for _, f := range diag.Mapping(&p.diags, p.file, n, "when", whenKeys) {
		v := f.Value
		switch f.Name() {
		case "platform":
			if s, ok := p.str(v, "platform"); ok && s != k.backend.String() {
				p.diags.Errorf(p.at(v), "platform %q contradicts backend %s", s, k.backend)
				p.diags.Hint("the platform is implied by the backend; remove it")
			}
		case "dtypes":
			enumList(p, v, "dtype", runtime.ParseDType, runtime.DTypeNames(), func(d runtime.DType) { c.DTypes = c.DTypes.With(d) })
		case "layouts":
			enumList(p, v, "layout", runtime.ParseLayout, runtime.LayoutNames(), func(l runtime.Layout) { c.Layouts = c.Layouts.With(l) })
		case "min_sm", "max_sm":
			sm, ok := p.nonNegative(v, f.Name())
			if !ok {
				continue
			}
			if k.backend != runtime.PlatformCUDA {
				p.diags.Errorf(p.at(f.Key), "%s applies to cuda kernels only", f.Name())
				continue
			}
			if f.Name() == "min_sm" {
				c.MinSM = sm
			} else {
				c.MaxSM = sm
			}
		case "head_dim":
			c.HeadDim = p.rangeOf(v, "head_dim", headDimKeys)
		case "seq_len_q":
			c.SeqLenQ = p.rangeOf(v, "seq_len_q", rangeKeys)
		case "seq_len_k":
			c.SeqLenK = p.rangeOf(v, "seq_len_k", rangeKeys)
		case "batch_size":
			c.BatchSize = p.rangeOf(v, "batch_size", rangeKeys)
		case "supports_gqa":
			c.SupportsGQA, _ = p.boolean(v, f.Name())
		case "supports_dropout":
			c.SupportsDropout, _ = p.boolean(v, f.Name())
		case "cuda_graph_safe":
			c.CUDAGraphSafe, _ = p.boolean(v, f.Name())
		case "deterministic":
			c.Deterministic, _ = p.boolean(v, f.Name())
		}
	}
	if c.MinSM != 0 && c.MaxSM != 0 && c.MinSM > c.MaxSM {
		p.diags.Errorf(p.at(n), "min_sm %d is above max_sm %d: the kernel can never run", c.MinSM, c.MaxSM)
	}
}

// enumList parses a list of item names (dtypes, layouts) with parse and
// hands each value to add; an unknown name is reported with a did-you-mean
// hint over names.
func enumList[T any](p *decoder, n *yaml.Node, item string, parse func(string) (T, bool), names []string, add func(T)) {
	for _, node := range p.list(n, item+"s") {
		s, ok := p.str(node, item)
		if !ok {
			continue
		}
		if v, ok := parse(s); ok {
			add(v)
			continue
		}
		p.diags.Errorf(p.at(node), "unknown %s %q", item, s)
		p.hintOr(s, names, item+"s: "+strings.Join(names, ", "))
	}
}

// rangeOf parses {min, max[, multiple]}; zero means unbounded.
func (p *decoder) rangeOf(n *yaml.Node, what string, keys []string) runtime.Range {
	var r runtime.Range
	for _, f := range diag.Mapping(&p.diags, p.file, n, what, keys) {
		v, ok := p.nonNegative(f.Value, what+"."+f.Name())
		if !ok {
			continue
		}
		switch f.Name() {
		case "min":
			r.Min = v
		case "max":
			r.Max = v
		case "multiple":
			r.Multiple = v
		}
	}
	if r.Min != 0 && r.Max != 0 && r.Min > r.Max {
		p.diags.Errorf(p.at(n), "%s: min %d is above max %d: the kernel can never run", what, r.Min, r.Max)
	}
	return r
}

func (p *decoder) nonNegative(n *yaml.Node, what string) (int32, bool) {
	v, ok := p.integer(n, what)
	if ok && v < 0 {
		p.diags.Errorf(p.at(n), "%s must not be negative, got %d", what, v)
		return 0, false
	}
	return v, ok
}
