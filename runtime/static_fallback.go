package runtime

import "slices"

// StaticFallback is the cold path of a generated static dispatcher, entered
// when kernel failed returned err. A caller error (wrapping
// ErrInvalidArgument, and not a kernel panic) returns at once, as in the
// engine. Otherwise the kernels after failed in
// order (the static order, ending with the reference kernel) whose
// constraints accept c are tried through invoke until one succeeds; when none
// does, the result is a *FallbackExhaustedError listing every attempt.
func (r *Registry) StaticFallback(c Context, order []KernelID, failed KernelID, err error, invoke func(KernelID) error) error {
	if isCallerError(err) {
		return err
	}
	attempts := []Attempt{{Kernel: r.Kernels[failed].Name, Err: err}}
	for _, id := range order[slices.Index(order, failed)+1:] {
		if !r.Kernels[id].Constraints.Check(&c).Empty() {
			continue
		}
		err := invoke(id)
		if err == nil || isCallerError(err) {
			return err
		}
		attempts = append(attempts, Attempt{Kernel: r.Kernels[id].Name, Err: err})
	}
	return &FallbackExhaustedError{Op: r.Ops[c.Op].Name, Attempts: attempts}
}

// StaticNoKernel returns the *NoKernelError of a static dispatcher that
// found no kernel of c.Op accepting c, with every kernel's reasons.
func (r *Registry) StaticNoKernel(c Context) error {
	op := &r.Ops[c.Op]
	e := &NoKernelError{Op: op.Name}
	for _, id := range op.Kernels {
		k := &r.Kernels[id]
		e.Rejections = append(e.Rejections, Rejection{Kernel: k.Name, Reasons: k.Constraints.Check(&c)})
	}
	return e
}
