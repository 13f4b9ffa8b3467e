package cuda

import (
	"os"
	"strings"
	"testing"
)

func TestParseEntries(t *testing.T) {
	ptx, err := os.ReadFile("testdata/norm.ptx")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ParseEntries(ptx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Name != "lz_rms_norm" || entries[1].Name != "lz_empty" {
		t.Fatalf("entries = %+v, want lz_rms_norm then lz_empty", entries)
	}
	want := []Param{{8, 8}, {8, 8}, {8, 8}, {4, 4}, {4, 4}, {4, 4}, {4, 4}}
	if got := entries[0].Params; len(got) != len(want) {
		t.Fatalf("params = %v, want %v", got, want)
	}
	for i, p := range entries[0].Params {
		if p != want[i] {
			t.Errorf("param %d = %+v, want %+v", i, p, want[i])
		}
	}
	if len(entries[1].Params) != 0 {
		t.Errorf("lz_empty params = %v, want none", entries[1].Params)
	}
}

func TestParseEntriesQualifiersAndArrays(t *testing.T) {
	ptx := `.entry k(.param .u64 .ptr .global .align 16 k_p0, .param .align 8 .b8 k_p1[24], .param .u16 k_p2)`
	entries, err := ParseEntries([]byte(ptx))
	if err != nil {
		t.Fatal(err)
	}
	want := []Param{{8, 16}, {24, 8}, {2, 2}}
	if len(entries) != 1 || len(entries[0].Params) != len(want) {
		t.Fatalf("entries = %+v, want one entry with %d parameters", entries, len(want))
	}
	for i, p := range entries[0].Params {
		if p != want[i] {
			t.Errorf("param %d = %+v, want %+v", i, p, want[i])
		}
	}
}

func TestParseEntriesErrors(t *testing.T) {
	for _, tc := range []struct{ ptx, want string }{
		{".version 8.0\n.entry k(\n.param .u64 a,\n.param b\n)", "ptx line 2: entry k"},
		{".entry k", ".entry without a parameter list"},
		{".entry (.param .u32 a)", ".entry without a name"},
		{".entry k(.param .b8 a[x])", "bad array length"},
		{".entry k(.param .align z .u32 a)", "bad alignment"},
	} {
		_, err := ParseEntries([]byte(tc.ptx))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseEntries(%q) error = %v, want it to mention %q", tc.ptx, err, tc.want)
		}
	}
}
