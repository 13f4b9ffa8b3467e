package service

import (
	"encoding/json"
	"errors"
	"net/http"
)

// errorBody is the JSON every 4xx and 5xx reply carries.
type errorBody struct {
	Error string `json:"error"`
}

// writeJSON replies with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // the status is sent; a failed write means the client left
}

// writeError replies with err: a *requestError with its status, anything
// else as 500.
func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var re *requestError
	if errors.As(err, &re) {
		status = re.status
	}
	writeJSON(w, status, errorBody{Error: err.Error()})
}
