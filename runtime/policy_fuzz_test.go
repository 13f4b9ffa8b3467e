package runtime

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRules feeds arbitrary bytes to the rules loader: it must not panic,
// every diagnostic must carry a position, and a policy that loads must
// evaluate any context without panicking.
func FuzzRules(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "rules", "seed.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(orderRules))
	f.Add([]byte("version: 1.0\ndispatch_rules: [{operation: x, kernel: y, conditions: {dtype_gt: 3, device: cuda}}]"))
	f.Add([]byte("version: \"1.0\"\ndefaults: {fallback_policy: [reference, priority, 'matmul_*']}\n"))
	f.Add([]byte("a: &a [*a]"))
	reg := rulesRegistry(f)
	seedReg := seedRegistry()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range []*Registry{reg, seedReg} {
			p, ds := ParsePolicy("fuzz.yaml", data, r)
			for _, d := range ds {
				if !d.Pos.Valid() {
					t.Fatalf("diagnostic without a position: %q", d.String())
				}
			}
			if ds.HasErrors() != (p == nil) {
				t.Fatalf("errors %v but policy %v", ds.HasErrors(), p != nil)
			}
			if p == nil {
				continue
			}
			dst := make([]Choice, 0, 16)
			for op := range r.Ops {
				for _, c := range []Context{cpuCall(OpID(op)), {Op: OpID(op), Platform: PlatformCUDA, SM: 90, DType: Float16, Device: 1}} {
					dst = p.Prefix(&c, dst[:0])
					for _, ch := range dst {
						if !p.Admits(ch.Kernel) || r.Kernels[ch.Kernel].Op != OpID(op) || p.Describe(ch.Source) == "" {
							t.Fatalf("bad choice %+v for op %d", ch, op)
						}
					}
				}
			}
		}
	})
}
