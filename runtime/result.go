package runtime

// Result describes one dispatch: which kernel ran, whether the decision came
// from the cache, whether (and why) a fallback served it, and where the time
// went. Pass a *Result to Engine.Begin to get it; with nil nothing is
// measured, so it costs nothing when not asked for.
type Result struct {
	Kernel         KernelID
	KernelName     string
	Cached         bool   // the candidate list came from the decision cache
	Fallback       bool   // a kernel other than the first candidate served the call
	FallbackReason string // why the candidates before it did not serve, e.g. "flash: CIRCUIT_OPEN"
	Source         string // what put the serving kernel in the list: a lock, rule, chain, "priority" or "reference"
	Attempts       int    // kernels called, failed ones included
	SelectionNs    int64  // time to obtain the candidate list
	ExecutionNs    int64  // time spent in kernel calls, failed attempts included
}
