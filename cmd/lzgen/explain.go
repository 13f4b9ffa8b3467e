package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/layerzero/lzgen/runtime"
	// The real driver, when there is one, tells the engine that CUDA is
	// available and each device's SM, exactly as in a server.
	_ "github.com/layerzero/lzgen/runtime/cuda"
)

const explainUsage = "usage: lzgen explain -manifest kernels.yaml -op name [-ctx field=value,...] [-rules rules.yaml] [-assume-cuda]"

// explain prints the engine's explanation of one selection: every kernel of
// the operation, accepted or rejected with reasons, and the order the
// engine would try them in, in DYNAMIC mode or, with -rules, CONFIG mode.
func explain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lzgen explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	manifest := fs.String("manifest", "", "the kernel manifest (required)")
	opName := fs.String("op", "", "the operation to explain, e.g. attention.causal (required)")
	ctxFlag := fs.String("ctx", "", "the call's context as field=value pairs, e.g. platform=cuda,sm=90,dtype=bfloat16,head_dim=128")
	rules := fs.String("rules", "", "a rules file: explain in CONFIG mode under it")
	assumeCUDA := fs.Bool("assume-cuda", false, "explain as on a machine with a CUDA driver, even without one")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *manifest == "" || *opName == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, explainUsage)
		return exitUsage
	}
	c, err := parseContext(*ctxFlag)
	if err != nil {
		fmt.Fprintf(stderr, "lzgen explain: %v\n", err)
		return exitUsage
	}
	reg, ok := loadRegistry(*manifest, stderr)
	if !ok {
		return exitFail
	}
	op, ok := reg.OpByName(*opName)
	if !ok {
		names := make([]string, len(reg.Ops))
		for i := range reg.Ops {
			names[i] = reg.Ops[i].Name
		}
		fmt.Fprintf(stderr, "lzgen explain: %s has no operation %q%s\n", *manifest, *opName, suggestion(*opName, names))
		return exitUsage
	}
	if *assumeCUDA && !runtime.CUDAAvailable() {
		runtime.SetCUDAAvailable(true)
		defer runtime.SetCUDAAvailable(false)
	}
	opts := []runtime.Option{runtime.WithMode(runtime.ModeDynamic), runtime.WithLogger(warningsTo(stderr))}
	if *rules != "" {
		opts = []runtime.Option{runtime.WithMode(runtime.ModeConfig), runtime.WithRulesFile(*rules), runtime.WithLogger(warningsTo(stderr))}
	}
	engine, err := runtime.NewEngine(reg, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "lzgen explain: %v\n", err)
		return exitFail
	}
	defer engine.Close()
	fmt.Fprint(stdout, engine.Explain(op, c).String())
	return exitOK
}

// warningsTo logs the engine's warnings (rules warnings) to w as plain
// "level=WARN msg=... diagnostic=..." lines without timestamps.
func warningsTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.LevelWarn,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}
