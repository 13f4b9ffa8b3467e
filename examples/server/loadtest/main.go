// Command loadtest drives the example server with a bounded number of
// forward passes from concurrent clients over loopback, and while they run
// rewrites the rules file (locking norm.rms to another kernel) and makes a
// kernel fail and recover through the admin endpoint. It reports requests/s,
// p50/p99 latency, errors and which kernels served, and exits non-zero if any
// valid request failed.
//
// By default it starts the server in-process on 127.0.0.1:0 with a rules
// file in a temporary directory; -addr and -rules point it at a running one:
//
//	go run ./examples/server/loadtest -requests 2000 -clients 8
//	go run ./examples/server -rules /tmp/rules.yaml & go run ./examples/server/loadtest -addr 127.0.0.1:8080 -rules /tmp/rules.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	var p plan
	flag.StringVar(&p.addr, "addr", "", "`host:port` of a running server; empty starts one in-process")
	flag.StringVar(&p.rulesFile, "rules", "", "the rules `file` the server watches (required with -addr)")
	flag.IntVar(&p.requests, "requests", 2000, "forward passes to send in all")
	flag.IntVar(&p.clients, "clients", 8, "concurrent clients")
	flag.IntVar(&p.seq, "seq", 16, "sequence length of each request")
	flag.IntVar(&p.batch, "batch", 1, "sequences per request")
	flag.StringVar(&p.faultKernel, "fault", "matmul_blocked", "`kernel` made to fail from 50% to 75% of the requests; empty: none")
	flag.DurationVar(&p.timeout, "timeout", 30*time.Second, "per-request timeout")
	flag.Parse()
	rep, err := run(p)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	rep.print(os.Stdout)
	if rep.errors > 0 {
		os.Exit(1)
	}
}
