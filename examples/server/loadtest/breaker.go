package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
)

// transition is how often a breaker entered one state.
type transition struct {
	state string
	count string
}

// breakerTransitions scrapes /metrics for how often kernel's circuit breaker
// entered each state, so the report shows the breaker opening under the
// fault and closing after it.
func breakerTransitions(client *http.Client, base, kernel string) ([]transition, error) {
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	var ts []transition
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "lzgen_breaker_transitions_total{") || !strings.Contains(line, `kernel="`+kernel+`"`) {
			continue
		}
		_, rest, _ := strings.Cut(line, `state="`)
		state, _, _ := strings.Cut(rest, `"`)
		ts = append(ts, transition{state, line[strings.LastIndexByte(line, ' ')+1:]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading /metrics: %w", err)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("/metrics has no lzgen_breaker_transitions_total for %s", kernel)
	}
	return ts, nil
}
