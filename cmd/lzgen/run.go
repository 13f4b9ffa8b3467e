package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/layerzero/lzgen/gen"
	"github.com/layerzero/lzgen/runtime"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // diagnostics, I/O errors, or stale files with -check
	exitUsage = 2
)

// subcommands run instead of generation when named first; each has its own
// flag set.
var subcommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"explain":   explain,
	"vet-rules": vetRules,
}

// run is the whole CLI, with its streams passed in so tests can drive it.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if sub, ok := subcommands[args[0]]; ok {
			return sub(args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("lzgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	manifest := fs.String("manifest", "", "the kernel manifest to compile (required)")
	out := fs.String("out", "", "output directory (default: the manifest's directory)")
	header := fs.String("cuda-header", "", "where to write the C header of the cuda kernels, relative to -out")
	check := fs.Bool("check", false, "write nothing; exit 1 when the files on disk are stale")
	version := fs.Bool("version", false, "print the version and exit")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *version {
		fmt.Fprintf(stdout, "lzgen generated-code version %d, manifest version %d\n", runtime.GenVersion, gen.ManifestVersion)
		return exitOK
	}
	if *manifest == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: lzgen -manifest kernels.yaml [-out dir] [-cuda-header path] [-check]")
		return exitUsage
	}
	if *out == "" {
		*out = filepath.Dir(*manifest)
	}
	job, err := newJob(*manifest, *out, *header)
	if err != nil {
		fmt.Fprintf(stderr, "lzgen: %v\n", err)
		return exitFail
	}
	files, ok := job.generate(stderr)
	if !ok {
		return exitFail
	}
	plan, err := planWrites(job.outDir, files)
	if err != nil {
		fmt.Fprintf(stderr, "lzgen: %v\n", err)
		return exitFail
	}
	if *check {
		stale := plan.stale()
		for _, p := range stale {
			fmt.Fprintf(stderr, "lzgen: %s is stale; run lzgen -manifest %s\n", p, *manifest)
		}
		if len(stale) > 0 {
			return exitFail
		}
		return exitOK
	}
	if err := plan.apply(); err != nil {
		fmt.Fprintf(stderr, "lzgen: %v\n", err)
		return exitFail
	}
	return exitOK
}

// parseFlags parses args into fs (which reports a bad flag to its output).
// When ok is false the command returns code at once: exitOK after -help,
// exitUsage after a bad flag.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return exitOK, true
	case errors.Is(err, flag.ErrHelp):
		return exitOK, false
	}
	return exitUsage, false
}

// job is one generation request with its paths resolved.
type job struct {
	manifest, manifestArg, outDir, importPath, header string
}

func newJob(manifest, out, header string) (*job, error) {
	absManifest, err := filepath.Abs(manifest)
	if err != nil {
		return nil, err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	importPath, err := importPathOf(absOut)
	if err != nil {
		return nil, err
	}
	return &job{manifest: absManifest, manifestArg: manifest, outDir: absOut, importPath: importPath, header: header}, nil
}

// generate runs the compiler and prints its diagnostics; ok is false when
// there were errors.
func (j *job) generate(stderr io.Writer) (map[string][]byte, bool) {
	src, err := os.ReadFile(j.manifest)
	if err != nil {
		fmt.Fprintf(stderr, "lzgen: %v\n", err)
		return nil, false
	}
	out, diags := gen.Generate(gen.Input{
		Manifest:   j.manifest,
		Source:     src,
		OutDir:     j.outDir,
		ImportPath: j.importPath,
		CUDAHeader: j.header,
		Funcs:      gen.NewPackageLoader(j.outDir),
	})
	for i := range diags {
		diags[i].Pos.File = j.manifestArg
	}
	fmt.Fprint(stderr, diags.String())
	return out.Files, !diags.HasErrors()
}
