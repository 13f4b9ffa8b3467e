package service

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/layerzero/lzgen/runtime"
)

var testRegistry = &runtime.Registry{Ops: []runtime.OpInfo{{Name: "norm.rms"}, {Name: "attention.causal"}}}

func TestContextFromQuery(t *testing.T) {
	q, _ := url.ParseQuery("op=attention.causal&dtype=fp16&layout=BSHD&platform=cuda&sm=90&head_dim=128&num_heads=32&num_kv_heads=8&is_causal=true&dropout_p=0.25")
	c, err := contextFromQuery(q, testRegistry)
	if err != nil {
		t.Fatal(err)
	}
	want := runtime.Context{Op: 1, DType: runtime.Float16, Layout: runtime.BSHD, Platform: runtime.PlatformCUDA, SM: 90,
		HeadDim: 128, NumHeads: 32, NumKVHeads: 8, IsCausal: true, DropoutP: 0.25}
	if c != want {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
}

func TestContextFromQueryRejectsBadParameters(t *testing.T) {
	for query, msg := range map[string]string{
		"dtype=float16":                     "op is required",
		"op=norm.rsm":                       `did you mean "norm.rms"?`,
		"op=norm.rms&head_dims=64":          `unknown context field "head_dims" did you mean "head_dim"?`,
		"op=norm.rms&dtype=int8":            `dtype="int8": want one of [float32 float16 bfloat16]`,
		"op=norm.rms&layout=bshd":           `layout="bshd"`,
		"op=norm.rms&platform=tpu":          "want cpu or cuda",
		"op=norm.rms&is_causal=maybe":       "want true or false",
		"op=norm.rms&dropout_p=2":           "between 0 and 1",
		"op=norm.rms&seq_len_k=99999999999": "32-bit integer",
		"op=norm.rms&batch_size=sixteen":    `batch_size="sixteen"`,
	} {
		q, _ := url.ParseQuery(query)
		_, err := contextFromQuery(q, testRegistry)
		var re *requestError
		if !errors.As(err, &re) || re.status != 400 || !strings.Contains(re.msg, msg) {
			t.Errorf("%s: got %v, want a 400 containing %q", query, err, msg)
		}
	}
}

func TestContextTextRoundTrips(t *testing.T) {
	want := runtime.Context{Op: 0, DType: runtime.BFloat16, Layout: runtime.BHSD, Platform: runtime.PlatformCUDA, SM: 80,
		BatchSize: 4, SeqLenQ: 1, SeqLenK: 4096, HeadDim: 64, EnableGQA: true, DropoutP: 0.125, TPSize: 2}
	q := url.Values{}
	for k, v := range contextText(want, testRegistry) {
		q.Set(k, v)
	}
	got, err := contextFromQuery(q, testRegistry)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("round trip through %v gave %+v, want %+v", q, got, want)
	}
}
