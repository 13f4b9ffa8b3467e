package main

import "regexp"

// seedFigure is one of the seed system's published dispatch timings and the
// benchmark of ours that measures the same path.
type seedFigure struct {
	Path   string         // what is measured, in words
	SeedNs float64        // the seed system's published p50
	Bench  *regexp.Regexp // the first of our benchmarks it matches measures the same path
}

// seedFigures are the Python seed system's published figures that DESIGN §7
// sets lzgen's targets against.
var seedFigures = []seedFigure{
	{"dynamic dispatch, cache hit", 398, regexp.MustCompile(`^Dispatch/dynamic_hit$`)},
	{"circuit breaker check", 376, regexp.MustCompile(`^Dispatch/breaker_check$`)},
	{"config lookup (MVCC in the seed)", 1383, regexp.MustCompile(`^Dispatch/config(_hit)?$`)},
}
