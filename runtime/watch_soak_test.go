package runtime

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// soakRules returns version i of the rewritten rules file: two of every
// three are valid and ban a different matmul kernel; the third is broken in
// one of several ways.
func soakRules(i int) string {
	banned := []string{"matmul_blocked", "matmul_experimental"}[i%2]
	locked := []string{"matmul_experimental", "matmul_blocked"}[i%2]
	valid := fmt.Sprintf("version: \"1.0\"\nkernel_denies: [%s]\nkernel_locks: {matmul: %s}\n"+
		"dispatch_rules:\n  - {operation: matmul, kernel: matmul_ref, conditions: {batch_size_gt: %d}}\n", banned, locked, i%100)
	switch i % 6 {
	case 2:
		return valid[:len(valid)/2] + "\x00"
	case 5:
		return "version: \"1.0\"\nkernel_denies: [matmul_ref]\n" // would leave matmul without its reference
	}
	return valid
}

// TestHotReloadSoak dispatches from 8 goroutines through the engine in
// ModeHotReload while the rules file is rewritten hundreds of times, a third
// of them invalid: no call may fail, and every call must be served by a
// kernel that the snapshot in force when it began admits.
func TestHotReloadSoak(t *testing.T) {
	reg := rulesRegistry(t)
	var invoked atomic.Int64
	reg.Invoke = func(KernelID, any) error { invoked.Add(1); return nil }
	path := filepath.Join(t.TempDir(), "rules.yaml")
	writeRules(t, path, soakRules(0))
	var reloads [NumReloadResults]atomic.Int64
	count := func(ev ReloadEvent) { reloads[ev.Result].Add(1) }
	e, err := NewEngine(reg, WithMode(ModeHotReload), WithRulesFile(path),
		WithWatchOptions(WatchOptions{Debounce: 2 * time.Millisecond, Poll: -1, OnReload: count, OnError: count}))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	mm, _ := reg.OpByName("matmul")

	stop := make(chan struct{})
	var calls, checked, failures atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				c := cpuCall(mm)
				c.BatchSize = int32(16 + (n+g)%120)
				before := e.PolicyVersion()
				p := e.Policy()
				var res Result
				var call Call
				e.Begin(&call, &c, &res)
				started := e.PolicyVersion()
				for call.Next() {
					call.Done(reg.Invoke(call.Kernel(), nil))
				}
				if calls.Add(1)%64 == 0 {
					runtime.Gosched() // leave the writer and the watcher some of the 2 CPUs
				}
				if call.Err() != nil {
					failures.Add(1)
					t.Errorf("call failed: %v", call.Err())
					return
				}
				if res.Source == "" {
					t.Errorf("result without a source: %+v", res)
				}
				// Versions only grow: equal before and after Begin means p was in force at the start.
				if before == started {
					checked.Add(1)
					if p != nil && !p.Admits(res.Kernel) {
						t.Errorf("kernel %s served, but version %d bans it", res.KernelName, before)
						return
					}
				}
			}
		}()
	}
	const rewrites = 300 // the last one is valid: 300%6 == 0
	for i := 1; i <= rewrites; i++ {
		tmp := path + ".tmp"
		writeRules(t, tmp, soakRules(i))
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	st := e.Watcher().Status()
	t.Logf("%d calls (%d checked against their snapshot), version %d, reloads applied=%d unchanged=%d invalid=%d io_error=%d",
		calls.Load(), checked.Load(), st.Version, reloads[ReloadApplied].Load(), reloads[ReloadUnchanged].Load(),
		reloads[ReloadInvalid].Load(), reloads[ReloadIOError].Load())
	expectEqual(t, int64(0), failures.Load(), "failed calls")
	if reloads[ReloadApplied].Load() < 20 || reloads[ReloadInvalid].Load() < 10 {
		t.Errorf("too few reloads to mean anything: %v applied, %v invalid", reloads[ReloadApplied].Load(), reloads[ReloadInvalid].Load())
	}
	if checked.Load() < calls.Load()/2 {
		t.Errorf("only %d of %d calls could be checked against their snapshot", checked.Load(), calls.Load())
	}
	// The last file written is valid: it must be the policy serving.
	want := sha256.Sum256([]byte(soakRules(rewrites)))
	for deadline := time.Now().Add(5 * time.Second); e.Policy().Hash() != want; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the last rules file never took effect; watcher status %+v", e.Watcher().Status())
		}
	}
}
