package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
)

// parseContext reads `lzgen explain -ctx`: comma-separated field=value
// pairs with the rules file's field names, e.g.
// "platform=cuda,sm=90,dtype=bfloat16,head_dim=128,is_causal=true". Fields
// left out are zero (platform cpu). The op comes from -op, never from here.
func parseContext(s string) (runtime.Context, error) {
	var c runtime.Context
	if strings.TrimSpace(s) == "" {
		return c, nil
	}
	seen := map[runtime.Field]bool{}
	for pair := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || value == "" {
			return c, fmt.Errorf("-ctx: %q is not field=value", pair)
		}
		f, ok := runtime.ParseField(name)
		switch {
		case !ok:
			return c, fmt.Errorf("-ctx: unknown field %q%s", name, suggestion(name, contextFields()))
		case f == runtime.FieldOp:
			return c, fmt.Errorf("-ctx: the operation is given with -op, not as a context field")
		case seen[f]:
			return c, fmt.Errorf("-ctx: field %s given twice", f)
		}
		seen[f] = true
		if err := setField(&c, f, value); err != nil {
			return c, fmt.Errorf("-ctx: %s=%s: %w", f, value, err)
		}
	}
	return c, nil
}

// contextFields are the fields -ctx accepts: every field but op.
func contextFields() []string { return runtime.FieldNames()[runtime.FieldOp+1:] }

// setField parses value as field f's type and stores it in c.
func setField(c *runtime.Context, f runtime.Field, value string) error {
	switch f {
	case runtime.FieldPlatform:
		p, ok := runtime.ParsePlatform(value)
		if !ok {
			return fmt.Errorf("unknown platform%s (platforms: cpu, cuda)", suggestion(value, []string{"cpu", "cuda"}))
		}
		c.Platform = p
		return nil
	case runtime.FieldDType:
		d, ok := runtime.ParseDType(value)
		if !ok {
			return fmt.Errorf("unknown dtype%s (dtypes: %s)", suggestion(value, runtime.DTypeNames()), strings.Join(runtime.DTypeNames(), ", "))
		}
		c.DType = d
		return nil
	case runtime.FieldLayout:
		l, ok := runtime.ParseLayout(value)
		if !ok {
			return fmt.Errorf("unknown layout%s (layouts: %s)", suggestion(value, runtime.LayoutNames()), strings.Join(runtime.LayoutNames(), ", "))
		}
		c.Layout = l
		return nil
	}
	switch f.Kind() {
	case runtime.KindBool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		var v int64
		if b {
			v = 1
		}
		c.SetInt(f, v)
	case runtime.KindFloat:
		v, err := strconv.ParseFloat(value, 32)
		if err != nil || v < 0 || v > 1 {
			return fmt.Errorf("want a probability between 0 and 1")
		}
		c.DropoutP = float32(v)
	default:
		v, err := strconv.ParseInt(value, 10, 32)
		if err != nil || v < 0 {
			return fmt.Errorf("want a non-negative integer up to %d", math.MaxInt32)
		}
		c.SetInt(f, v)
	}
	return nil
}

// suggestion is ` (did you mean "x"?)` for a misspelt word, or "".
func suggestion(word string, candidates []string) string {
	if h := diag.DidYouMean(word, candidates); h != "" {
		return " (" + h + ")"
	}
	return ""
}
