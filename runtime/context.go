package runtime

import (
	"fmt"
	"strconv"
)

// Platform says where a kernel runs.
type Platform uint8

// Platforms, spelt "cpu" and "cuda" in manifests and rules.
const (
	PlatformCPU Platform = iota
	PlatformCUDA
	numPlatforms
)

// String returns "cpu" or "cuda".
func (p Platform) String() string {
	switch p {
	case PlatformCPU:
		return "cpu"
	case PlatformCUDA:
		return "cuda"
	}
	return fmt.Sprintf("Platform(%d)", uint8(p))
}

// ParsePlatform maps "cpu" or "cuda" to a Platform.
func ParsePlatform(s string) (Platform, bool) {
	switch s {
	case "cpu":
		return PlatformCPU, true
	case "cuda":
		return PlatformCUDA, true
	}
	return 0, false
}

// OpID is the dense index of an operation in a Registry.
type OpID uint16

// KernelID is the dense index of a kernel in a Registry.
type KernelID uint16

// Context is everything kernel selection looks at for one call. It is a
// comparable value: the engine keys its decision cache on a quantised copy.
// Generated code fills it from the call's arguments with the manifest's
// context expressions; Platform, Device and SM come from the first tensor.
type Context struct {
	Op                    OpID
	Platform              Platform
	DType                 DType
	Layout                Layout
	Device                int32
	SM                    int32 // compute capability major*10+minor, 0 on the CPU
	BatchSize             int32
	SeqLenQ               int32
	SeqLenK               int32
	NumHeads              int32
	NumKVHeads            int32
	HeadDim               int32
	TPSize                int32
	PPSize                int32
	DropoutP              float32
	IsCausal              bool
	EnableGQA             bool
	IsCUDAGraphCapturing  bool
	RequiresDeterministic bool
}

// Field names one Context field, for rules conditions, explanations and the
// cache key. The names are the manifest's and the rules file's spelling.
type Field uint8

// The Context fields in declaration order.
const (
	FieldOp Field = iota
	FieldPlatform
	FieldDType
	FieldLayout
	FieldDevice
	FieldSM
	FieldBatchSize
	FieldSeqLenQ
	FieldSeqLenK
	FieldNumHeads
	FieldNumKVHeads
	FieldHeadDim
	FieldTPSize
	FieldPPSize
	FieldDropoutP
	FieldIsCausal
	FieldEnableGQA
	FieldIsCUDAGraphCapturing
	FieldRequiresDeterministic
	NumFields
)

// FieldKind is the value type of a Field.
type FieldKind uint8

// Field kinds: enums (op, platform, dtype, layout) compare by name.
const (
	KindInt FieldKind = iota
	KindFloat
	KindBool
	KindEnum
)

var fieldInfo = [NumFields]struct {
	name string
	kind FieldKind
}{
	FieldOp:                    {"op", KindEnum},
	FieldPlatform:              {"platform", KindEnum},
	FieldDType:                 {"dtype", KindEnum},
	FieldLayout:                {"layout", KindEnum},
	FieldDevice:                {"device", KindInt},
	FieldSM:                    {"sm", KindInt},
	FieldBatchSize:             {"batch_size", KindInt},
	FieldSeqLenQ:               {"seq_len_q", KindInt},
	FieldSeqLenK:               {"seq_len_k", KindInt},
	FieldNumHeads:              {"num_heads", KindInt},
	FieldNumKVHeads:            {"num_kv_heads", KindInt},
	FieldHeadDim:               {"head_dim", KindInt},
	FieldTPSize:                {"tp_size", KindInt},
	FieldPPSize:                {"pp_size", KindInt},
	FieldDropoutP:              {"dropout_p", KindFloat},
	FieldIsCausal:              {"is_causal", KindBool},
	FieldEnableGQA:             {"enable_gqa", KindBool},
	FieldIsCUDAGraphCapturing:  {"is_cuda_graph_capturing", KindBool},
	FieldRequiresDeterministic: {"requires_deterministic", KindBool},
}

// String returns the field's snake_case name.
func (f Field) String() string {
	if f < NumFields {
		return fieldInfo[f].name
	}
	return "Field(" + strconv.Itoa(int(f)) + ")"
}

// Kind returns the field's value type.
func (f Field) Kind() FieldKind { return fieldInfo[f].kind }

// ParseField maps a snake_case name to a Field.
func ParseField(name string) (Field, bool) {
	for f := range NumFields {
		if fieldInfo[f].name == name {
			return f, true
		}
	}
	return 0, false
}

// FieldNames lists every field name in Field order.
func FieldNames() []string {
	names := make([]string, NumFields)
	for f := range NumFields {
		names[f] = fieldInfo[f].name
	}
	return names
}

// Int returns an integer or enum field as int64 (enums as their ordinal,
// bools as 0 or 1, dropout_p in millionths).
func (c *Context) Int(f Field) int64 {
	switch f {
	case FieldOp:
		return int64(c.Op)
	case FieldPlatform:
		return int64(c.Platform)
	case FieldDType:
		return int64(c.DType)
	case FieldLayout:
		return int64(c.Layout)
	case FieldDevice:
		return int64(c.Device)
	case FieldSM:
		return int64(c.SM)
	case FieldBatchSize:
		return int64(c.BatchSize)
	case FieldSeqLenQ:
		return int64(c.SeqLenQ)
	case FieldSeqLenK:
		return int64(c.SeqLenK)
	case FieldNumHeads:
		return int64(c.NumHeads)
	case FieldNumKVHeads:
		return int64(c.NumKVHeads)
	case FieldHeadDim:
		return int64(c.HeadDim)
	case FieldTPSize:
		return int64(c.TPSize)
	case FieldPPSize:
		return int64(c.PPSize)
	case FieldDropoutP:
		return int64(c.DropoutP * 1e6)
	case FieldIsCausal:
		return b2i(c.IsCausal)
	case FieldEnableGQA:
		return b2i(c.EnableGQA)
	case FieldIsCUDAGraphCapturing:
		return b2i(c.IsCUDAGraphCapturing)
	case FieldRequiresDeterministic:
		return b2i(c.RequiresDeterministic)
	}
	return 0
}

// SetInt sets field f from the representation Int returns.
func (c *Context) SetInt(f Field, v int64) {
	switch f {
	case FieldOp:
		c.Op = OpID(v)
	case FieldPlatform:
		c.Platform = Platform(v)
	case FieldDType:
		c.DType = DType(v)
	case FieldLayout:
		c.Layout = Layout(v)
	case FieldDevice:
		c.Device = int32(v)
	case FieldSM:
		c.SM = int32(v)
	case FieldBatchSize:
		c.BatchSize = int32(v)
	case FieldSeqLenQ:
		c.SeqLenQ = int32(v)
	case FieldSeqLenK:
		c.SeqLenK = int32(v)
	case FieldNumHeads:
		c.NumHeads = int32(v)
	case FieldNumKVHeads:
		c.NumKVHeads = int32(v)
	case FieldHeadDim:
		c.HeadDim = int32(v)
	case FieldTPSize:
		c.TPSize = int32(v)
	case FieldPPSize:
		c.PPSize = int32(v)
	case FieldDropoutP:
		c.DropoutP = float32(v) / 1e6
	case FieldIsCausal:
		c.IsCausal = v != 0
	case FieldEnableGQA:
		c.EnableGQA = v != 0
	case FieldIsCUDAGraphCapturing:
		c.IsCUDAGraphCapturing = v != 0
	case FieldRequiresDeterministic:
		c.RequiresDeterministic = v != 0
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
