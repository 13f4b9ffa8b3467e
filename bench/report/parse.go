package main

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Benchmark is one benchmark's samples across `go test -count` runs.
type Benchmark struct {
	Name        string    // without the "Benchmark" prefix and the -GOMAXPROCS suffix
	NsPerOp     []float64 // one per run, in input order
	AllocsPerOp float64   // the largest seen; -1 when -benchmem was off
	BytesPerOp  float64   // the largest seen; -1 when -benchmem was off
}

// Median returns the median ns/op, the figure that noise moves least.
func (b *Benchmark) Median() float64 {
	s := slices.Clone(b.NsPerOp)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Parse reads `go test -bench` output and returns the benchmarks in order of
// first appearance. Lines that are not benchmark results (PASS, goos:, log
// output) are skipped; a result line that does not parse is an error with
// its line number.
func Parse(r io.Reader) ([]*Benchmark, error) {
	var out []*Benchmark
	byName := map[string]*Benchmark{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // a benchmark's own log line, not a result
		}
		name := trimProcs(strings.TrimPrefix(fields[0], "Benchmark"))
		b := byName[name]
		if b == nil {
			b = &Benchmark{Name: name, AllocsPerOp: -1, BytesPerOp: -1}
			byName[name] = b
			out = append(out, b)
		}
		if err := b.addSample(fields[2:]); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading benchmark output: %w", err)
	}
	return out, nil
}

// addSample reads the "value unit" pairs after the iteration count.
func (b *Benchmark) addSample(pairs []string) error {
	if len(pairs)%2 != 0 {
		return fmt.Errorf("benchmark %s: odd number of value/unit fields %q", b.Name, pairs)
	}
	sawNs := false
	for i := 0; i < len(pairs); i += 2 {
		v, err := strconv.ParseFloat(pairs[i], 64)
		if err != nil {
			return fmt.Errorf("benchmark %s: value %q for %s: %w", b.Name, pairs[i], pairs[i+1], err)
		}
		switch pairs[i+1] {
		case "ns/op":
			b.NsPerOp, sawNs = append(b.NsPerOp, v), true
		case "allocs/op":
			b.AllocsPerOp = max(b.AllocsPerOp, v)
		case "B/op":
			b.BytesPerOp = max(b.BytesPerOp, v)
		}
	}
	if !sawNs {
		return fmt.Errorf("benchmark %s: no ns/op figure", b.Name)
	}
	return nil
}

// trimProcs drops the "-8" GOMAXPROCS suffix go test appends to names.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}
