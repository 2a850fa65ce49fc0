package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/testenv"
)

func TestSummarizeReadsPercentilesOffTheSortedLatencies(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- { // 1..100 ms, in reverse
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	got := summarize(d)
	if got.P50 != 51 || got.P95 != 96 || got.P99 != 100 || got.Max != 100 || got.Mean != 50.5 {
		t.Fatalf("summary %+v", got)
	}
	if (summarize(nil) != Latency{}) {
		t.Fatal("empty input must summarize to zeros")
	}
}

func TestPostCountsTheServersPromptTokens(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"model":"m","embeddings":[[0.1,0.2]],"usage":{"prompt_tokens": 17,"total_tokens":17}}`)
	}))
	defer srv.Close()
	c, err := newClient(srv.URL+"/v1/embed", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	buf := make([]byte, 0, 16)
	status, tokens, err := c.post(context.Background(), []byte(`{"inputs":"x"}`), &buf)
	if err != nil || status != http.StatusOK || tokens != 17 {
		t.Fatalf("status %d, tokens %d, err %v; want 200, 17", status, tokens, err)
	}
}

func TestPostSpeaksHTTP(t *testing.T) {
	big := strings.Repeat("x", 100<<10) // past net/http's buffer: the answer goes out chunked
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/v1/embed" || r.Header.Get("Content-Type") != "application/json":
			http.Error(w, "bad request line or headers", http.StatusBadRequest)
		case string(body) == "chunked":
			w.Write([]byte(big))
		case string(body) == "close":
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, "busy")
		default:
			fmt.Fprintf(w, "echo %s", body)
		}
	}))
	var conns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := newClient(srv.URL+"/v1/embed", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for _, tc := range []struct {
		send, want string
		status     int
	}{
		{"hello", "echo hello", 200},
		{"chunked", big, 200},
		{"again", "echo again", 200},
		{"close", "busy", 429},
		{"after close", "echo after close", 200},
	} {
		var buf []byte
		status, _, err := c.post(context.Background(), []byte(tc.send), &buf)
		if err != nil || status != tc.status || string(buf) != tc.want {
			t.Fatalf("%s: status %d, %d bytes, err %v; want %d, %q", tc.send, status, len(buf), err, tc.status, tc.want[:min(20, len(tc.want))])
		}
	}
	// One connection carries the first four requests; the server closed it after the fourth.
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestPostStopsWhenTheContextEnds(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c, err := newClient(srv.URL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var buf []byte
	if _, _, err := c.post(ctx, []byte("x"), &buf); err == nil {
		t.Fatal("post returned without error after its context ended")
	}
}

func TestDrawMixesLongTextsAtTheAskedRate(t *testing.T) {
	c := &corpus{short: []string{"a"}, long: []string{"b"}}
	h := &httpRun{clientBatch: 1, longFrac: 0.1, seed: 1}
	long := 0
	bodies := h.bodies(c, 10000)
	for _, b := range bodies {
		if b.long {
			long++
		}
	}
	if long < 800 || long > 1200 {
		t.Fatalf("%d of 10000 requests long, want about 1000", long)
	}
}

func TestInprocModeRunsTheServersPipeline(t *testing.T) {
	if err := ort.Init(testenv.ORTLib(t)); err != nil {
		t.Fatal(err)
	}
	defer ort.Shutdown()
	r := &inprocRun{modelDir: testenv.ModelDir(t, "all-MiniLM-L6-v2"), concurrency: 4, workers: 2, threads: 1,
		noSpin: true, duration: 300 * time.Millisecond, seed: 1,
		batch: batch.Config{MaxBatchTokens: 4096, MaxBatchSize: 16, Workers: 2, MaxQueued: 64}}
	// "Hello world." is [CLS] hello world . [SEP]: five tokens.
	rep, err := r.run(context.Background(), &corpus{short: []string{"Hello world."}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 0 || rep.Sequences == 0 || rep.Tokens != 5*rep.Sequences || rep.SeqPerSec <= 0 {
		t.Fatalf("report %+v: want answers for every request, five tokens each", rep)
	}
	// Four clients of one sentence each: between one and four sentences a batch.
	if rep.MeanBatch < 1 || rep.MeanBatch > 4 || rep.MeanRunMS <= 0 || rep.RunningBatches <= 0 || rep.RunningBatches > 2 {
		t.Errorf("report %+v: want the batches' shape from the batcher's metrics", rep)
	}
}

func TestBareModePausesAfterEachRun(t *testing.T) {
	if err := ort.Init(testenv.ORTLib(t)); err != nil {
		t.Fatal(err)
	}
	defer ort.Shutdown()
	b := &bareRun{modelDir: testenv.ModelDir(t, "all-MiniLM-L6-v2"), maxLength: 128, batches: []int{1}, workers: 1,
		threads: 1, sessions: 1, noSpin: true, duration: 2 * time.Second, gap: 200 * time.Millisecond, seed: 1}
	reps, err := b.run(context.Background(), &corpus{short: []string{"Hello world."}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	// Each run is followed by 200 ms of pause, so 2 s hold at most 11 of them.
	if rep := reps[0]; rep.Requests < 1 || rep.Requests > 11 || rep.GapMS != 200 {
		t.Errorf("report %+v: want 1 to 11 runs, 200 ms apart", rep)
	}
}

func TestHTTPModeStopsAtOnceWhenTheServerCannotServe(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // nothing listens there any more
	notFound := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"no model named x"}`)
	}))
	defer notFound.Close()
	for _, tc := range []struct{ url, want string }{
		{downURL, "cannot reach the server"},
		{notFound.URL, "HTTP 404: {\"error\":\"no model named x\"}"},
	} {
		h := &httpRun{url: tc.url, concurrency: 4, clientBatch: 1, duration: time.Minute, warmup: time.Minute, seed: 1}
		start := time.Now()
		_, err := h.run(context.Background(), &corpus{short: []string{"Hello world."}}, "t")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.url, err, tc.want)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%s: gave up after %v, not at once", tc.url, took)
		}
	}
}

func TestHTTPModeSpeaksBertserveAndOpenAIRequests(t *testing.T) {
	for _, tc := range []struct{ api, encoding, path, body string }{
		{apiBertserve, "", "/v1/embed", `{"inputs":"Hello world."}`},
		{apiOpenAI, "", "/v1/embeddings", `{"input":"Hello world.","model":"m1"}`},
		{apiOpenAI, "base64", "/v1/embeddings", `{"encoding_format":"base64","input":"Hello world.","model":"m1"}`},
	} {
		var bad atomic.Value
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if r.URL.Path != tc.path || string(body) != tc.body {
				bad.Store(fmt.Sprintf("%s %s", r.URL.Path, body))
				http.Error(w, "unexpected request", http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, `{"data":[],"usage":{"prompt_tokens":5,"total_tokens":5}}`)
		}))
		h := &httpRun{url: srv.URL, concurrency: 2, clientBatch: 1, duration: 100 * time.Millisecond, seed: 1,
			api: tc.api, modelName: "m1", encoding: tc.encoding}
		rep, err := h.run(context.Background(), &corpus{short: []string{"Hello world."}}, "t")
		srv.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.api, err)
		}
		if got := bad.Load(); got != nil {
			t.Errorf("%s: server got %s, want %s %s", tc.api, got, tc.path, tc.body)
		}
		if rep.Requests == 0 || rep.Errors != 0 || rep.Tokens != 5*rep.Requests {
			t.Errorf("%s: report %+v, want answered requests of five tokens", tc.api, rep)
		}
	}
}

func TestInprocModeDefaultsToTheServersWorkers(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		n, want int
	}{
		{"inproc", 0, serverWorkers},
		{"inproc", 3, 3},
		{"bare", 0, 1},
		{"bare", 2, 2},
	} {
		if got := workersFor(tc.mode, tc.n); got != tc.want {
			t.Errorf("workersFor(%q, %d) = %d, want %d", tc.mode, tc.n, got, tc.want)
		}
	}
}
