package gen

import (
	"path"

	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
)

// BuildRegistry compiles a manifest into the registration table its
// generated package would hold (the dispatch section included as Policy),
// without generating code, for tools that reason about selection offline:
// `lzgen explain` and `lzgen vet-rules`. Invoke is nil, so an engine built
// on it can explain selections but not run kernels. The registry is nil
// when the diagnostics hold an error; Manifest is the manifest's base name.
func BuildRegistry(manifest string, src []byte) (*runtime.Registry, diag.List) {
	m, diags := parse(path.Base(manifest), src)
	if m == nil {
		return nil, diags.Sort()
	}
	model := build(m, &diags)
	if diags.HasErrors() {
		return nil, diags.Sort()
	}
	reg := registryOf(model)
	reg.Policy = model.policy
	return reg, diags.Sort()
}
