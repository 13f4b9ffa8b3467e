package runtime

import (
	"math"
	"regexp"
	"slices"
	"strconv"
)

// condKind is how a compiled condition tests its field.
type condKind uint8

const (
	condRange condKind = iota // lo <= value <= hi on the field's Int form
	condSet                   // value in set (enum ordinals, ints, bools as 0/1)
	condText                  // the field's text form equals one of strs, or matches glob/re
)

// condition is one compiled `conditions:` entry of a rule. Literals are
// parsed, enum names resolved and regexes compiled once, at load time, so
// that evaluating it on a cache miss is a few comparisons and never
// allocates.
type condition struct {
	field  Field
	kind   condKind
	negate bool // _ne and _not_in
	lo, hi int64
	set    []int64
	strs   []string
	glob   string
	re     *regexp.Regexp
}

// holds reports whether c satisfies the condition.
func (cd *condition) holds(c *Context) bool {
	switch cd.kind {
	case condRange:
		v := c.Int(cd.field)
		return (v >= cd.lo && v <= cd.hi) != cd.negate
	case condSet:
		return slices.Contains(cd.set, c.Int(cd.field)) != cd.negate
	}
	var buf [32]byte
	return cd.matchText(fieldText(c, cd.field, buf[:0])) != cd.negate
}

// matchText applies a condText condition's literal list, glob or regex.
func (cd *condition) matchText(s []byte) bool {
	switch {
	case cd.re != nil:
		return cd.re.Match(s)
	case cd.glob != "":
		return globMatch(cd.glob, s)
	}
	for _, x := range cd.strs {
		if string(s) == x {
			return true
		}
	}
	return false
}

// thresholds appends the values b at which the condition's truth may change
// between b-1 and b: the cache keys numeric fields by the interval between
// consecutive thresholds, so a cached decision equals a fresh evaluation.
func (cd *condition) thresholds(dst []int64) []int64 {
	switch cd.kind {
	case condRange:
		if cd.lo != math.MinInt64 {
			dst = append(dst, cd.lo)
		}
		if cd.hi != math.MaxInt64 {
			dst = append(dst, cd.hi+1)
		}
	case condSet:
		for _, v := range cd.set {
			dst = append(dst, v, v+1)
		}
	}
	return dst
}

// exact reports whether the condition needs its numeric field keyed by its
// exact value: a text test over an integer's decimal form is not monotone.
func (cd *condition) exact() bool {
	return cd.kind == condText && cd.field.Kind() != KindEnum && cd.field.Kind() != KindBool
}

// fieldText appends the text form of numeric field f that text conditions
// see at run time: decimal numbers, and "cpu" or "cuda:N" for device (the
// spelling of the seed's device strings). Enum and bool fields have text
// conditions resolved to sets at load time (see valueText).
func fieldText(c *Context, f Field, dst []byte) []byte {
	switch f {
	case FieldDevice:
		if c.Platform == PlatformCPU {
			return append(dst, "cpu"...)
		}
		dst = append(append(dst, c.Platform.String()...), ':')
		return strconv.AppendInt(dst, int64(c.Device), 10)
	case FieldDropoutP:
		return strconv.AppendFloat(dst, float64(c.DropoutP), 'g', -1, 32)
	}
	return strconv.AppendInt(dst, c.Int(f), 10)
}

// valueText is the text form of enum or bool value v of field f: the name
// of the op, platform, dtype or layout, or "true"/"false".
func valueText(reg *Registry, f Field, v int64) string {
	switch f {
	case FieldOp:
		return reg.Ops[v].Name
	case FieldPlatform:
		return Platform(v).String()
	case FieldDType:
		return DType(v).String()
	case FieldLayout:
		return Layout(v).String()
	}
	return strconv.FormatBool(v != 0)
}

// fieldCardinality returns how many values an enum or bool field can take;
// they are 0..n-1 in Int form.
func fieldCardinality(reg *Registry, f Field) int64 {
	switch f {
	case FieldOp:
		return int64(len(reg.Ops))
	case FieldPlatform:
		return int64(numPlatforms)
	case FieldDType:
		return int64(numDTypes)
	case FieldLayout:
		return int64(numLayouts)
	}
	return 2
}
