package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/layerzero/lzgen/runtime"
)

const vetRulesUsage = "usage: lzgen vet-rules -manifest kernels.yaml [-strict] rules.yaml [more.yaml ...]"

// vetRules checks rules files against a manifest offline, as the engine
// would load them, and prints every error and warning with file:line:col:
// operators run it in CI before a rules change reaches a server. It exits
// 1 on errors (and, with -strict, on warnings), 0 otherwise.
func vetRules(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lzgen vet-rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	manifest := fs.String("manifest", "", "the kernel manifest the rules apply to (required)")
	strict := fs.Bool("strict", false, "fail on warnings too, as an engine built with WithStrict does")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *manifest == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, vetRulesUsage)
		return exitUsage
	}
	reg, ok := loadRegistry(*manifest, stderr)
	if !ok {
		return exitFail
	}
	var errs, warns int
	for _, file := range fs.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "lzgen vet-rules: %v\n", err)
			errs++
			continue
		}
		diags := runtime.VetPolicy(file, data, reg).Sort()
		fmt.Fprint(stdout, diags.String())
		e := len(diags.Errors())
		errs, warns = errs+e, warns+len(diags)-e
	}
	fmt.Fprintf(stdout, "%d file(s): %d error(s), %d warning(s)\n", fs.NArg(), errs, warns)
	if errs > 0 || *strict && warns > 0 {
		return exitFail
	}
	return exitOK
}
