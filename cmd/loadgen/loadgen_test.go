package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	buf := make([]byte, 0, 16)
	status, tokens, err := post(context.Background(), srv.Client(), srv.URL, []byte(`{"inputs":"x"}`), &buf)
	if err != nil || status != http.StatusOK || tokens != 17 {
		t.Fatalf("status %d, tokens %d, err %v; want 200, 17", status, tokens, err)
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
