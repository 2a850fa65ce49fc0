package main

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/bertserve/bertserve/internal/client"
)

// TestTEIPredictAndRerankOnTaskModels drives TEI's /predict and /rerank through the generated
// client on the tiny exported classifier and cross-encoder (`make test-exports`), and checks them
// against the native task routes on the same models.
func TestTEIPredictAndRerankOnTaskModels(t *testing.T) {
	exports := testExports(t)
	url := startModels(t, exports, []string{"bert-text-classification", "bert-cross-encoder"})
	c, _ := newClient(t, url, "")
	ctx := context.Background()

	var single client.TEIPredictRequest_Inputs
	noErr(t, single.FromTEIPredictRequestInputs0("I love this!"))
	one := must(c.TeiPredictWithResponse(ctx, client.TeiPredictJSONRequestBody{Inputs: single, Model: ptr("bert-text-classification")}))
	wantStatus(t, "/predict single", one.HTTPResponse, one.Body, 200)
	if h := one.HTTPResponse.Header; h.Get("X-Inference-Time") == "" || h.Get("X-Compute-Tokens") == "" {
		t.Errorf("/predict: no stage timing headers in %v", h)
	}
	labels, err := one.JSON200.AsTeiPredict200JSONResponseBody0()
	if err != nil || len(labels) != 2 || labels[0].Score < labels[1].Score || math.Abs(float64(labels[0].Score+labels[1].Score-1)) > 1e-5 {
		t.Fatalf("/predict single: %s (%v)", one.Body, err)
	}

	native := must(c.ClassifyWithBodyWithResponse(ctx, "application/json", strings.NewReader(
		`{"inputs": ["I love this!"], "top_k": null, "model": "bert-text-classification"}`)))
	wantStatus(t, "/v1/classify", native.HTTPResponse, native.Body, 200)
	if !strings.Contains(string(native.Body), labels[0].Label) {
		t.Errorf("/v1/classify %s lacks %s", native.Body, labels[0].Label)
	}

	var batch client.TEIPredictRequest_Inputs
	noErr(t, batch.FromTEIPredictRequestInputs2([][]string{{"I love this!"}, {"Is it good?", "It is."}}))
	many := must(c.TeiPredictWithResponse(ctx, client.TeiPredictJSONRequestBody{Inputs: batch, Model: ptr("bert-text-classification"), RawScores: ptr(true)}))
	wantStatus(t, "/predict batch", many.HTTPResponse, many.Body, 200)
	rows, err := many.JSON200.AsTeiPredict200JSONResponseBody1()
	if err != nil || len(rows) != 2 || len(rows[1]) != 2 {
		t.Fatalf("/predict batch: %s (%v)", many.Body, err)
	}
	if math.Abs(float64(rows[0][0].Score-labels[0].Score)) < 1e-6 {
		t.Errorf("raw_scores returned probabilities: %s", many.Body)
	}

	texts := []string{"Paris is in France.", "A dog is an animal.", "Deep learning uses neural networks."}
	rr := must(c.TeiRerankWithResponse(ctx, client.TeiRerankJSONRequestBody{Query: "What is a dog?", Texts: texts, ReturnText: ptr(true), Model: ptr("bert-cross-encoder")}))
	wantStatus(t, "/rerank", rr.HTTPResponse, rr.Body, 200)
	ranks := *rr.JSON200
	if len(ranks) != 3 {
		t.Fatalf("/rerank: %s", rr.Body)
	}
	for i, r := range ranks {
		if r.Text == nil || *r.Text != texts[r.Index] || r.Score < 0 || r.Score > 1 || (i > 0 && r.Score > ranks[i-1].Score) {
			t.Errorf("/rerank rank %d: %+v in %s", i, r, rr.Body)
		}
	}
	nat := must(c.RerankWithBodyWithResponse(ctx, "application/json", strings.NewReader(
		`{"query": "What is a dog?", "texts": ["Paris is in France.", "A dog is an animal.", "Deep learning uses neural networks."], "model": "bert-cross-encoder"}`)))
	wantStatus(t, "/v1/rerank", nat.HTTPResponse, nat.Body, 200)

	left := must(c.TeiRerankWithBodyWithResponse(ctx, "application/json", strings.NewReader(
		`{"query": "q", "texts": ["a"], "truncation_direction": "left", "model": "bert-cross-encoder"}`)))
	wantStatus(t, "/rerank left", left.HTTPResponse, left.Body, 422)
	wrong := must(c.TeiPredictWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"inputs": "x", "model": "nope"}`)))
	wantStatus(t, "/predict unknown model", wrong.HTTPResponse, wrong.Body, 422)
	tooMany := must(c.TeiPredictWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"inputs": ["a", "b", "c"]}`)))
	wantStatus(t, "/predict three strings", tooMany.HTTPResponse, tooMany.Body, 422)
}
