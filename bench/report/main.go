// Command report turns `go test -bench` output of ./bench into the dispatch
// report `make bench` prints: every benchmark's median ns/op and allocations,
// the seed system's published figures side by side as ratios, and an SVG
// plot of the time per call in each dispatch mode.
//
//	go test -run '^$' -bench . -benchmem -count 3 ./bench | tee bench.out
//	go run ./bench/report -in bench.out -svg docs/bench.svg
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
)

func main() {
	in := flag.String("in", "-", "`file` holding go test -bench output; - reads stdin")
	svg := flag.String("svg", "docs/bench.svg", "`file` to write the plot to; empty skips the plot")
	modes := flag.String("modes", `^Dispatch/(direct|static|dynamic|config|breaker|hot_?reload)`, "`regexp` selecting the benchmarks to plot, one bar each")
	flag.Parse()
	if err := run(*in, *svg, *modes, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(in, svgPath, modes string, stdout io.Writer) error {
	modesRe, err := regexp.Compile(modes)
	if err != nil {
		return fmt.Errorf("-modes: %w", err)
	}
	r := io.Reader(os.Stdin)
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	benches, err := Parse(r)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if len(benches) == 0 {
		return fmt.Errorf("%s: no benchmark results (run go test -bench first)", in)
	}
	if err := WriteReport(stdout, benches); err != nil {
		return err
	}
	if svgPath == "" {
		return nil
	}
	var plot bytes.Buffer
	if err := WriteSVG(&plot, "lzgen dispatch: time per call by mode (median)", plotBars(benches, modesRe)); err != nil {
		return err
	}
	if err := os.WriteFile(svgPath, plot.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the plot: %w", err)
	}
	fmt.Fprintf(stdout, "\nplot written to %s\n", svgPath)
	return nil
}
