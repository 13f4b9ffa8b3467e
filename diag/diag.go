// Package diag holds the positioned diagnostics that the generator and the
// rules loader report ("kernels.yaml:42:7: message"), did-you-mean hints, and
// strict decoding helpers for YAML mapping nodes that keep every position.
package diag

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a source file; Line and Col are 1-based.
type Pos struct {
	File      string
	Line, Col int
}

// String formats the position as "file:line:col".
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Valid reports whether the position names a file and a line and column.
func (p Pos) Valid() bool { return p.File != "" && p.Line > 0 && p.Col > 0 }

// Severity orders diagnostics: errors stop generation or a reload, warnings do not.
type Severity uint8

// Severities.
const (
	Error Severity = iota
	Warning
)

// Diagnostic is one problem found in an input file.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Msg      string
	Hint     string // what to do, e.g. `did you mean "priority"?`; may be empty
}

// String formats the diagnostic as "file:line:col: msg (hint)", with
// "warning: " before the message of a warning.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Msg)
	if d.Hint != "" {
		b.WriteString(" (")
		b.WriteString(d.Hint)
		b.WriteByte(')')
	}
	return b.String()
}

// List collects diagnostics from one run. The zero value is ready to use.
type List []Diagnostic

// Errorf adds an error at pos.
func (l *List) Errorf(pos Pos, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Error, Msg: fmt.Sprintf(format, args...)})
}

// Warnf adds a warning at pos.
func (l *List) Warnf(pos Pos, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Warning, Msg: fmt.Sprintf(format, args...)})
}

// Hint sets the hint of the most recently added diagnostic.
func (l *List) Hint(format string, args ...any) {
	if n := len(*l); n > 0 {
		(*l)[n-1].Hint = fmt.Sprintf(format, args...)
	}
}

// Sort returns a copy of the list ordered by file, line, column, then
// message, without exact duplicates, so output is deterministic. The list
// itself is left as it was.
func (l List) Sort() List {
	l = slices.Clone(l)
	slices.SortStableFunc(l, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col), cmp.Compare(a.Msg, b.Msg))
	})
	return slices.Compact(l)
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error })
}

// Errors returns only the errors.
func (l List) Errors() List {
	return slices.DeleteFunc(slices.Clone(l), func(d Diagnostic) bool { return d.Severity != Error })
}

// Warnings returns only the warnings.
func (l List) Warnings() List {
	return slices.DeleteFunc(slices.Clone(l), func(d Diagnostic) bool { return d.Severity != Warning })
}

// String formats one diagnostic a line, each ending in a newline.
func (l List) String() string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Err returns the errors of the list as an error (a *ListError), or nil when
// there are none.
func (l List) Err() error {
	errs := l.Errors()
	if len(errs) == 0 {
		return nil
	}
	return &ListError{List: errs.Sort()}
}

// ListError is an error made of positioned diagnostics.
type ListError struct{ List List }

// Error lists the diagnostics, one a line.
func (e *ListError) Error() string { return strings.TrimSuffix(e.List.String(), "\n") }

// AsList extracts the diagnostics from err when it is (or wraps) a *ListError.
func AsList(err error) (List, bool) {
	var le *ListError
	if errors.As(err, &le) {
		return le.List, true
	}
	return nil, false
}

// Suggest returns the candidate closest to word by edit distance when it is
// close enough to be a likely misspelling, else "".
// Close enough is fewer than min(len(word)/3+2, 3) edits, ignoring case; of
// equally close candidates the alphabetically first wins.
func Suggest(word string, candidates []string) string {
	word = strings.ToLower(word)
	best, bestDist := "", min(len(word)/3+2, 3)
	for _, c := range candidates {
		if d := distance(word, strings.ToLower(c)); d < bestDist || d == bestDist && best != "" && c < best {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean returns a hint `did you mean "x"?` for a misspelt word, or "".
func DidYouMean(word string, candidates []string) string {
	if s := Suggest(word, candidates); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return ""
}

// distance is the Levenshtein edit distance with adjacent transpositions.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
