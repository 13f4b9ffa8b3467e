package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hundredRules is a rules file with 100 attention.causal rules of two
// conditions each, thresholds spread over batch_size and tp_size; for the
// benchmark context (batch 1, tp 0) only the last one fires.
func hundredRules() string {
	var b strings.Builder
	b.WriteString("version: \"1.0\"\ndispatch_rules:\n")
	kernels := []string{"noop_fast", "noop_medium", "noop_ref"}
	for i := range 100 {
		fmt.Fprintf(&b, "  - {operation: attention.causal, kernel: %s, priority: %d, conditions: {batch_size_gte: %d, tp_size_ne: %d}}\n",
			kernels[i%3], i*10, 100-i, i%4)
	}
	return b.String()
}

// lockRules is a rules file that locks attention.causal to kernel.
func lockRules(kernel string) string {
	return "version: \"1.0\"\nkernel_locks:\n  attention.causal: " + kernel + "\n"
}

// writeRules writes text to a rules file in a fresh temp directory and
// returns its path.
func writeRules(b *testing.B, text string) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}
