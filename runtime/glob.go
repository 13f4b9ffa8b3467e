package runtime

import (
	"fmt"
	"strings"
)

// globSpecial lists characters other glob dialects treat specially. Rules
// globs support only * and ?, so these are rejected rather than silently
// taken literally.
const globSpecial = "[]{}\\!^$+()|"

// checkGlob validates a rules-file glob: * matches any run of characters, ?
// exactly one, everything else (the dot included) is literal.
func checkGlob(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("empty pattern")
	}
	if i := strings.IndexAny(pattern, globSpecial); i >= 0 {
		return fmt.Errorf("%q is not supported in patterns: only * and ? are special", pattern[i])
	}
	if i := strings.IndexFunc(pattern, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return fmt.Errorf("pattern contains whitespace or a control character at byte %d", i)
	}
	return nil
}

// isGlob reports whether pattern has a wildcard, i.e. is not a plain name.
func isGlob(pattern string) bool { return strings.ContainsAny(pattern, "*?") }

// globMatch reports whether s matches pattern. It never allocates and runs
// in O(len(pattern)*len(s)) at worst (single-star backtracking).
func globMatch[S ~string | ~[]byte](pattern string, s S) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
