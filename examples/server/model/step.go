package model

// Step is one dispatched operation of a forward pass and the kernel that
// served it.
type Step struct {
	Name     string `json:"step"`     // the block's name for the step, e.g. "q_proj"
	Op       string `json:"op"`       // the manifest operation, e.g. "matmul"
	Kernel   string `json:"kernel"`   // the kernel that produced the result
	Fallback bool   `json:"fallback"` // a higher-ranked kernel failed or its breaker was open
	Cached   bool   `json:"cached"`   // the decision came from the engine's cache
}
