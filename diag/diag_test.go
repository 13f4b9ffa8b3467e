package diag

import (
	"errors"
	"fmt"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSuggest(t *testing.T) {
	known := []string{"priority", "platform", "dtypes", "layouts", "head_dim"}
	for _, tc := range []struct{ word, want string }{
		{"prority", "priority"},   // deletion
		{"priorty", "priority"},   // deletion
		{"dtpyes", "dtypes"},      // transposition
		{"layout", "layouts"},     // insertion
		{"head_dimm", "head_dim"}, // insertion
		{"HEAD_DIM", "head_dim"},  // case
		{"colour", ""},            // nothing close
		{"x", ""},
	} {
		if got := Suggest(tc.word, known); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	// Equally close candidates: the alphabetically first wins, whatever the order.
	for _, candidates := range [][]string{{"cot", "cut", "bat"}, {"bat", "cut", "cot"}} {
		if got := Suggest("cat", candidates); got != "bat" {
			t.Errorf("Suggest(cat, %v) = %q, want bat", candidates, got)
		}
	}
	if got := DidYouMean("prority", known); got != `did you mean "priority"?` {
		t.Errorf("DidYouMean = %q", got)
	}
}

func TestListSortsDedupsAndSplitsSeverities(t *testing.T) {
	var l List
	l.Errorf(Pos{"b.yaml", 1, 1}, "in b")
	l.Warnf(Pos{"a.yaml", 3, 2}, "late warning")
	l.Errorf(Pos{"a.yaml", 3, 1}, "early error")
	l.Hint("do %s", "this")
	l.Errorf(Pos{"a.yaml", 3, 1}, "early error")
	l.Hint("do %s", "this")
	got := l.Sort().String()
	want := "a.yaml:3:1: early error (do this)\na.yaml:3:2: warning: late warning\nb.yaml:1:1: in b\n"
	if got != want {
		t.Fatalf("sorted list:\n%s\nwant:\n%s", got, want)
	}
	l = l.Sort()
	if !l.HasErrors() || len(l.Errors()) != 2 || len(l.Warnings()) != 1 {
		t.Errorf("errors %d, warnings %d", len(l.Errors()), len(l.Warnings()))
	}
	err := fmt.Errorf("loading: %w", l.Err())
	back, ok := AsList(err)
	if !ok || len(back) != 2 {
		t.Fatalf("AsList(%v) = %v, %v", err, back, ok)
	}
	var only List
	only.Warnf(Pos{"a.yaml", 1, 1}, "w")
	if only.Err() != nil {
		t.Error("a list of warnings is not an error")
	}
	if _, ok := AsList(errors.New("plain")); ok {
		t.Error("AsList of a plain error")
	}
}

func TestMappingReportsEveryKeyProblem(t *testing.T) {
	var doc yaml.Node
	src := "priority: 1\nprority: 2\npriority: 3\n[a]: 4\nwhen: {}\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	var l List
	fields := Mapping(&l, "k.yaml", doc.Content[0], "kernel", []string{"priority", "when"})
	var names []string
	for _, f := range fields {
		names = append(names, f.Name())
	}
	if fmt.Sprint(names) != "[priority when]" {
		t.Errorf("fields = %v", names)
	}
	want := "k.yaml:2:1: unknown key \"prority\" in kernel (did you mean \"priority\"?)\n" +
		"k.yaml:3:1: duplicate key \"priority\" in kernel (first at line 1)\n" +
		"k.yaml:4:1: kernel: keys must be plain strings\n"
	if got := l.Sort().String(); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}

	l = nil
	if err := yaml.Unmarshal([]byte("- 1\n"), &doc); err != nil {
		t.Fatal(err)
	}
	Mapping(&l, "k.yaml", doc.Content[0], "kernel", nil)
	if got := l.String(); got != "k.yaml:1:1: kernel must be a mapping, got a list\n" {
		t.Errorf("non-mapping: %q", got)
	}
}
