package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/layerzero/lzgen/examples/server/model"
)

// testServer is a Service listening on a loopback port.
type testServer struct {
	base      string
	rulesFile string
	cfg       Config
}

// startServer serves a small block in HOT_RELOAD mode on 127.0.0.1:0, with
// breakers that open after 2 failures and cool down in 100ms, and stops it
// when the test ends.
func startServer(t *testing.T, rules string) *testServer {
	t.Helper()
	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rulesFile, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Model = model.Config{Hidden: 64, Heads: 4, KVHeads: 2, HeadDim: 16, FFN: 128, MaxSeq: 32, Eps: 1e-5, RopeBase: 10000, Seed: 3}
	cfg.RulesFile = rulesFile
	cfg.Breaker.FailureThreshold = 2
	cfg.Breaker.Cooldown = 100 * time.Millisecond
	cfg.Logger = slog.New(slog.DiscardHandler)
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, svc.Handler(), 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
		svc.Close()
	})
	return &testServer{base: "http://" + ln.Addr().String(), rulesFile: rulesFile, cfg: cfg}
}

// input returns a [1][seq][hidden] request body with values that depend on
// their position.
func (s *testServer) input(seq int) []byte {
	in := make([][][]float32, 1)
	in[0] = make([][]float32, seq)
	for p := range in[0] {
		in[0][p] = make([]float32, s.cfg.Model.Hidden)
		for i := range in[0][p] {
			in[0][p][i] = float32(math.Sin(float64(p*s.cfg.Model.Hidden + i)))
		}
	}
	b, _ := json.Marshal(ForwardRequest{Input: in})
	return b
}

// forward posts a body and decodes the reply: a ForwardResponse on 200, the
// error message otherwise.
func (s *testServer) forward(t *testing.T, body []byte) (int, ForwardResponse, string) {
	t.Helper()
	resp, err := http.Post(s.base+"/v1/forward", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e errorBody
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatalf("status %d with a body that is not an error JSON: %v", resp.StatusCode, err)
		}
		return resp.StatusCode, ForwardResponse{}, e.Error
	}
	var fr ForwardResponse
	if err := json.NewDecoder(resp.Body).Decode(&fr); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, fr, ""
}

func (s *testServer) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// waitMetric waits until metric(name, labels...) equals want: the server
// counts a request after its reply is written, so a client may read the
// reply a moment before the counter moves.
func (s *testServer) waitMetric(t *testing.T, want float64, name string, labels ...string) {
	t.Helper()
	var got float64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = s.metric(t, name, labels...); got == want {
			return
		}
	}
	t.Errorf("%s%v = %v, want %v", name, labels, got, want)
}

// metric returns the sum of the samples of name whose labels include every
// `key="value"` pair given, or 0 when there is none.
func (s *testServer) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	sum := 0.0
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && strings.Contains(line, l)
		}
		if !matches {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum += v
	}
	return sum
}

// servedBy returns the kernels that served op's steps, in step order.
func servedBy(fr ForwardResponse, op string) []string {
	var ks []string
	for _, s := range fr.Kernels {
		if s.Op == op {
			ks = append(ks, s.Kernel)
		}
	}
	return ks
}

func (s *testServer) setFault(t *testing.T, kernel string, fail bool) {
	t.Helper()
	resp, err := http.Post(fmt.Sprintf("%s/admin/fault?kernel=%s&fail=%v", s.base, kernel, fail), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("fault %s=%v: %s: %s", kernel, fail, resp.Status, b)
	}
}

// eventually retries cond every 10ms for up to 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting until %s", what)
}
