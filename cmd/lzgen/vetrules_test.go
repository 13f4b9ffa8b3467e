package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVetRules(t *testing.T) {
	cases := []struct {
		name  string
		flags []string
		files []string
		code  int
	}{
		{"good", nil, []string{"good.yaml"}, exitOK},
		{"errors", nil, []string{"errors.yaml"}, exitFail},
		{"warnings", nil, []string{"warnings.yaml"}, exitOK},
		{"warnings_strict", []string{"-strict"}, []string{"warnings.yaml"}, exitFail},
		{"several", nil, []string{"good.yaml", "warnings.yaml", "errors.yaml"}, exitFail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"vet-rules", "-manifest", quickstartManifest}, tc.flags...)
			for _, f := range tc.files {
				args = append(args, filepath.Join("testdata", "rules", f))
			}
			code, stdout, stderr := lzgen(args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Empty(t, stderr)
			compareOutput(t, filepath.Join("testdata", "vetrules", tc.name+".txt"), stdout)
		})
	}
}

func TestVetRulesUsage(t *testing.T) {
	code, _, stderr := lzgen("vet-rules", "-manifest", quickstartManifest)
	assert.Equal(t, exitUsage, code, "no rules file")
	assert.Contains(t, stderr, "usage: lzgen vet-rules")

	code, _, stderr = lzgen("vet-rules", "-manifest", quickstartManifest, "testdata/rules/absent.yaml")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, "absent.yaml")
}
