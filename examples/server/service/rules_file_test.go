package service

import (
	"os"
	"testing"

	"github.com/layerzero/lzgen/examples/quickstart/kernels"
	"github.com/layerzero/lzgen/runtime"
)

// TestSampleRulesFileLoads keeps examples/server/rules.yaml, the file the
// docs and `make server` start the server with, valid and warning-free.
func TestSampleRulesFileLoads(t *testing.T) {
	data, err := os.ReadFile("../rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, diags := runtime.ParsePolicy("rules.yaml", data, kernels.Registry); len(diags) > 0 {
		t.Fatalf("rules.yaml:\n%s", diags)
	}
}
