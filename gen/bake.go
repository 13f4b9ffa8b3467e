package gen

import (
	"slices"

	"github.com/layerzero/lzgen/diag"
	"github.com/layerzero/lzgen/runtime"
	"gopkg.in/yaml.v3"
)

// The manifest's optional `dispatch:` section is written in the runtime
// rules format and compiled by runtime.ParsePolicyNode, so the manifest and a
// rules file can never disagree on what a lock or a chain means. Only the
// context-free parts are baked into the static order; per-call rules belong
// in a rules file, where the engine evaluates them.

var dispatchKeys = []string{"kernel_locks", "kernel_denies", "kernel_allows", "fallback_chains"}

// bake fixes each op's static order and returns the dispatch section as
// rules-file YAML for the registration table ("" when there is none).
func (b *builder) bake(m *model) string {
	var pol *runtime.Policy
	var policyYAML string
	if n := b.m.dispatch; n != nil {
		// Report keys the static path cannot bake, then compile the rest.
		section := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
		for _, f := range diag.Mapping(b.diags, b.m.file, n, "dispatch", dispatchKeys) {
			section.Content = append(section.Content, f.Key, f.Value)
		}
		if n.Kind == yaml.MappingNode {
			var diags diag.List
			pol, diags = runtime.ParsePolicyNode(b.m.file, section, registryOf(m))
			*b.diags = append(*b.diags, diags...)
			out, err := yaml.Marshal(section)
			if err != nil {
				b.diags.Errorf(diag.At(b.m.file, n), "dispatch: %v", err)
			}
			policyYAML = string(out)
		}
		if b.diags.HasErrors() {
			return ""
		}
	}
	for _, op := range m.ops {
		op.static = staticOrder(op, m.kernels, pol)
		if len(op.static) == 0 {
			b.diags.Errorf(op.pos, "the dispatch section leaves operation %s without a kernel", op.name)
		}
	}
	return policyYAML
}

// staticOrder is the order the static dispatcher tries op's kernels in, the
// context-free part of the engine's CONFIG order: the lock, the fallback
// chain, the other kernels by priority, the reference kernel last; denied
// kernels left out. kernels is the model's kernel table, indexed by id.
func staticOrder(op *opModel, kernels []*kernelModel, pol *runtime.Policy) []*kernelModel {
	var order []*kernelModel
	add := func(k *kernelModel) {
		if k.op == op && !slices.Contains(order, k) && (pol == nil || pol.Admits(runtime.KernelID(k.id))) {
			order = append(order, k)
		}
	}
	if pol != nil {
		if id, ok := pol.Lock(runtime.OpID(op.id)); ok {
			add(kernels[id])
		}
		for _, id := range pol.Chain(runtime.OpID(op.id)) {
			add(kernels[id])
		}
	}
	for _, k := range op.byPrio {
		if k != op.reference {
			add(k)
		}
	}
	add(op.reference)
	return order
}

// registryOf describes the model as the runtime's registration table (without
// Invoke), for compiling the dispatch section against it.
func registryOf(m *model) *runtime.Registry {
	reg := &runtime.Registry{Manifest: m.file}
	for _, op := range m.ops {
		info := runtime.OpInfo{Name: op.name, Reference: runtime.KernelID(op.reference.id)}
		for _, k := range op.byPrio {
			info.Kernels = append(info.Kernels, runtime.KernelID(k.id))
		}
		reg.Ops = append(reg.Ops, info)
	}
	for _, k := range m.kernels {
		reg.Kernels = append(reg.Kernels, runtime.KernelInfo{Name: k.name, Op: runtime.OpID(k.op.id),
			Backend: k.backend, Priority: k.priority, Constraints: k.when, Impl: k.impl(), Pos: k.pos.String()})
	}
	return reg
}

// impl names the kernel's implementation: importpath.Func or module.cu:entry.
func (k *kernelModel) impl() string {
	if k.cuda != nil {
		return k.cuda.module + ":" + k.cuda.entry
	}
	return k.cpuPkg + "." + k.cpuFunc
}
