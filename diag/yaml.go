package diag

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// At returns the position of a YAML node in file.
func At(file string, n *yaml.Node) Pos { return Pos{File: file, Line: n.Line, Col: n.Column} }

// Field is one key of a YAML mapping with its value node.
type Field struct {
	Key   *yaml.Node
	Value *yaml.Node
}

// Name returns the key's text.
func (f Field) Name() string { return f.Key.Value }

// Mapping checks that n is a mapping whose keys are all in known, reporting
// a non-mapping, duplicate keys and unknown keys (with a did-you-mean hint)
// to l. It returns the valid fields in file order. what names the mapping in
// messages ("kernel", "rules file"). A nil known accepts any key (for maps
// keyed by user names); duplicates are still reported.
func Mapping(l *List, file string, n *yaml.Node, what string, known []string) []Field {
	n = Resolve(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		l.Errorf(At(file, n), "%s must be a mapping, got %s", what, KindName(n))
		return nil
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	var out []Field
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.Errorf(At(file, k), "%s: keys must be plain strings", what)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			l.Errorf(At(file, k), "duplicate key %q in %s (first at line %d)", k.Value, what, first.Line)
			continue
		}
		seen[k.Value] = k
		if known != nil && !slices.Contains(known, k.Value) {
			l.Errorf(At(file, k), "unknown key %q in %s", k.Value, what)
			if h := DidYouMean(k.Value, known); h != "" {
				l.Hint("%s", h)
			} else {
				l.Hint("known keys: %s", strings.Join(known, ", "))
			}
			continue
		}
		out = append(out, Field{Key: k, Value: v})
	}
	return out
}

// Resolve follows YAML aliases to the node they name.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// KindName describes a node's kind for messages: "a mapping", "a list",
// "a string", "an integer", ...
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.Tag {
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "null"
	}
	return "a string"
}
