package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ForwardRequest is the body of POST /v1/forward: hidden states for a batch
// of sequences, [batch][seq][hidden].
type ForwardRequest struct {
	Input [][][]float32 `json:"input"`
}

// Limits bounds what a request may ask for.
type Limits struct {
	Hidden   int   // every row must have exactly this many values
	MaxSeq   int   // longest sequence
	MaxBatch int   // most sequences per request
	MaxBytes int64 // largest body
}

// requestError is a client error: it carries the HTTP status to answer with.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// decodeForward reads and checks a forward request, returning the input
// flattened row-major with its batch and sequence length. Every failure is
// a *requestError naming what is wrong and where.
func decodeForward(r *http.Request, lim Limits) (x []float32, batch, seq int, err error) {
	if r.Method != http.MethodPost {
		return nil, 0, 0, &requestError{status: http.StatusMethodNotAllowed, msg: "use POST with a JSON body"}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, 0, 0, &requestError{status: http.StatusUnsupportedMediaType, msg: fmt.Sprintf("content type %q, want application/json", ct)}
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, lim.MaxBytes))
	dec.DisallowUnknownFields()
	var req ForwardRequest
	if err := dec.Decode(&req); err != nil {
		return nil, 0, 0, jsonError(err, lim.MaxBytes)
	}
	if dec.More() {
		return nil, 0, 0, badRequest("body holds more than one JSON value")
	}
	return flatten(req.Input, lim)
}

// jsonError turns a decoding error into a client error with its position.
func jsonError(err error, maxBytes int64) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("body larger than %d bytes", maxBytes)}
	case errors.As(err, &syntax):
		return badRequest("invalid JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typ):
		return badRequest("field %q at byte %d: got a JSON %s, want %v", typ.Field, typ.Offset, typ.Value, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("invalid JSON: the body ends inside a value")
	case errors.Is(err, io.EOF):
		return badRequest("empty body, want {\"input\": [[[...hidden floats]...seq]...batch]}")
	}
	return badRequest("invalid request: %v", err)
}

// flatten checks the [batch][seq][hidden] shape against the limits and
// copies the values into one row-major slice.
func flatten(in [][][]float32, lim Limits) ([]float32, int, int, error) {
	batch := len(in)
	if batch == 0 {
		return nil, 0, 0, badRequest("input is empty, want [batch][seq][hidden] with hidden %d", lim.Hidden)
	}
	if batch > lim.MaxBatch {
		return nil, 0, 0, badRequest("input has batch %d, the server accepts at most %d", batch, lim.MaxBatch)
	}
	seq := len(in[0])
	if seq == 0 || seq > lim.MaxSeq {
		return nil, 0, 0, badRequest("input[0] has %d positions, want 1..%d", seq, lim.MaxSeq)
	}
	x := make([]float32, 0, batch*seq*lim.Hidden)
	for b, sequence := range in {
		if len(sequence) != seq {
			return nil, 0, 0, badRequest("input[%d] has %d positions, input[0] has %d: every sequence must have the same length", b, len(sequence), seq)
		}
		for s, row := range sequence {
			if len(row) != lim.Hidden {
				return nil, 0, 0, badRequest("input[%d][%d] has %d values, want hidden size %d", b, s, len(row), lim.Hidden)
			}
			x = append(x, row...)
		}
	}
	return x, batch, seq, nil
}

// unflatten is flatten's inverse for the response.
func unflatten(x []float32, batch, seq, hidden int) [][][]float32 {
	out := make([][][]float32, batch)
	for b := range out {
		out[b] = make([][]float32, seq)
		for s := range out[b] {
			i := (b*seq + s) * hidden
			out[b][s] = x[i : i+hidden : i+hidden]
		}
	}
	return out
}
