package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"gopkg.in/yaml.v3"

	bertserve "github.com/bertserve/bertserve"
	"github.com/bertserve/bertserve/internal/client"
	"github.com/bertserve/bertserve/internal/model"
)

// specCheck is an http.RoundTripper that validates every response against openapi.yaml: the
// status must be documented for the operation, and the body must match its schema.
type specCheck struct {
	errorf func(format string, args ...any)
	router routers.Router
	mu     sync.Mutex
	seen   map[string]bool // "METHOD /path status" validated
	// lenient skips requests to paths the spec does not have, for tests that probe unknown routes.
	lenient bool
}

var registerDecoders sync.Once

func newSpecCheck(t *testing.T) *specCheck {
	t.Helper()
	c, err := loadSpecCheck()
	if err != nil {
		t.Fatal(err)
	}
	c.errorf = t.Errorf
	return c
}

func loadSpecCheck() (*specCheck, error) {
	registerDecoders.Do(func() {
		asString := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(body)
			return string(b), err
		}
		for _, ct := range []string{"text/html", "text/javascript", "text/css"} {
			openapi3filter.RegisterBodyDecoder(ct, asString)
		}
		openapi3filter.RegisterBodyDecoder("application/yaml", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			var v map[string]any
			err := yaml.NewDecoder(body).Decode(&v)
			return v, err
		})
	})
	doc, err := openapi3.NewLoader().LoadFromData(bertserve.OpenAPI)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil // match requests to any host
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &specCheck{router: router, seen: map[string]bool{}}, nil
}

func (c *specCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if !c.lenient {
			c.errorf("%s %s: not in openapi.yaml: %v", req.Method, req.URL.Path, err)
		}
		return resp, nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		c.errorf("%s %s → %d does not match openapi.yaml: %v\nbody: %.300s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
	c.mu.Lock()
	c.seen[fmt.Sprintf("%s %s %d", req.Method, route.Path, resp.StatusCode)] = true
	c.mu.Unlock()
	return resp, nil
}

func newClient(t *testing.T, url string, key string) (*client.ClientWithResponses, *specCheck) {
	t.Helper()
	check := newSpecCheck(t)
	opts := []client.ClientOption{client.WithHTTPClient(&http.Client{Transport: check})}
	if key != "" {
		opts = append(opts, client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+key)
			return nil
		}))
	}
	c, err := client.NewClientWithResponses(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, check
}

func ptr[T any](v T) *T { return &v }

// must returns v, and panics (failing the test with the error) when the call that made it failed.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantStatus(t *testing.T, what string, got *http.Response, body []byte, want int) {
	t.Helper()
	if got.StatusCode != want {
		t.Errorf("%s: status %d, want %d: %.300s", what, got.StatusCode, want, body)
	}
}

func TestGeneratedClientOpenAIEmbeddings(t *testing.T) {
	url := startServer(t)
	c, _ := newClient(t, url, "")
	ctx := context.Background()
	ref := loadReference(t)

	var input client.OpenAIEmbeddingsRequest_Input
	noErr(t, input.FromOpenAIEmbeddingsRequestInput1(ref.Sentences[:4]))
	res := must(c.CreateEmbeddingsWithResponse(ctx, client.CreateEmbeddingsJSONRequestBody{Input: input, Model: ptr("all-MiniLM-L6-v2")}))
	wantStatus(t, "float", res.HTTPResponse, res.Body, 200)
	if res.JSON200 == nil || len(res.JSON200.Data) != 4 {
		t.Fatalf("body %.300s", res.Body)
	}
	floats := make([][]float32, 4)
	for i, d := range res.JSON200.Data {
		floats[i] = must(d.Embedding.AsOpenAIEmbeddingEmbedding0())
		if d.Index != i || cosine(f64(floats[i]), ref.Embeddings[i]) < 0.9999 {
			t.Errorf("data[%d]: index %d, cosine %f", i, d.Index, cosine(f64(floats[i]), ref.Embeddings[i]))
		}
	}
	if want := sumTokens(ref.TokenCounts[:4]); res.JSON200.Usage.PromptTokens != want {
		t.Errorf("usage %+v, want %d prompt tokens", res.JSON200.Usage, want)
	}
	if res.HTTPResponse.Header.Get("X-Inference-Time") == "" || res.HTTPResponse.Header.Get("X-Tokenization-Time") == "" ||
		res.HTTPResponse.Header.Get("X-Queue-Time") == "" || res.HTTPResponse.Header.Get("X-Compute-Tokens") == "" {
		t.Errorf("stage timing headers missing: %v", res.HTTPResponse.Header)
	}

	b64 := must(c.CreateEmbeddingsWithResponse(ctx, client.CreateEmbeddingsJSONRequestBody{
		Input: input, EncodingFormat: ptr(client.OpenAIEmbeddingsRequestEncodingFormat("base64"))}))
	wantStatus(t, "base64", b64.HTTPResponse, b64.Body, 200)
	for i, d := range b64.JSON200.Data {
		s := must(d.Embedding.AsOpenAIEmbeddingEmbedding1())
		raw := must(base64.StdEncoding.DecodeString(s))
		for k := range floats[i] {
			if got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:])); got != floats[i][k] {
				t.Fatalf("data[%d][%d]: base64 %v, float %v", i, k, got, floats[i][k])
			}
		}
	}

	var ids client.OpenAIEmbeddingsRequest_Input
	noErr(t, ids.FromOpenAIEmbeddingsRequestInput3([]client.TokenIDs{{101, 7592, 102}, {101, 102}}))
	dim := must(c.CreateEmbeddingsWithResponse(ctx, client.CreateEmbeddingsJSONRequestBody{Input: ids, Dimensions: ptr(16)}))
	wantStatus(t, "token ids with dimensions", dim.HTTPResponse, dim.Body, 200)
	for _, d := range dim.JSON200.Data {
		v := must(d.Embedding.AsOpenAIEmbeddingEmbedding0())
		if len(v) != 16 || math.Abs(norm(f64(v))-1) > 1e-5 {
			t.Errorf("dimensions 16: len %d norm %f", len(v), norm(f64(v)))
		}
	}

	for _, tc := range []struct {
		name   string
		body   string
		status int
	}{
		{"unknown model", `{"input": "x", "model": "text-embedding-3-small"}`, 404},
		{"dimensions too large", `{"input": "x", "dimensions": 385}`, 422},
		{"bad encoding", `{"input": "x", "encoding_format": "int8"}`, 422},
		{"id out of vocabulary", `{"input": [[101, 99999999]]}`, 422},
		{"empty", `{"input": []}`, 422},
		{"not JSON", `{"input": `, 400},
	} {
		r := must(c.CreateEmbeddingsWithBodyWithResponse(ctx, "application/json", strings.NewReader(tc.body)))
		wantStatus(t, tc.name, r.HTTPResponse, r.Body, tc.status)
	}
}

func TestGeneratedClientTEIRoutes(t *testing.T) {
	url := startServer(t)
	c, _ := newClient(t, url, "")
	ctx := context.Background()
	ref := loadReference(t)

	var inputs client.TEIInputs
	noErr(t, inputs.FromTEIInputs0(ref.Sentences[2]))
	for name, call := range map[string]func() (*http.Response, []byte, *[][]float32){
		"/embed": func() (*http.Response, []byte, *[][]float32) {
			r := must(c.TeiEmbedWithResponse(ctx, client.TeiEmbedJSONRequestBody{Inputs: inputs}))
			return r.HTTPResponse, r.Body, r.JSON200
		},
		"/": func() (*http.Response, []byte, *[][]float32) {
			r := must(c.TeiEmbedRootWithResponse(ctx, client.TeiEmbedRootJSONRequestBody{Inputs: inputs}))
			return r.HTTPResponse, r.Body, r.JSON200
		},
	} {
		resp, body, got := call()
		wantStatus(t, name, resp, body, 200)
		if got == nil || len(*got) != 1 || cosine(f64((*got)[0]), ref.Embeddings[2]) < 0.9999 {
			t.Errorf("%s: %.200s", name, body)
		}
	}

	// A batch mixing texts and token ids keeps its order.
	mixed := must(c.TeiEmbedWithBodyWithResponse(ctx, "application/json",
		strings.NewReader(`{"inputs": ["Hello, my dog is cute", [101, 7592, 102], "hello"], "dimensions": 8, "unknown_field": 1}`)))
	wantStatus(t, "mixed", mixed.HTTPResponse, mixed.Body, 200)
	if v := *mixed.JSON200; len(v) != 3 || len(v[0]) != 8 || cosine(f64(v[1]), f64(v[2])) < 0.99999 {
		t.Errorf("mixed batch: %.300s", mixed.Body)
	}

	all := must(c.TeiEmbedAllWithResponse(ctx, client.TeiEmbedAllJSONRequestBody{Inputs: inputs}))
	wantStatus(t, "/embed_all", all.HTTPResponse, all.Body, 200)
	if len(*all.JSON200) != 1 || len((*all.JSON200)[0]) != ref.TokenCounts[2] || len((*all.JSON200)[0][0]) != 384 {
		t.Errorf("/embed_all shape wrong")
	}

	var tokIn client.TEITokenizeRequest_Inputs
	noErr(t, tokIn.FromTEITokenizeRequestInputs0("Héllo wörld"))
	tok := must(c.TeiTokenizeWithResponse(ctx, client.TeiTokenizeJSONRequestBody{Inputs: tokIn}))
	wantStatus(t, "/tokenize", tok.HTTPResponse, tok.Body, 200)
	toks := (*tok.JSON200)[0]
	if len(toks) != 4 || toks[0].Start != nil || !toks[0].Special || toks[1].Text != "Héllo" || *toks[1].Start != 0 || *toks[1].Stop != 6 || *toks[2].Start != 7 {
		t.Errorf("/tokenize: %s", tok.Body)
	}

	var ids client.TEIDecodeRequest_Ids
	noErr(t, ids.FromTokenIDs([]int{101, 7592, 2088, 102}))
	dec := must(c.TeiDecodeWithResponse(ctx, client.TeiDecodeJSONRequestBody{Ids: ids}))
	wantStatus(t, "/decode", dec.HTTPResponse, dec.Body, 200)
	if len(*dec.JSON200) != 1 || (*dec.JSON200)[0] != "hello world" {
		t.Errorf("/decode: %s", dec.Body)
	}

	info := must(c.TeiInfoWithResponse(ctx))
	wantStatus(t, "/info", info.HTTPResponse, info.Body, 200)
	if info.JSON200.MaxInputLength != 256 || info.JSON200.ModelId != "sentence-transformers/all-MiniLM-L6-v2" || !info.JSON200.AutoTruncate {
		t.Errorf("/info: %s", info.Body)
	}
	// The default budget is resolved for this machine, not reported as the flag's 0.
	if want := model.DefaultBatchTokens("cpu", runtime.GOMAXPROCS(0), 2); info.JSON200.MaxBatchTokens != want {
		t.Errorf("/info max_batch_tokens %d, want %d", info.JSON200.MaxBatchTokens, want)
	}
	health := must(c.TeiHealthWithResponse(ctx))
	wantStatus(t, "/health", health.HTTPResponse, health.Body, 200)

	long := strings.Repeat("word ", 400)
	for _, tc := range []struct {
		name, path, body, errorType string
		status                      int
	}{
		{"empty batch", "/embed", `{"inputs": []}`, "empty", 400},
		{"too long without truncation", "/embed", `{"inputs": "` + long + `", "truncate": false}`, "validation", 422},
		{"too many inputs", "/embed", `{"inputs": [` + strings.TrimSuffix(strings.Repeat(`"a",`, 513), ",") + `]}`, "validation", 422},
		{"prompt name", "/embed", `{"inputs": "a", "prompt_name": "query"}`, "validation", 422},
		{"bad direction", "/embed_all", `{"inputs": "a", "truncation_direction": "up"}`, "validation", 422},
		{"not JSON", "/embed", `{"inputs": `, "validation", 422},
		{"unknown model", "/embed", `{"inputs": "a", "model": "nope"}`, "validation", 422},
		{"empty tokenize", "/tokenize", `{"inputs": []}`, "empty", 400},
		{"empty decode", "/decode", `{"ids": []}`, "empty", 400},
		{"id out of vocabulary", "/decode", `{"ids": [99999999]}`, "validation", 422},
		{"no classifier served", "/predict", `{"inputs": "I like you"}`, "backend", 424},
		{"empty rerank", "/rerank", `{"query": "q", "texts": []}`, "empty", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := newSpecCheck(t)
			req := must(http.NewRequest(http.MethodPost, url+tc.path, strings.NewReader(tc.body)))
			resp := must(check.RoundTrip(req))
			body := must(io.ReadAll(resp.Body))
			wantStatus(t, tc.path, resp, body, tc.status)
			if !bytes.Contains(body, []byte(`"error_type":"`+tc.errorType+`"`)) {
				t.Errorf("body %s, want error_type %s", body, tc.errorType)
			}
		})
	}
}

func TestGeneratedClientRerankWithAnEmbeddingModel(t *testing.T) {
	url := startServer(t)
	c, _ := newClient(t, url, "")
	r := must(c.TeiRerankWithResponse(context.Background(), client.TeiRerankJSONRequestBody{
		Query: "What is a dog?", Texts: []string{"Paris is in France.", "A dog is an animal that barks."}, ReturnText: ptr(true),
	}))
	wantStatus(t, "/rerank", r.HTTPResponse, r.Body, 200)
	if got := *r.JSON200; len(got) != 2 || got[0].Index != 1 || got[0].Text == nil || *got[0].Text != "A dog is an animal that barks." || got[0].Score <= got[1].Score {
		t.Errorf("/rerank: %s", r.Body)
	}
}

func TestGeneratedClientExistingRoutesAndModels(t *testing.T) {
	url := startServer(t)
	c, check := newClient(t, url, "")
	ctx := context.Background()

	var texts client.Texts
	noErr(t, texts.FromTexts0("Hello, my dog is cute"))
	emb := must(c.EmbedWithResponse(ctx, client.EmbedJSONRequestBody{Inputs: texts}))
	wantStatus(t, "/v1/embed", emb.HTTPResponse, emb.Body, 200)
	bad := must(c.EmbedWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"inputs": "a", "model": "nope"}`)))
	wantStatus(t, "/v1/embed unknown model", bad.HTTPResponse, bad.Body, 404)

	var tin client.TokenizeRequest_Inputs
	noErr(t, tin.FromTokenizeRequestInputs0("Hello"))
	tok := must(c.TokenizeWithResponse(ctx, client.TokenizeJSONRequestBody{Inputs: tin}))
	wantStatus(t, "/v1/tokenize", tok.HTTPResponse, tok.Body, 200)
	det := must(c.DetokenizeWithResponse(ctx, client.DetokenizeJSONRequestBody{Ids: [][]int{{101, 7592, 102}}}))
	wantStatus(t, "/v1/detokenize", det.HTTPResponse, det.Body, 200)

	models := must(c.ListModelsWithResponse(ctx))
	wantStatus(t, "/v1/models", models.HTTPResponse, models.Body, 200)
	var found bool
	for _, m := range models.JSON200.Data {
		if m.Id == "all-MiniLM-L6-v2" {
			found = true
			if m.Task != "feature-extraction" || m.Dimension != 384 || m.MaxLength != 256 || string(m.Quantization) != "none" ||
				m.Source.Upstream == nil || *m.Source.Upstream != "sentence-transformers/all-MiniLM-L6-v2" {
				t.Errorf("model %+v", m)
			}
		}
	}
	if !found {
		t.Errorf("/v1/models: %s", models.Body)
	}

	type result interface{ StatusCode() int }
	for name, call := range map[string]func() (result, error){
		"healthz": func() (result, error) { return c.HealthzWithResponse(ctx) },
		"readyz":  func() (result, error) { return c.ReadyzWithResponse(ctx) },
		"metrics": func() (result, error) { return c.MetricsWithResponse(ctx) },
		"openapi": func() (result, error) { return c.OpenapiWithResponse(ctx) },
		"docs":    func() (result, error) { return c.DocsWithResponse(ctx) },
		"docs asset": func() (result, error) {
			return c.DocsAssetWithResponse(ctx, client.DocsAssetParamsAsset("swagger-ui-bundle.js"))
		},
	} {
		r, err := call()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if r.StatusCode() != http.StatusOK {
			t.Errorf("%s: status %d", name, r.StatusCode())
		}
	}
	if len(check.seen) < 8 {
		t.Errorf("only %d responses validated", len(check.seen))
	}
}

// TestGeneratedClientWithAPIKeys runs a server with keys: the client's key is accepted, a wrong
// one gets the documented 401.
func TestGeneratedClientWithAPIKeys(t *testing.T) {
	url := startServerWith(t, map[string]string{"BERTSERVE_API_KEY": "k1", "BERTSERVE_CORS_ALLOW_ORIGINS": "https://app.example"})
	ctx := context.Background()
	good, _ := newClient(t, url, "k1")
	r := must(good.ListModelsWithResponse(ctx))
	wantStatus(t, "with the key", r.HTTPResponse, r.Body, 200)
	bad, _ := newClient(t, url, "k2")
	r = must(bad.ListModelsWithResponse(ctx))
	wantStatus(t, "with a wrong key", r.HTTPResponse, r.Body, 401)
	if r.JSON401 == nil || string(r.JSON401.Error.Code) != "unauthorized" {
		t.Errorf("401 body %s", r.Body)
	}
	h := must(bad.HealthzWithResponse(ctx))
	wantStatus(t, "health without a key", h.HTTPResponse, h.Body, 200)
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func sumTokens(counts []int) int {
	n := 0
	for _, c := range counts {
		n += min(c, 256)
	}
	return n
}
