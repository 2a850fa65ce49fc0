package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
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
