package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/layerzero/lzgen/examples/server/model"
	"github.com/layerzero/lzgen/examples/server/service"
)

// plan is what one load test does.
type plan struct {
	addr, rulesFile string
	requests        int
	clients         int
	seq, batch      int
	faultKernel     string
	timeout         time.Duration
}

// The rules file before and after the rewrite: the rewrite locks norm.rms
// to the reference kernel, so the responses show the switch.
const (
	rulesBefore = "version: \"1.0\"\nkernel_locks: {}\n"
	rulesAfter  = "version: \"1.0\"\nkernel_locks:\n  norm.rms: rms_norm_ref\n"
)

// run starts or reaches the server, sends the requests and fires the events
// at 25% (rules rewrite), 50% (fault on) and 75% (fault off) of them.
func run(p plan) (*report, error) {
	if p.requests < 4 || p.clients < 1 {
		return nil, fmt.Errorf("need at least 4 requests and 1 client, got %d and %d", p.requests, p.clients)
	}
	base, hidden, stop, err := target(&p)
	if err != nil {
		return nil, err
	}
	defer stop()
	client := &http.Client{Timeout: p.timeout, Transport: &http.Transport{MaxIdleConnsPerHost: p.clients}}
	if p.faultKernel != "" {
		// Clearing the fault up front checks the kernel name before any
		// load is sent.
		if err := setFault(client, base, p.faultKernel, false); err != nil {
			return nil, err
		}
	}
	body, err := json.Marshal(service.ForwardRequest{Input: randomInput(p.batch, p.seq, hidden)})
	if err != nil {
		return nil, err
	}
	rep := newReport(p)
	events := eventsOf(p, client, base, rep)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range p.clients {
		wg.Go(func() {
			for {
				n := int(next.Add(1)) - 1
				if n >= p.requests {
					return
				}
				if ev, ok := events[n]; ok {
					ev()
				}
				rep.record(send(client, base, body))
			}
		})
	}
	wg.Wait()
	rep.elapsed = time.Since(start)
	if p.faultKernel != "" {
		rep.breaker, err = breakerTransitions(client, base, p.faultKernel)
	}
	return rep, err
}

// target returns the server's base URL and hidden size, starting one
// in-process when p.addr is empty; stop shuts it down or restores the
// rules file of a remote one.
func target(p *plan) (base string, hidden int, stop func(), err error) {
	if p.addr != "" {
		if p.rulesFile == "" {
			return "", 0, nil, fmt.Errorf("-addr needs -rules: the file the server watches, to rewrite it")
		}
		original, err := os.ReadFile(p.rulesFile)
		if err != nil {
			return "", 0, nil, fmt.Errorf("reading the server's rules file: %w", err)
		}
		base = "http://" + p.addr
		hidden, err = serverHidden(base)
		return base, hidden, func() { os.WriteFile(p.rulesFile, original, 0o644) }, err
	}
	dir, err := os.MkdirTemp("", "lzgen-loadtest-")
	if err != nil {
		return "", 0, nil, err
	}
	p.rulesFile = filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(p.rulesFile, []byte(rulesBefore), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", 0, nil, err
	}
	cfg := service.DefaultConfig()
	cfg.RulesFile = p.rulesFile
	cfg.Breaker.Cooldown = 500 * time.Millisecond // so the breaker closes again within the run
	svc, err := service.New(cfg)
	if err != nil {
		os.RemoveAll(dir)
		return "", 0, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		svc.Close()
		os.RemoveAll(dir)
		return "", 0, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- service.Serve(ctx, ln, svc.Handler(), 10*time.Second) }()
	return "http://" + ln.Addr().String(), cfg.Model.Hidden, func() {
		cancel()
		<-served
		svc.Close()
		os.RemoveAll(dir)
	}, nil
}

// serverHidden asks a running server for its hidden size.
func serverHidden(base string) (int, error) {
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /healthz: %s", resp.Status)
	}
	var h service.Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return 0, fmt.Errorf("decoding /healthz: %w", err)
	}
	return h.Model.Hidden, nil
}

// eventsOf maps a request number to what happens just before it is sent.
func eventsOf(p plan, client *http.Client, base string, rep *report) map[int]func() {
	events := map[int]func(){
		p.requests / 4: func() {
			rep.event(fmt.Sprintf("request %d: rules file rewritten, norm.rms locked to rms_norm_ref", p.requests/4),
				os.WriteFile(p.rulesFile, []byte(rulesAfter), 0o644))
		},
	}
	if p.faultKernel != "" {
		fault := func(n int, fail bool) func() {
			return func() {
				rep.event(fmt.Sprintf("request %d: fault on %s set to %v", n, p.faultKernel, fail), setFault(client, base, p.faultKernel, fail))
			}
		}
		events[p.requests/2] = fault(p.requests/2, true)
		events[3*p.requests/4] = fault(3*p.requests/4, false)
	}
	return events
}

func setFault(client *http.Client, base, kernel string, fail bool) error {
	q := url.Values{"kernel": {kernel}, "fail": {fmt.Sprint(fail)}}
	resp, err := client.Post(base+"/admin/fault?"+q.Encode(), "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST /admin/fault: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// outcome is one request's result as the report sees it.
type outcome struct {
	latency time.Duration
	err     error
	steps   []model.Step
}

func send(client *http.Client, base string, body []byte) outcome {
	start := time.Now()
	resp, err := client.Post(base+"/v1/forward", "application/json", bytes.NewReader(body))
	if err != nil {
		return outcome{latency: time.Since(start), err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return outcome{latency: time.Since(start), err: fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))}
	}
	var fr service.ForwardResponse
	err = json.NewDecoder(resp.Body).Decode(&fr)
	return outcome{latency: time.Since(start), err: err, steps: fr.Kernels}
}

// randomInput draws a seeded [batch][seq][hidden] input.
func randomInput(batch, seq, hidden int) [][][]float32 {
	rng := rand.New(rand.NewPCG(7, 7))
	in := make([][][]float32, batch)
	for b := range in {
		in[b] = make([][]float32, seq)
		for s := range in[b] {
			in[b][s] = make([]float32, hidden)
			for i := range in[b][s] {
				in[b][s][i] = float32(rng.NormFloat64())
			}
		}
	}
	return in
}
