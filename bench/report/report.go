package main

import (
	"fmt"
	"io"
	"regexp"
	"text/tabwriter"
)

// comparison is one seed figure next to our measurement of the same path.
type comparison struct {
	seedFigure
	Ours *Benchmark // nil when no benchmark matches
}

// compare pairs every seed figure with the first benchmark its pattern matches.
func compare(benches []*Benchmark) []comparison {
	out := make([]comparison, len(seedFigures))
	for i, f := range seedFigures {
		out[i].seedFigure = f
		for _, b := range benches {
			if f.Bench.MatchString(b.Name) {
				out[i].Ours = b
				break
			}
		}
	}
	return out
}

// WriteReport prints every benchmark's median and allocations, then the
// seed comparison as ratios (seed ÷ lzgen: how many times faster lzgen is).
func WriteReport(w io.Writer, benches []*Benchmark) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "benchmark\truns\tns/op (median)\tB/op\tallocs/op\n")
	for _, b := range benches {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%s\t%s\n", b.Name, len(b.NsPerOp), b.Median(), memFigure(b.BytesPerOp), memFigure(b.AllocsPerOp))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	fmt.Fprintf(w, "\n")
	fmt.Fprintf(tw, "vs the seed system\tlzgen\tseed p50\tseed ÷ lzgen\tbenchmark\n")
	for _, c := range compare(benches) {
		if c.Ours == nil {
			fmt.Fprintf(tw, "%s\t-\t%s\t-\tnone matches /%v/\n", c.Path, formatNs(c.SeedNs), c.Bench)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f×\t%s\n", c.Path, formatNs(c.Ours.Median()), formatNs(c.SeedNs), c.SeedNs/c.Ours.Median(), c.Ours.Name)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// memFigure prints a -benchmem figure, or "-" when it was not measured.
func memFigure(v float64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", v)
}

// plotBars selects the benchmarks whose names match modes, in input order,
// followed by the seed system's figures drawn grey for scale.
func plotBars(benches []*Benchmark, modes *regexp.Regexp) []Bar {
	var bars []Bar
	for _, b := range benches {
		if modes.MatchString(b.Name) {
			bars = append(bars, Bar{Label: b.Name, Ns: b.Median()})
		}
	}
	for _, f := range seedFigures {
		bars = append(bars, Bar{Label: "seed: " + f.Path, Ns: f.SeedNs, Seed: true})
	}
	return bars
}
