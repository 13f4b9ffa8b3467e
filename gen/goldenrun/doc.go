// Package goldenrun holds the tests that dispatch through the generated
// golden packages (testdata/golden/<case>/out): which kernel runs for which
// context, fallback on failing kernels, and the cost of a static dispatch.
// It is separate from package gen so that `go test ./gen -update` still
// builds when a golden is broken.
package goldenrun
