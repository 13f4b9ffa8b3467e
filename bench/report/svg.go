package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Bar is one bar of the plot: a label and a time in nanoseconds.
type Bar struct {
	Label string
	Ns    float64
	Seed  bool // the seed system's published figure, drawn grey
}

// Plot geometry, in SVG user units.
const (
	plotLabelWidth = 260
	plotBarsWidth  = 460
	plotRowHeight  = 26
	plotTop        = 40
	plotBottom     = 36
)

// WriteSVG draws a horizontal bar chart of bars on a logarithmic time axis
// (dispatch costs span from a nanosecond to a microsecond). The output is a
// pure function of its input, so it can be kept under version control.
func WriteSVG(w io.Writer, title string, bars []Bar) error {
	if len(bars) == 0 {
		return fmt.Errorf("plot %q: no benchmarks to draw", title)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range bars {
		if !(b.Ns > 0) {
			return fmt.Errorf("plot %q: bar %q has %v ns; a log axis needs a positive time", title, b.Label, b.Ns)
		}
		lo, hi = min(lo, b.Ns), max(hi, b.Ns)
	}
	minDecade, maxDecade := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if maxDecade == minDecade {
		maxDecade++
	}
	x := func(ns float64) float64 {
		return plotLabelWidth + plotBarsWidth*(math.Log10(ns)-minDecade)/(maxDecade-minDecade)
	}
	width := plotLabelWidth + plotBarsWidth + 90
	height := plotTop + plotRowHeight*len(bars) + plotBottom

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", 10, html.EscapeString(title))
	axisY := plotTop + plotRowHeight*len(bars)
	for d := minDecade; d <= maxDecade; d++ {
		ns := math.Pow(10, d)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(ns), plotTop-4, x(ns), axisY)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x(ns), axisY+16, formatNs(ns))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">time per call (log scale)</text>`+"\n", plotLabelWidth+plotBarsWidth/2, axisY+32)
	for i, bar := range bars {
		y := plotTop + i*plotRowHeight
		fill := "#3b6fb6"
		if bar.Seed {
			fill = "#9a9a9a"
		}
		left := x(math.Pow(10, minDecade))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", plotLabelWidth-8, y+16, html.EscapeString(bar.Label))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y+4, x(bar.Ns)-left, plotRowHeight-8, fill)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", x(bar.Ns)+4, y+16, formatNs(bar.Ns))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// formatNs prints a time compactly: "0.5 ns", "24 ns", "1.4 µs".
func formatNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}
