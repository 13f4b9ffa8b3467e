package runtime

// faultTable maps kernels to injected errors; immutable once published.
type faultTable []error

// InjectFault makes every call of kernel k report err as its outcome (after
// the kernel ran), or stops doing so when err is nil. It is for demos, chaos
// tests and operators' fire drills: the breaker, fallback and telemetry see
// the fault exactly as they would see a real failure. With no fault
// injected the dispatch path pays one atomic load.
func (e *Engine) InjectFault(k KernelID, err error) {
	e.swap.Lock()
	defer e.swap.Unlock()
	next := make(faultTable, len(e.reg.Kernels))
	if old := e.faults.Load(); old != nil {
		copy(next, *old)
	}
	next[k] = err
	for _, f := range next {
		if f != nil {
			e.faults.Store(&next)
			return
		}
	}
	e.faults.Store(nil)
}

// fault returns the error injected for kernel k, if any.
func (e *Engine) fault(k KernelID) error {
	if t := e.faults.Load(); t != nil {
		return (*t)[k]
	}
	return nil
}
