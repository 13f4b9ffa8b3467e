// Command quickstart is lzgen's main job end to end: the package in
// ./kernels is generated from kernels.yaml (`go generate ./...`), and this
// program dispatches every operation through it on the CPU at realistic LLM
// shapes, printing per operation the kernel that ran and its time. It then
// shows the engine: an explanation of a selection, and a fallback when a
// kernel is made to fail.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"text/tabwriter"
	"time"

	"github.com/layerzero/lzgen/examples/quickstart/kernels"
	"github.com/layerzero/lzgen/runtime"
	"github.com/layerzero/lzgen/runtime/cuda"
)

// Shape flags; the defaults are one layer of a Llama-style 8B model at
// batch 2 and a 512-token prompt.
var (
	batch   = flag.Int("batch", 2, "batch size")
	seq     = flag.Int("seq", 512, "sequence length")
	heads   = flag.Int("heads", 32, "query heads")
	kvHeads = flag.Int("kv-heads", 8, "key/value heads (GQA when fewer than -heads)")
	headDim = flag.Int("head-dim", 128, "head dimension")
	ffn     = flag.Int("ffn", 11008, "MLP hidden size")
)

func main() {
	flag.Parse()
	log.SetFlags(0)
	d, err := kernels.NewDispatcher(runtime.WithMode(runtime.ModeDynamic))
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	fmt.Printf("lzgen quickstart: batch %d, seq %d, %d heads (%d KV), head_dim %d, hidden %d, ffn %d\n\n",
		*batch, *seq, *heads, *kvHeads, *headDim, *heads**headDim, *ffn)
	runAll(d)
	onGPU(d)
	explain(d)
	fallback(d)
}

// step is one operation run: a name for the table and the call itself.
type step struct {
	op, shape string
	static    func() error                   // the generated static dispatcher
	dynamic   func() (runtime.Result, error) // the same call through the engine, reporting the kernel
}

// runAll runs every operation twice per input: through the static
// dispatcher, timed, and through the engine, reporting the serving kernel.
func runAll(d *kernels.Dispatcher) {
	r := rand.New(rand.NewPCG(1, 2))
	b, s, h, kvh, hd, hidden, rows := *batch, *seq, *heads, *kvHeads, *headDim, *heads**headDim, *batch**seq

	q, k, v := randn(r, runtime.Float32, runtime.BSHD, b, s, h, hd), randn(r, runtime.Float32, runtime.BSHD, b, s, kvh, hd), randn(r, runtime.Float32, runtime.BSHD, b, s, kvh, hd)
	qh, kh, vh := convert(q, runtime.BFloat16), convert(k, runtime.BFloat16), convert(v, runtime.BFloat16)
	attnOut, attnOutH := zeros(runtime.Float32, runtime.BSHD, b, s, h, hd), zeros(runtime.BFloat16, runtime.BSHD, b, s, h, hd)
	x, w, bias := randn(r, runtime.Float32, runtime.LayoutRowMajor, rows, hidden), randn(r, runtime.Float32, runtime.LayoutRowMajor, hidden), randn(r, runtime.Float32, runtime.LayoutRowMajor, hidden)
	xh, wh := convert(x, runtime.BFloat16), convert(w, runtime.BFloat16)
	normOut, normOutH := zeros(runtime.Float32, runtime.LayoutRowMajor, rows, hidden), zeros(runtime.BFloat16, runtime.LayoutRowMajor, rows, hidden)
	cos, sin := ropeTables(s, hd)
	gate, up, act := randn(r, runtime.Float32, runtime.LayoutRowMajor, rows, *ffn), randn(r, runtime.Float32, runtime.LayoutRowMajor, rows, *ffn), zeros(runtime.Float32, runtime.LayoutRowMajor, rows, *ffn)
	wo := randn(r, runtime.Float32, runtime.LayoutRowMajor, hidden, hidden/4)
	proj, tok, tokOut := zeros(runtime.Float32, runtime.LayoutRowMajor, 256, hidden/4), randn(r, runtime.Float32, runtime.LayoutRowMajor, 1, hidden), zeros(runtime.Float32, runtime.LayoutRowMajor, 1, hidden/4)
	x256 := randn(r, runtime.Float32, runtime.LayoutRowMajor, 256, hidden)

	steps := []step{
		{"attention.causal", q.String(),
			func() error { return kernels.AttentionCausal(q, k, v, attnOut, 0) },
			func() (runtime.Result, error) { return d.AttentionCausalResult(q, k, v, attnOut, 0) }},
		{"attention.causal", qh.String(),
			func() error { return kernels.AttentionCausal(qh, kh, vh, attnOutH, 0) },
			func() (runtime.Result, error) { return d.AttentionCausalResult(qh, kh, vh, attnOutH, 0) }},
		{"attention.full", q.String(),
			func() error { return kernels.AttentionFull(q, k, v, attnOut, 0) },
			func() (runtime.Result, error) { return d.AttentionFullResult(q, k, v, attnOut, 0) }},
		{"norm.rms", x.String(),
			func() error { return kernels.NormRms(x, w, normOut, 1e-5) },
			func() (runtime.Result, error) { return d.NormRmsResult(x, w, normOut, 1e-5) }},
		{"norm.rms", xh.String(),
			func() error { return kernels.NormRms(xh, wh, normOutH, 1e-5) },
			func() (runtime.Result, error) { return d.NormRmsResult(xh, wh, normOutH, 1e-5) }},
		{"norm.layer", x.String(),
			func() error { return kernels.NormLayer(x, w, bias, normOut, 1e-5) },
			func() (runtime.Result, error) { return d.NormLayerResult(x, w, bias, normOut, 1e-5) }},
		{"posenc.rope", q.String(),
			func() error { return kernels.PosencRope(q, cos, sin, attnOut, false) },
			func() (runtime.Result, error) { return d.PosencRopeResult(q, cos, sin, attnOut, false) }},
		{"activation.swiglu", gate.String(),
			func() error { return kernels.ActivationSwiglu(gate, up, act) },
			func() (runtime.Result, error) { return d.ActivationSwigluResult(gate, up, act) }},
		{"matmul", fmt.Sprintf("%v x %v", x256.Shape(), wo.Shape()),
			func() error { return kernels.Matmul(x256, wo, proj) },
			func() (runtime.Result, error) { return d.MatmulResult(x256, wo, proj) }},
		{"matmul", fmt.Sprintf("%v x %v", tok.Shape(), wo.Shape()),
			func() error { return kernels.Matmul(tok, wo, tokOut) },
			func() (runtime.Result, error) { return d.MatmulResult(tok, wo, tokOut) }},
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tINPUT\tKERNEL\tSTATIC\tDYNAMIC\tSELECTION")
	for _, st := range steps {
		start := time.Now()
		if err := st.static(); err != nil {
			log.Fatalf("%s: %v", st.op, err)
		}
		staticTime := time.Since(start)
		var res runtime.Result
		for range 2 { // the second call shows a decision-cache hit
			var err error
			if res, err = st.dynamic(); err != nil {
				log.Fatalf("%s: %v", st.op, err)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\t%dns (cached %v)\n", st.op, st.shape, res.KernelName,
			staticTime.Round(time.Microsecond), time.Duration(res.ExecutionNs).Round(time.Microsecond), res.SelectionNs, res.Cached)
	}
	tw.Flush()
}

// onGPU runs the operations that have CUDA kernels on device copies of
// their inputs, through the same Dispatcher, when a CUDA driver is present;
// it compares the GPU attention output with the CPU one.
func onGPU(d *kernels.Dispatcher) {
	if !cuda.Available() {
		fmt.Println("\nGPU: no CUDA driver on this machine: CUDA kernels are rejected with NO_CUDA_DRIVER, the CPU kernels served")
		return
	}
	r := rand.New(rand.NewPCG(5, 6))
	b, s, h, kvh, hd, hidden := *batch, *seq, *heads, *kvHeads, *headDim, *heads**headDim
	var bufs []cuda.Buffer
	defer func() {
		for _, buf := range bufs {
			buf.Free()
		}
	}()
	upload := func(t runtime.Tensor) runtime.Tensor {
		buf, err := cuda.Alloc(0, len(t.Bytes()))
		if err == nil {
			err = buf.CopyFrom(t.Bytes())
		}
		if err != nil {
			log.Fatalf("GPU: %v", err)
		}
		bufs = append(bufs, buf)
		dt, err := runtime.FromDevice(buf.Ptr, 0, t.DType(), t.Layout(), t.Shape()...)
		if err != nil {
			log.Fatal(err)
		}
		return dt
	}
	q, k, v := randn(r, runtime.BFloat16, runtime.BSHD, b, s, h, hd), randn(r, runtime.BFloat16, runtime.BSHD, b, s, kvh, hd), randn(r, runtime.BFloat16, runtime.BSHD, b, s, kvh, hd)
	cpuOut := zeros(runtime.BFloat16, runtime.BSHD, b, s, h, hd)
	if err := d.AttentionCausal(q, k, v, cpuOut, 0); err != nil {
		log.Fatal(err)
	}
	dq, dk, dv, dout := upload(q), upload(k), upload(v), upload(cpuOut)
	x, w := randn(r, runtime.BFloat16, runtime.LayoutRowMajor, b*s, hidden), randn(r, runtime.BFloat16, runtime.LayoutRowMajor, hidden)
	dx, dw, dnorm := upload(x), upload(w), upload(x)
	cos, sin := ropeTables(s, hd)
	dcos, dsin := upload(cos), upload(sin)
	gate, up := randn(r, runtime.BFloat16, runtime.LayoutRowMajor, b*s, *ffn), randn(r, runtime.BFloat16, runtime.LayoutRowMajor, b*s, *ffn)
	dgate, dup, dact := upload(gate), upload(up), upload(gate)

	fmt.Printf("\nGPU: the same Dispatcher on device tensors\n")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tINPUT\tKERNEL\tTIME (launch to sync)")
	for _, st := range []struct {
		op    string
		input runtime.Tensor
		call  func() (runtime.Result, error)
	}{
		{"attention.causal", dq, func() (runtime.Result, error) { return d.AttentionCausalResult(dq, dk, dv, dout, 0) }},
		{"norm.rms", dx, func() (runtime.Result, error) { return d.NormRmsResult(dx, dw, dnorm, 1e-5) }},
		{"posenc.rope", dq, func() (runtime.Result, error) { return d.PosencRopeResult(dq, dcos, dsin, dq, false) }},
		{"activation.swiglu", dgate, func() (runtime.Result, error) { return d.ActivationSwigluResult(dgate, dup, dact) }},
	} {
		start := time.Now()
		res, err := st.call()
		if err == nil {
			err = cuda.Synchronize(0)
		}
		if err != nil {
			log.Fatalf("GPU %s: %v", st.op, err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", st.op, st.input, res.KernelName, time.Since(start).Round(time.Microsecond))
	}
	tw.Flush()

	gpuOut := zeros(runtime.BFloat16, runtime.BSHD, b, s, h, hd)
	outBuf := cuda.Buffer{Device: 0, Ptr: dout.DevicePtr(), Size: len(gpuOut.Bytes())}
	if err := outBuf.CopyTo(gpuOut.Bytes()); err != nil {
		log.Fatal(err)
	}
	maxErr := 0.0
	for i, g := range gpuOut.Uint16s() {
		diff := math.Abs(float64(runtime.BFloat16ToFloat32(g) - runtime.BFloat16ToFloat32(cpuOut.Uint16s()[i])))
		maxErr = max(maxErr, diff)
	}
	fmt.Printf("attention.causal bf16: max |GPU - CPU| = %.3g\n", maxErr)
}

// explain prints how the engine sees attention.causal for a bfloat16 call on
// an H100 (sm 90): what would run on a GPU, and why the others would not.
func explain(d *kernels.Dispatcher) {
	c := runtime.Context{
		Platform: runtime.PlatformCUDA, SM: 90, DType: runtime.BFloat16, Layout: runtime.BSHD,
		BatchSize: int32(*batch), SeqLenQ: int32(*seq), SeqLenK: int32(*seq),
		NumHeads: int32(*heads), NumKVHeads: int32(*kvHeads), HeadDim: int32(*headDim), IsCausal: true,
	}
	fmt.Printf("\nexplain attention.causal on an sm90 GPU:\n%v", d.Engine().Explain(kernels.OpAttentionCausal, c))
}

// fallback makes the tiled attention kernel fail and shows the engine
// falling back to the reference kernel without the caller noticing.
func fallback(d *kernels.Dispatcher) {
	r := rand.New(rand.NewPCG(3, 4))
	q := randn(r, runtime.Float32, runtime.BSHD, 1, 64, *heads, *headDim)
	k, v := randn(r, runtime.Float32, runtime.BSHD, 1, 64, *kvHeads, *headDim), randn(r, runtime.Float32, runtime.BSHD, 1, 64, *kvHeads, *headDim)
	out := zeros(runtime.Float32, runtime.BSHD, 1, 64, *heads, *headDim)

	e := d.Engine()
	e.InjectFault(kernels.KernelAttentionCausalTiled, errors.New("injected fault"))
	defer e.InjectFault(kernels.KernelAttentionCausalTiled, nil)
	fmt.Printf("\nfallback: attention_causal_tiled made to fail\n")
	for i := range 6 {
		res, err := d.AttentionCausalResult(q, k, v, out, 0)
		if err != nil {
			log.Fatalf("call %d: %v", i+1, err)
		}
		state, _ := e.BreakerStatus(kernels.KernelAttentionCausalTiled)
		fmt.Printf("  call %d: served by %s (fallback %v: %s; tiled breaker %v)\n", i+1, res.KernelName, res.Fallback, res.FallbackReason, state)
	}
}

// zeros returns a zeroed host tensor, exiting on a bad shape.
func zeros(dt runtime.DType, l runtime.Layout, shape ...int) runtime.Tensor {
	t, err := runtime.New(dt, l, shape...)
	if err != nil {
		log.Fatal(err)
	}
	return t
}

// randn returns a tensor of standard normal values scaled by 0.5.
func randn(r *rand.Rand, dt runtime.DType, l runtime.Layout, shape ...int) runtime.Tensor {
	f := zeros(runtime.Float32, l, shape...)
	for i, data := 0, f.Float32s(); i < len(data); i++ {
		data[i] = float32(r.NormFloat64() * 0.5)
	}
	return convert(f, dt)
}

// convert returns a copy of the float32 tensor t stored as dt.
func convert(t runtime.Tensor, dt runtime.DType) runtime.Tensor {
	if dt == runtime.Float32 {
		return t
	}
	out := zeros(dt, t.Layout(), t.Shape()...)
	to := runtime.Float32ToBFloat16
	if dt == runtime.Float16 {
		to = runtime.Float32ToFloat16
	}
	for i, f := range t.Float32s() {
		out.Uint16s()[i] = to(f)
	}
	return out
}

// ropeTables returns the float32 cos and sin tables [seq, headDim/2] for
// base-10000 rotary embeddings.
func ropeTables(seq, headDim int) (cos, sin runtime.Tensor) {
	cos, sin = zeros(runtime.Float32, runtime.LayoutRowMajor, seq, headDim/2), zeros(runtime.Float32, runtime.LayoutRowMajor, seq, headDim/2)
	c, s := cos.Float32s(), sin.Float32s()
	for p := range seq {
		for i := range headDim / 2 {
			theta := float64(p) / math.Pow(10000, float64(2*i)/float64(headDim))
			c[p*headDim/2+i], s[p*headDim/2+i] = float32(math.Cos(theta)), float32(math.Sin(theta))
		}
	}
	return cos, sin
}
