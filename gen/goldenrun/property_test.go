package goldenrun

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/layerzero/lzgen/runtime"
	constraints "github.com/layerzero/lzgen/testdata/golden/constraints/out"
	"github.com/layerzero/lzgen/testdata/golden/testkernels"
	"github.com/stretchr/testify/require"
)

// TestStaticConditionsAgreeWithCheck dispatches random contexts through the
// constraints golden, whose kernels always fail, so the error lists every
// kernel tried. The compiled switch must pick exactly the first kernel of
// the static order that runtime.Constraints.Check accepts, and the fallback
// must try exactly the accepted ones after it.
func TestStaticConditionsAgreeWithCheck(t *testing.T) {
	t.Cleanup(func() {
		runtime.SetDeviceSM(0, 0)
		testkernels.Reset()
	})
	rng := rand.New(rand.NewPCG(1, 2))
	layouts := []runtime.Layout{runtime.LayoutRowMajor, runtime.BSHD, runtime.BHSD, runtime.NHD, runtime.HND}
	dtypes := []runtime.DType{runtime.Float32, runtime.Float16, runtime.BFloat16}
	sms := []int32{0, 70, 75, 80, 86, 90, 100, 120}
	reg := constraints.Registry
	order := reg.Ops[constraints.OpProbe].Kernels // priority order, reference last by construction
	pick := func(n int) int { return rng.IntN(n) }
	for i := range 20000 {
		layout := layouts[pick(len(layouts))]
		shape := []int{1, 1, 1, 1}[:max(1, layoutRank(layout))]
		var x runtime.Tensor
		var err error
		onDevice := pick(3) == 0
		if onDevice {
			runtime.SetDeviceSM(0, sms[pick(len(sms))])
			x, err = runtime.FromDevice(0x1000, 0, dtypes[pick(3)], layout, shape...)
		} else {
			x, err = runtime.New(dtypes[pick(3)], layout, shape...)
		}
		require.NoError(t, err)
		small := func() int { return pick(20) }
		heads := small()
		kv := heads
		if pick(2) == 0 {
			kv = small()
		}
		dropout := float32(0)
		if pick(4) == 0 {
			dropout = 0.1
		}
		args := constraints.ProbeArgs{X: x, Batch: small(), SeqQ: small(), SeqK: small(), Heads: heads, KvHeads: kv,
			HeadDim: pick(300), Dropout: dropout, Gqa: pick(4) == 0, Capturing: pick(4) == 0, Deterministic: pick(3) == 0}
		c := runtime.Context{Op: constraints.OpProbe, Platform: x.Platform(), DType: x.DType(), Layout: x.Layout(),
			SM: runtime.DeviceSM(0), BatchSize: int32(args.Batch), SeqLenQ: int32(args.SeqQ), SeqLenK: int32(args.SeqK),
			NumHeads: int32(args.Heads), NumKVHeads: int32(args.KvHeads), HeadDim: int32(args.HeadDim), DropoutP: args.Dropout,
			EnableGQA: args.Gqa, IsCUDAGraphCapturing: args.Capturing, RequiresDeterministic: args.Deterministic}
		if !onDevice {
			c.SM = 0
		}
		var want []string
		for _, id := range order {
			if reg.Kernels[id].Constraints.Check(&c).Empty() {
				want = append(want, reg.Kernels[id].Name)
			}
		}
		err = constraints.Probe(args.X, args.Batch, args.SeqQ, args.SeqK, args.Heads, args.KvHeads, args.HeadDim,
			args.Dropout, args.Gqa, args.Capturing, args.Deterministic)
		var got []string
		var exhausted *runtime.FallbackExhaustedError
		var none *runtime.NoKernelError
		switch {
		case errors.As(err, &exhausted):
			for _, a := range exhausted.Attempts {
				got = append(got, a.Kernel)
			}
		case errors.As(err, &none):
		default:
			t.Fatalf("context %d: unexpected result %v", i, err)
		}
		require.Equal(t, want, got, "context %d: %+v", i, c)
	}
}

func layoutRank(l runtime.Layout) int {
	switch l {
	case runtime.BSHD, runtime.BHSD:
		return 4
	case runtime.NHD, runtime.HND:
		return 3
	}
	return 2
}
