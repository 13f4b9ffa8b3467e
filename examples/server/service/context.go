package service

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
)

// contextFromQuery builds the context /debug/dispatch explains from query
// parameters named like the context fields (op=attention.causal&dtype=float16
// &head_dim=128...). op is required; every other field keeps its zero value
// unless given. Unknown names and bad values are errors naming the parameter.
func contextFromQuery(q url.Values, reg *runtime.Registry) (runtime.Context, error) {
	var c runtime.Context
	if q.Get("op") == "" {
		return c, badRequest("query parameter op is required, one of %v", opNames(reg))
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		f, ok := runtime.ParseField(name)
		if !ok {
			return c, badRequest("unknown context field %q %s", name, diag.DidYouMean(name, runtime.FieldNames()))
		}
		v, err := fieldValue(f, q.Get(name), reg)
		if err != nil {
			return c, badRequest("%s=%q: %v", name, q.Get(name), err)
		}
		c.SetInt(f, v)
	}
	return c, nil
}

// fieldValue parses one field's text into the Int representation
// Context.SetInt takes.
func fieldValue(f runtime.Field, s string, reg *runtime.Registry) (int64, error) {
	switch f {
	case runtime.FieldOp:
		if op, ok := reg.OpByName(s); ok {
			return int64(op), nil
		}
		return 0, fmt.Errorf("unknown operation, want one of %v %s", opNames(reg), diag.DidYouMean(s, opNames(reg)))
	case runtime.FieldPlatform:
		if p, ok := runtime.ParsePlatform(s); ok {
			return int64(p), nil
		}
		return 0, fmt.Errorf("want cpu or cuda")
	case runtime.FieldDType:
		if d, ok := runtime.ParseDType(s); ok {
			return int64(d), nil
		}
		return 0, fmt.Errorf("want one of %v", runtime.DTypeNames())
	case runtime.FieldLayout:
		if l, ok := runtime.ParseLayout(s); ok {
			return int64(l), nil
		}
		return 0, fmt.Errorf("want one of %v", runtime.LayoutNames())
	}
	switch f.Kind() {
	case runtime.KindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return 0, fmt.Errorf("want true or false")
		}
		if b {
			return 1, nil
		}
		return 0, nil
	case runtime.KindFloat:
		p, err := strconv.ParseFloat(s, 32)
		if err != nil || p < 0 || p > 1 {
			return 0, fmt.Errorf("want a probability between 0 and 1")
		}
		return int64(p * 1e6), nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("want a 32-bit integer")
	}
	return n, nil
}

func opNames(reg *runtime.Registry) []string {
	names := make([]string, len(reg.Ops))
	for i, op := range reg.Ops {
		names[i] = op.Name
	}
	return names
}

// contextText spells every field of c the way contextFromQuery reads it, so
// an explanation's context can be pasted back into a query.
func contextText(c runtime.Context, reg *runtime.Registry) map[string]string {
	out := make(map[string]string, runtime.NumFields)
	for f := range runtime.NumFields {
		v := c.Int(f)
		var s string
		switch {
		case f == runtime.FieldOp && int(v) < len(reg.Ops):
			s = reg.Ops[v].Name
		case f == runtime.FieldPlatform:
			s = c.Platform.String()
		case f == runtime.FieldDType:
			s = c.DType.String()
		case f == runtime.FieldLayout:
			s = c.Layout.String()
		case f.Kind() == runtime.KindBool:
			s = strconv.FormatBool(v != 0)
		case f.Kind() == runtime.KindFloat:
			s = strconv.FormatFloat(float64(v)/1e6, 'g', -1, 64)
		default:
			s = strconv.FormatInt(v, 10)
		}
		out[f.String()] = s
	}
	return out
}
