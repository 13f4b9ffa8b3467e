package runtime

import (
	"math/bits"
	"strings"
)

// Reason is a stable code for why a kernel was not chosen. The codes are part
// of lzgen's interface: explanations, logs and metrics use them verbatim.
type Reason uint8

// Rejection reasons. Add new codes at the end only.
const (
	PlatformMismatch Reason = iota
	SMTooOld
	SMTooNew
	DTypeUnsupported
	HeadDimTooSmall
	HeadDimTooLarge
	HeadDimAlignment
	SeqTooShort
	SeqTooLong
	BatchTooSmall
	BatchTooLarge
	LayoutUnsupported
	GQAUnsupported
	DropoutUnsupported
	NotCUDAGraphSafe
	NonDeterministic
	NoCUDADriver
	DeniedByPolicy
	NotAllowedByPolicy
	CircuitOpen
	numReasons
)

var reasonInfo = [numReasons]struct{ code, msg string }{
	PlatformMismatch:   {"PLATFORM_MISMATCH", "kernel runs on another platform than the call's tensors"},
	SMTooOld:           {"SM_TOO_OLD", "GPU compute capability below the kernel's min_sm"},
	SMTooNew:           {"SM_TOO_NEW", "GPU compute capability above the kernel's max_sm"},
	DTypeUnsupported:   {"DTYPE_UNSUPPORTED", "dtype not in the kernel's dtypes"},
	HeadDimTooSmall:    {"HEAD_DIM_TOO_SMALL", "head_dim below the kernel's minimum"},
	HeadDimTooLarge:    {"HEAD_DIM_TOO_LARGE", "head_dim above the kernel's maximum"},
	HeadDimAlignment:   {"HEAD_DIM_ALIGNMENT", "head_dim not a multiple of the kernel's alignment"},
	SeqTooShort:        {"SEQ_TOO_SHORT", "sequence length below the kernel's minimum"},
	SeqTooLong:         {"SEQ_TOO_LONG", "sequence length above the kernel's maximum"},
	BatchTooSmall:      {"BATCH_TOO_SMALL", "batch size below the kernel's minimum"},
	BatchTooLarge:      {"BATCH_TOO_LARGE", "batch size above the kernel's maximum"},
	LayoutUnsupported:  {"LAYOUT_UNSUPPORTED", "layout not in the kernel's layouts"},
	GQAUnsupported:     {"GQA_UNSUPPORTED", "grouped-query attention (num_kv_heads != num_heads) not supported"},
	DropoutUnsupported: {"DROPOUT_UNSUPPORTED", "dropout_p > 0 not supported"},
	NotCUDAGraphSafe:   {"NOT_CUDA_GRAPH_SAFE", "kernel is not safe during CUDA graph capture"},
	NonDeterministic:   {"NON_DETERMINISTIC", "call requires determinism, kernel is not deterministic"},
	NoCUDADriver:       {"NO_CUDA_DRIVER", "no CUDA driver on this machine"},
	DeniedByPolicy:     {"DENIED_BY_POLICY", "kernel matches kernel_denies"},
	NotAllowedByPolicy: {"NOT_ALLOWED_BY_POLICY", "kernel_allows is set and does not match the kernel"},
	CircuitOpen:        {"CIRCUIT_OPEN", "kernel's circuit breaker is open"},
}

// String returns the stable code, e.g. "SM_TOO_OLD".
func (r Reason) String() string {
	if r < numReasons {
		return reasonInfo[r].code
	}
	return "UNKNOWN_REASON"
}

// Message returns a one-line human explanation.
func (r Reason) Message() string {
	if r < numReasons {
		return reasonInfo[r].msg
	}
	return "unknown reason"
}

// Reasons is a set of Reason codes; the zero value means "accepted".
// It is a bitmask so that checking constraints never allocates.
type Reasons uint32

// With returns the set with r added.
func (rs Reasons) With(r Reason) Reasons { return rs | 1<<r }

// Has reports whether r is in the set.
func (rs Reasons) Has(r Reason) bool { return rs&(1<<r) != 0 }

// Empty reports whether the set is empty, i.e. the kernel was accepted.
func (rs Reasons) Empty() bool { return rs == 0 }

// List returns the reasons in code order.
func (rs Reasons) List() []Reason {
	out := make([]Reason, 0, bits.OnesCount32(uint32(rs)))
	for r := range numReasons {
		if rs.Has(r) {
			out = append(out, r)
		}
	}
	return out
}

// String joins the codes with ",", e.g. "SM_TOO_OLD,DTYPE_UNSUPPORTED".
func (rs Reasons) String() string {
	var b strings.Builder
	for _, r := range rs.List() {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.String())
	}
	return b.String()
}
