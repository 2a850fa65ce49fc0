package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bertserve/bertserve/internal/api"
)

// Every parameter is validated before any model is touched, so these run without models.
func TestTaskRoutesRejectBadParametersNamingTheField(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		route, body, field string
	}{
		{"/v1/classify", `{}`, "inputs"},
		{"/v1/classify", `{"inputs": "a", "top_k": 0}`, "top_k"},
		{"/v1/classify", `{"inputs": "a", "top_k": "all"}`, "top_k"},
		{"/v1/classify", `{"inputs": "a", "function_to_apply": "relu"}`, "function_to_apply"},
		{"/v1/classify", `{"inputs": "a", "function_to_apply": "softmax", "raw_scores": true}`, "raw_scores"},
		{"/v1/classify", `{"inputs": [["a", "b", "c"]]}`, "inputs[0]"},
		{"/v1/ner", `{"inputs": "a", "aggregation_strategy": "mean"}`, "aggregation_strategy"},
		{"/v1/ner", `{"inputs": "a", "stride": -1}`, "stride"},
		{"/v1/ner", `{"inputs": "a", "ignore_labels": "O"}`, "ignore_labels"},
		{"/v1/qa", `{"context": "c"}`, "question"},
		{"/v1/qa", `{"question": "q"}`, "context"},
		{"/v1/qa", `{}`, "question"},
		{"/v1/qa", `{"question": "q", "context": "c", "inputs": [{"question": "q", "context": "c"}]}`, "inputs"},
		{"/v1/qa", `{"inputs": [{"question": "q", "context": ""}]}`, "inputs[0].context"},
		{"/v1/qa", `{"question": "q", "context": "c", "top_k": 0}`, "top_k"},
		{"/v1/qa", `{"question": "q", "context": "c", "max_answer_len": 0}`, "max_answer_len"},
		{"/v1/qa", `{"question": "q", "context": "c", "doc_stride": -5}`, "doc_stride"},
		{"/v1/qa", `{"question": "q", "context": "c", "max_seq_len": 2}`, "max_seq_len"},
		{"/v1/qa", `{"question": "q", "context": "c", "max_question_len": 0}`, "max_question_len"},
		{"/v1/fill-mask", `{"inputs": "a [MASK]", "top_k": 0}`, "top_k"},
		{"/v1/fill-mask", `{"inputs": "a [MASK]", "targets": []}`, "targets"},
		{"/v1/rerank", `{"texts": ["a"]}`, "query"},
		{"/v1/rerank", `{"query": "q", "texts": []}`, "texts"},
		{"/v1/rerank", `{"query": "q", "texts": ["a"], "top_n": 0}`, "top_n"},
		{"/v1/zero-shot", `{"inputs": "a"}`, "candidate_labels"},
		{"/v1/zero-shot", `{"inputs": "a", "candidate_labels": 3}`, "candidate_labels"},
		{"/v1/zero-shot", `{"inputs": "a", "candidate_labels": "x,y", "hypothesis_template": "about"}`, "hypothesis_template"},
		{"/v1/zero-shot", `{"inputs": "a", "candidate_labels": "x,y", "hypothesis_template": "{} or {}"}`, "hypothesis_template"},
		{"/v1/fill-mask", `{"inputs": "a [MASK]", "targets": 3}`, "targets"},
		{"/v1/zero-shot", `{"inputs": ["a","b","c"], "candidate_labels": ["x","y","z"]}`, "candidate_labels"}, // 9 pairs > 8
	}
	for _, tc := range tests {
		t.Run(tc.route+" "+tc.body, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, tc.route, strings.NewReader(tc.body)))
			var body api.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if rec.Code != http.StatusUnprocessableEntity || body.Error.Field != tc.field {
				t.Errorf("status %d field %q (%s), want 422 naming %q", rec.Code, body.Error.Field, body.Error.Message, tc.field)
			}
		})
	}
}

func TestOptionalIntTellsAbsentFromNull(t *testing.T) {
	var r struct {
		A api.OptionalInt `json:"a"`
		B api.OptionalInt `json:"b"`
		C api.OptionalInt `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a": null, "b": 3}`), &r); err != nil {
		t.Fatal(err)
	}
	if !r.A.Set || !r.A.Null || !r.B.Set || r.B.Null || r.B.Value != 3 || r.C.Set {
		t.Errorf("got %+v", r)
	}
}

func TestLabelsAcceptCommaSeparatedStrings(t *testing.T) {
	var l api.Labels
	if err := json.Unmarshal([]byte(`" sports, politics ,,science "`), &l); err != nil {
		t.Fatal(err)
	}
	if strings.Join(l, "|") != "sports|politics|science" {
		t.Errorf("got %q", l)
	}
}
