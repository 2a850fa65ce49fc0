package api

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestWriteJSONSendsTheLengthAndOneNewlineEndedObject(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, map[string][]float32{"embeddings": {0.5, -1}})
	if rec.Code != http.StatusOK || rec.Body.String() != "{\"embeddings\":[0.5,-1]}\n" {
		t.Fatalf("status %d, body %q", rec.Code, rec.Body.String())
	}
	if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) {
		t.Errorf("Content-Length %q for a body of %d bytes", got, rec.Body.Len())
	}
}

func TestWriteJSONTurnsAnUnencodableValueIntoAnInternalError(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, map[string][]float32{"embeddings": {float32(math.NaN())}})
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not an error object: %v", rec.Body.String(), err)
	}
	if rec.Code != http.StatusInternalServerError || body.Error.Code != "internal" || body.Error.Message == "" {
		t.Errorf("status %d, body %+v; want 500 and an internal error", rec.Code, body)
	}
}
