package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name byte for byte; -update rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bench/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; review and run go test ./bench/report -update\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

func parseFile(t *testing.T, path string) []*Benchmark {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	benches, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return benches
}

func TestParseTakesMediansAcrossRuns(t *testing.T) {
	benches := parseFile(t, "testdata/bench.out")
	var names []string
	for _, b := range benches {
		names = append(names, b.Name)
	}
	if got, want := strings.Join(names, " "), "Dispatch/direct Dispatch/static Dispatch/dynamic_hit Dispatch/config Dispatch/breaker_check"; got != want {
		t.Fatalf("names %q, want %q", got, want)
	}
	dynamic := benches[2]
	if len(dynamic.NsPerOp) != 3 || dynamic.Median() != 17 {
		t.Errorf("dynamic: samples %v median %v, want 3 samples, median 17", dynamic.NsPerOp, dynamic.Median())
	}
	if static := benches[1]; static.Median() != 2.3 {
		t.Errorf("static median %v, want the mean of the middle two, 2.3", static.Median())
	}
	if cfg := benches[3]; cfg.AllocsPerOp != 1 {
		t.Errorf("config allocs/op %v, want the worst run's 1", cfg.AllocsPerOp)
	}
	if breaker := benches[4]; breaker.AllocsPerOp != -1 {
		t.Errorf("breaker allocs/op %v, want -1 (not measured)", breaker.AllocsPerOp)
	}
}

func TestParseRejectsMalformedResults(t *testing.T) {
	for _, in := range []string{
		"BenchmarkX-2 100 abc ns/op\n",
		"BenchmarkX-2 100 5 ns/op 3\n",
		"BenchmarkX-2 100 5 B/op\n",
	} {
		if _, err := Parse(strings.NewReader("PASS\n" + in)); err == nil || !strings.Contains(err.Error(), "line 2: benchmark X") {
			t.Errorf("Parse(%q) = %v, want an error naming line 2 and benchmark X", in, err)
		}
	}
}

func TestReportAndPlotMatchGolden(t *testing.T) {
	benches := parseFile(t, "testdata/bench.out")
	var report bytes.Buffer
	if err := WriteReport(&report, benches); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.txt", report.Bytes())

	var plot bytes.Buffer
	if err := WriteSVG(&plot, "test plot", plotBars(benches, regexp.MustCompile(`^Dispatch/(direct|static|dynamic|config)`))); err != nil {
		t.Fatal(err)
	}
	golden(t, "bench.svg", plot.Bytes())
}

func TestWriteSVGRejectsNonPositiveTimes(t *testing.T) {
	err := WriteSVG(&bytes.Buffer{}, "t", []Bar{{Label: "zero", Ns: 0}})
	if err == nil || !strings.Contains(err.Error(), `"zero"`) {
		t.Fatalf("got %v, want an error naming the bar", err)
	}
}

// TestRunWritesReportAndPlot runs the command on the test input: the
// report goes to stdout and the plot to the -svg file.
func TestRunWritesReportAndPlot(t *testing.T) {
	svgPath := filepath.Join(t.TempDir(), "plot.svg")
	var stdout bytes.Buffer
	if err := run("testdata/bench.out", svgPath, `^Dispatch/direct$`, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "Dispatch/dynamic_hit") || !strings.Contains(stdout.String(), "plot written to "+svgPath) {
		t.Errorf("stdout lacks the report or the plot path:\n%s", stdout.String())
	}
	plot, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(plot, []byte(">Dispatch/direct<")) || bytes.Contains(plot, []byte(">Dispatch/static<")) {
		t.Errorf("plot should draw Dispatch/direct only (of ours), as -modes selects:\n%s", plot)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.out")
	if err := os.WriteFile(empty, []byte("PASS\nok\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, modes, want string }{
		{"testdata/bench.out", "(", "-modes"},
		{"testdata/missing.out", ".", "missing.out"},
		{empty, ".", "no benchmark results"},
	} {
		err := run(tc.in, "", tc.modes, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q, modes %q) = %v, want an error mentioning %q", tc.in, tc.modes, err, tc.want)
		}
	}
}
