package service

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

var testLimits = Limits{Hidden: 2, MaxSeq: 3, MaxBatch: 2, MaxBytes: 1 << 10}

func TestDecodeForwardAcceptsValidShapes(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/v1/forward", strings.NewReader(`{"input": [[[1,2],[3,4]],[[5,6],[7,8]]]}`))
	req.Header.Set("Content-Type", "application/json")
	x, batch, seq, err := decodeForward(req, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(x, want) || batch != 2 || seq != 2 {
		t.Fatalf("decoded %v batch %d seq %d, want %v batch 2 seq 2", x, batch, seq, want)
	}
	back := unflatten(x, batch, seq, testLimits.Hidden)
	if len(back) != 2 || !slices.Equal(back[1][0], []float32{5, 6}) || !slices.Equal(back[0][1], []float32{3, 4}) {
		t.Fatalf("unflatten gave %v", back)
	}
}

func TestDecodeForwardRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, method, contentType, body string
		status                          int
		msg                             string
	}{
		{"get", http.MethodGet, "", "", http.StatusMethodNotAllowed, "use POST"},
		{"content type", http.MethodPost, "text/plain", `{}`, http.StatusUnsupportedMediaType, `"text/plain"`},
		{"empty body", http.MethodPost, "", ``, http.StatusBadRequest, "empty body"},
		{"syntax", http.MethodPost, "", `{"input": [[[1,2]]]]}`, http.StatusBadRequest, "invalid JSON at byte 20"},
		{"truncated", http.MethodPost, "", `{"input": [[[1,2]]`, http.StatusBadRequest, "the body ends inside a value"},
		{"type", http.MethodPost, "", `{"input": [[["a",2]]]}`, http.StatusBadRequest, `field "input"`},
		{"unknown field", http.MethodPost, "", `{"inputs": []}`, http.StatusBadRequest, `unknown field "inputs"`},
		{"two values", http.MethodPost, "", `{"input": [[[1,2]]]} {}`, http.StatusBadRequest, "more than one"},
		{"no batch", http.MethodPost, "", `{"input": []}`, http.StatusBadRequest, "input is empty"},
		{"batch too large", http.MethodPost, "", `{"input": [[[1,2]],[[1,2]],[[1,2]]]}`, http.StatusBadRequest, "batch 3, the server accepts at most 2"},
		{"no positions", http.MethodPost, "", `{"input": [[]]}`, http.StatusBadRequest, "input[0] has 0 positions, want 1..3"},
		{"seq too long", http.MethodPost, "", `{"input": [[[1,2],[1,2],[1,2],[1,2]]]}`, http.StatusBadRequest, "4 positions, want 1..3"},
		{"ragged batch", http.MethodPost, "", `{"input": [[[1,2]],[[1,2],[3,4]]]}`, http.StatusBadRequest, "input[1] has 2 positions, input[0] has 1"},
		{"wrong hidden", http.MethodPost, "", `{"input": [[[1,2],[3]]]}`, http.StatusBadRequest, "input[0][1] has 1 values, want hidden size 2"},
		{"overflow float32", http.MethodPost, "", `{"input": [[[1e300,2]]]}`, http.StatusBadRequest, "float32"},
		{"too large", http.MethodPost, "", `{"input": [[[` + strings.Repeat("1,", 1<<10) + `1]]]}`, http.StatusRequestEntityTooLarge, "larger than 1024 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/v1/forward", strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			_, _, _, err := decodeForward(req, testLimits)
			var re *requestError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a *requestError", err)
			}
			if re.status != tc.status || !strings.Contains(re.msg, tc.msg) {
				t.Fatalf("got %d %q, want %d containing %q", re.status, re.msg, tc.status, tc.msg)
			}
		})
	}
}
