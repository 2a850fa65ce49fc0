package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bertserve/bertserve/internal/testenv"
)

// server is the real program, started once for all end-to-end tests on a free port.
var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
)

func startServer(t *testing.T) string {
	t.Helper()
	lib := testenv.ORTLib(t)
	modelDir := testenv.ModelDir(t, "all-MiniLM-L6-v2")
	serverOnce.Do(func() {
		// Shared by every test and never stopped: it lives as long as the test binary.
		serverURL, _, serverErr = launch(map[string]string{
			"BERTSERVE_ADDR": "127.0.0.1:0", "BERTSERVE_MODELS": filepath.Dir(modelDir), "BERTSERVE_ORT_LIB": lib,
		}, io.Discard)
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverURL
}

func post(t *testing.T, url string, body any, out any) int {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s: %v in %s", url, err, data)
		}
	}
	return resp.StatusCode
}

type reference struct {
	Sentences   []string    `json:"sentences"`
	TokenCounts []int       `json:"token_counts"`
	Embeddings  [][]float64 `json:"embeddings"`
	STSB        struct {
		Pairs    int     `json:"pairs"`
		Spearman float64 `json:"spearman_cosine"`
	} `json:"stsb_dev"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "reference", "all-MiniLM-L6-v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

type embedResponse struct {
	Model           string        `json:"model"`
	Embeddings      [][]float64   `json:"embeddings"`
	TokenEmbeddings [][][]float64 `json:"token_embeddings"`
	Tokens          [][]struct {
		ID      int    `json:"id"`
		Text    string `json:"text"`
		Start   int    `json:"start"`
		End     int    `json:"end"`
		Special bool   `json:"special"`
	} `json:"tokens"`
	Usage struct {
		PromptTokens int `json:"prompt_tokens"`
	} `json:"usage"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func TestEmbedMatchesSentenceTransformers(t *testing.T) {
	url := startServer(t)
	ref := loadReference(t)
	check := func(t *testing.T, got [][]float64, idx []int) {
		t.Helper()
		for k, i := range idx {
			if c := cosine(got[k], ref.Embeddings[i]); c < 0.9999 {
				t.Errorf("sentence %d %.40q: cosine %.6f with sentence-transformers, want ≥ 0.9999", i, ref.Sentences[i], c)
			}
			if n := norm(got[k]); math.Abs(n-1) > 1e-5 {
				t.Errorf("sentence %d: norm %f, want 1", i, n)
			}
		}
	}
	t.Run("single", func(t *testing.T) {
		for i, s := range ref.Sentences {
			var res embedResponse
			if code := post(t, url+"/v1/embed", map[string]any{"inputs": s}, &res); code != 200 {
				t.Fatalf("status %d: %+v", code, res.Error)
			}
			if len(res.Embeddings) != 1 || len(res.Embeddings[0]) != 384 {
				t.Fatalf("shape %d×%d", len(res.Embeddings), len(res.Embeddings[0]))
			}
			check(t, res.Embeddings, []int{i})
			if want := min(ref.TokenCounts[i], 256); res.Usage.PromptTokens != want {
				t.Errorf("sentence %d: prompt_tokens %d, want %d", i, res.Usage.PromptTokens, want)
			}
		}
	})
	t.Run("batched, mixed lengths", func(t *testing.T) {
		idx := make([]int, len(ref.Sentences))
		for i := range idx {
			idx[i] = len(idx) - 1 - i // reversed, so long and short share batches
		}
		inputs := make([]string, len(idx))
		for k, i := range idx {
			inputs[k] = ref.Sentences[i]
		}
		var res embedResponse
		if code := post(t, url+"/v1/embed", map[string]any{"inputs": inputs}, &res); code != 200 {
			t.Fatalf("status %d: %+v", code, res.Error)
		}
		check(t, res.Embeddings, idx)
	})
	t.Run("concurrent clients", func(t *testing.T) {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				i := g % len(ref.Sentences)
				var res embedResponse
				if code := post(t, url+"/v1/embed", map[string]any{"inputs": []string{ref.Sentences[i], "x"}}, &res); code != 200 {
					t.Errorf("status %d", code)
					return
				}
				check(t, res.Embeddings[:1], []int{i})
			}()
		}
		wg.Wait()
	})
}

func TestEmbedSTSBSpearmanMatchesSentenceTransformers(t *testing.T) {
	url := startServer(t)
	ref := loadReference(t)
	f, err := os.Open(testenv.SharedData(t, "stsb/dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var gold []float64
	var s1, s2 []string
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 {
			t.Fatalf("bad row %q", sc.Text())
		}
		g, err := strconv.ParseFloat(cols[0], 64)
		if err != nil {
			t.Fatal(err)
		}
		gold, s1, s2 = append(gold, g), append(s1, cols[1]), append(s2, cols[2])
	}
	if len(gold) != ref.STSB.Pairs {
		t.Fatalf("%d pairs, reference has %d", len(gold), ref.STSB.Pairs)
	}
	embed := func(texts []string) [][]float64 {
		var all [][]float64
		for i := 0; i < len(texts); i += 128 {
			var res embedResponse
			if code := post(t, url+"/v1/embed", map[string]any{"inputs": texts[i:min(i+128, len(texts))]}, &res); code != 200 {
				t.Fatalf("status %d: %+v", code, res.Error)
			}
			all = append(all, res.Embeddings...)
		}
		return all
	}
	e1, e2 := embed(s1), embed(s2)
	cos := make([]float64, len(gold))
	for i := range cos {
		cos[i] = cosine(e1[i], e2[i])
	}
	got := spearman(cos, gold) * 100
	t.Logf("STS-B dev Spearman (cosine ×100): server %.4f, sentence-transformers %.4f", got, ref.STSB.Spearman)
	if math.Abs(got-ref.STSB.Spearman) > 0.2 { // 0.002 as a fraction, ×100
		t.Errorf("Spearman %.4f differs from sentence-transformers' %.4f by more than 0.002", got, ref.STSB.Spearman)
	}
}

func TestEmbedTokensReturnsHiddenStatesWithOffsets(t *testing.T) {
	url := startServer(t)
	var res embedResponse
	if code := post(t, url+"/v1/embed", map[string]any{"inputs": "Hello, my dog is cute", "output": "tokens"}, &res); code != 200 {
		t.Fatalf("status %d: %+v", code, res.Error)
	}
	if res.Embeddings != nil || len(res.TokenEmbeddings) != 1 || len(res.Tokens) != 1 {
		t.Fatalf("got %+v", res)
	}
	toks, states := res.Tokens[0], res.TokenEmbeddings[0]
	wantText := []string{"[CLS]", "hello", ",", "my", "dog", "is", "cute", "[SEP]"}
	if len(toks) != len(wantText) || len(states) != len(toks) || len(states[0]) != 384 {
		t.Fatalf("%d tokens, %d states", len(toks), len(states))
	}
	for i, w := range wantText {
		if toks[i].Text != w {
			t.Errorf("token %d = %q, want %q", i, toks[i].Text, w)
		}
	}
	if toks[4].Start != 10 || toks[4].End != 13 || !toks[0].Special || toks[1].Special {
		t.Errorf("offsets/special wrong: %+v", toks)
	}
	// Mean of the token states, normalised, is the sentence embedding.
	var sent embedResponse
	post(t, url+"/v1/embed", map[string]any{"inputs": "Hello, my dog is cute"}, &sent)
	mean := make([]float64, 384)
	for _, s := range states {
		for i, v := range s {
			mean[i] += v / float64(len(states))
		}
	}
	if c := cosine(mean, sent.Embeddings[0]); c < 0.99999 {
		t.Errorf("mean of token states vs sentence embedding: cosine %f", c)
	}
}

func TestEmbedRejectsBadRequestsNamingTheField(t *testing.T) {
	url := startServer(t)
	long := strings.Repeat("word ", 400)
	tests := []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"not JSON", `{"inputs": `, 400, ""},
		{"empty body", ``, 400, ""},
		{"missing inputs", `{}`, 422, "inputs"},
		{"empty list", `{"inputs": []}`, 422, "inputs"},
		{"inputs a number", `{"inputs": 3}`, 422, "inputs"},
		{"unknown field", `{"inputs": "a", "normalise": true}`, 422, "normalise"},
		{"normalize not a bool", `{"inputs": "a", "normalize": "yes"}`, 422, "normalize"},
		{"bad output", `{"inputs": "a", "output": "words"}`, 422, "output"},
		{"unknown model", `{"inputs": "a", "model": "bert-large"}`, 404, "model"},
		{"too long, no truncation", `{"inputs": ["short", "` + long + `"], "truncate": false}`, 413, "inputs[1]"},
		{"too many inputs", `{"inputs": [` + strings.TrimSuffix(strings.Repeat(`"a",`, 513), ",") + `]}`, 422, "inputs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(url+"/v1/embed", "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var res embedResponse
			if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || res.Error == nil || res.Error.Field != tc.field || res.Error.Message == "" {
				t.Fatalf("status %d error %+v, want %d naming %q", resp.StatusCode, res.Error, tc.status, tc.field)
			}
		})
	}
}

func TestTokenizeAndDetokenize(t *testing.T) {
	url := startServer(t)
	var tok struct {
		Tokens [][]struct {
			ID     int    `json:"id"`
			Text   string `json:"text"`
			Start  int    `json:"start"`
			End    int    `json:"end"`
			TypeID int    `json:"type_id"`
		} `json:"tokens"`
	}
	body := map[string]any{"inputs": []any{"Héllo wörld", []string{"Is it?", "Yes."}}}
	if code := post(t, url+"/v1/tokenize", body, &tok); code != 200 {
		t.Fatalf("status %d", code)
	}
	first := tok.Tokens[0]
	if len(first) != 4 || first[1].Text != "hello" || first[2].Start != 6 || first[2].End != 11 {
		t.Errorf("first = %+v", first)
	}
	pair := tok.Tokens[1]
	last := pair[len(pair)-2] // "." of "Yes."
	if last.TypeID != 1 || last.Start != 3 || last.End != 4 {
		t.Errorf("pair token %+v: want type 1, offsets into the second text", last)
	}
	ids := make([]int, len(first))
	for i, x := range first {
		ids[i] = x.ID
	}
	var detok struct {
		Texts []string `json:"texts"`
	}
	if code := post(t, url+"/v1/detokenize", map[string]any{"ids": [][]int{ids}}, &detok); code != 200 || detok.Texts[0] != "hello world" {
		t.Errorf("status %d texts %q", code, detok.Texts)
	}
	var bad embedResponse
	if code := post(t, url+"/v1/detokenize", map[string]any{"ids": [][]int{{101, 99999999}}}, &bad); code != 422 || bad.Error.Field != "ids[0][1]" {
		t.Errorf("status %d error %+v", code, bad.Error)
	}
}

func TestOperationsEndpoints(t *testing.T) {
	url := startServer(t)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.yaml"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		if path == "/metrics" && !bytes.Contains(body, []byte(`bertserve_http_requests_total{method="GET",route="/healthz",status="200"}`)) {
			t.Errorf("/metrics lacks the request counter:\n%.2000s", body)
		}
	}
	resp, err := http.Get(url + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("unknown route: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	req, _ := http.NewRequest("GET", url+"/healthz", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-Id") != "abc-123" {
		t.Errorf("X-Request-Id not echoed")
	}
}

func cosine(a, b []float64) float64 { return dot(a, b) / math.Sqrt(dot(a, a)*dot(b, b)) }

func norm(a []float64) float64 { return math.Sqrt(dot(a, a)) }

func dot(a, b []float64) float64 {
	var d float64
	for i := range a {
		d += a[i] * b[i]
	}
	return d
}

// spearman is the Pearson correlation of ranks, ties given their average rank (as scipy does).
func spearman(x, y []float64) float64 {
	rx, ry := ranks(x), ranks(y)
	mx, my := mean(rx), mean(ry)
	var sxy, sxx, syy float64
	for i := range rx {
		dx, dy := rx[i]-mx, ry[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	return sxy / math.Sqrt(sxx*syy)
}

func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// waitAccepted waits until the server at url has tokenized an input, which its metrics count, so
// that a request sent just before is known to be in its handler rather than on its way.
func waitAccepted(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "\nbertserve_input_tokens_total{") {
			return
		}
	}
	t.Fatal("the server accepted no input within a minute")
}

func TestShutdownDrainsInFlightRequests(t *testing.T) {
	lib := testenv.ORTLib(t)
	modelDir := testenv.ModelDir(t, "all-MiniLM-L6-v2")
	m := NewMain()
	m.Stderr = io.Discard
	// The shutdown timeout is generous so that a slow, shared CI machine cannot fail the drain.
	env := map[string]string{"BERTSERVE_ADDR": "127.0.0.1:0", "BERTSERVE_MODELS": filepath.Dir(modelDir), "BERTSERVE_ORT_LIB": lib,
		"BERTSERVE_SHUTDOWN_TIMEOUT": "5m", "BERTSERVE_REQUEST_TIMEOUT": "5m"}
	if err := m.ParseFlags(nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	url := "http://" + <-m.addr

	// A request big enough to still be running when the shutdown starts.
	inputs := make([]string, 96)
	for i := range inputs {
		inputs[i] = strings.Repeat("a fairly long sentence to embed ", 8) + strconv.Itoa(i)
	}
	body, err := json.Marshal(map[string]any{"inputs": inputs})
	if err != nil {
		t.Fatal(err)
	}
	status := make(chan string, 1)
	go func() {
		resp, err := http.Post(url+"/v1/embed", "application/json", bytes.NewReader(body))
		if err != nil {
			status <- err.Error()
			return
		}
		defer resp.Body.Close()
		var res embedResponse
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || len(res.Embeddings) != len(inputs) {
			status <- fmt.Sprintf("%s with %d embeddings (%v)", resp.Status, len(res.Embeddings), err)
			return
		}
		status <- resp.Status
	}()
	waitAccepted(t, url) // the request is being served (it takes far longer than the wait)
	cancel()
	if got := <-status; got != "200 OK" {
		t.Errorf("in-flight request got %s during shutdown, want 200 OK", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}
