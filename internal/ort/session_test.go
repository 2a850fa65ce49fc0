package ort_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/testenv"
)

func openMiniLM(t *testing.T) *ort.Session {
	t.Helper()
	if err := ort.Init(testenv.ORTLib(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ort.Shutdown() })
	path := filepath.Join(testenv.ModelDir(t, "all-MiniLM-L6-v2"), "model.onnx")
	s, err := ort.NewSession(path, []string{"input_ids", "attention_mask", "token_type_ids"},
		[]string{"last_hidden_state"}, ort.Options{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// "[CLS] hello world [SEP]" and "[CLS] hi [SEP] [PAD]" as all-MiniLM-L6-v2 ids.
var twoRows = [][]int64{
	{101, 7592, 2088, 102, 101, 7632, 102, 0},
	{1, 1, 1, 1, 1, 1, 1, 0},
	{0, 0, 0, 0, 0, 0, 0, 0},
}

func TestSessionReportsGraphInputsAndOutputs(t *testing.T) {
	s := openMiniLM(t)
	in, out := s.Inputs(), s.Outputs()
	if len(in) != 3 || in[0].Name != "input_ids" || in[0].DataType != "int64" {
		t.Fatalf("inputs = %+v", in)
	}
	if len(out) != 1 || out[0].Name != "last_hidden_state" || out[0].Shape[2] != 384 || out[0].Shape[0] >= 0 {
		t.Fatalf("outputs = %+v (want dynamic batch, hidden 384)", out)
	}
}

func TestSessionRunsAPaddedBatch(t *testing.T) {
	s := openMiniLM(t)
	if want := []int64{2, 4, 384}; !equal(s.OutputShape(0, 2, 4), want) {
		t.Fatalf("shape %v, want %v", s.OutputShape(0, 2, 4), want)
	}
	got := run(t, s, 2, 4, twoRows)
	// The first row run alone must give the same states as in the batch: rows do not leak.
	alone := run(t, s, 1, 4, [][]int64{twoRows[0][:4], twoRows[1][:4], twoRows[2][:4]})
	if d := maxAbsDiff(alone, got[:4*384]); d > 1e-4 {
		t.Fatalf("row 0 alone vs batched differs by %g", d)
	}
}

func TestSessionIsSafeForConcurrentRuns(t *testing.T) {
	s := openMiniLM(t)
	want := run(t, s, 2, 4, twoRows)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := make([]float32, len(want))
			if err := s.Run(context.Background(), 2, 4, twoRows, [][]float32{got}); err != nil {
				errs <- err.Error()
				return
			}
			if d := maxAbsDiff(got, want); d > 1e-5 {
				errs <- "concurrent run differs"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestSessionRejectsBadFeeds(t *testing.T) {
	s := openMiniLM(t)
	out := [][]float32{make([]float32, 2*4*384)}
	if err := s.Run(context.Background(), 2, 5, twoRows, out); err == nil || !strings.Contains(err.Error(), "input_ids") {
		t.Fatalf("wrong length: err = %v", err)
	}
	if err := s.Run(context.Background(), 2, 4, twoRows[:2], out); err == nil {
		t.Fatal("missing feed: no error")
	}
	if err := s.Run(context.Background(), 2, 4, twoRows, [][]float32{out[0][:10]}); err == nil || !strings.Contains(err.Error(), "last_hidden_state") {
		t.Fatalf("short output buffer: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Run(ctx, 2, 4, twoRows, out); err != context.Canceled {
		t.Fatalf("cancelled: err = %v", err)
	}
}

func TestNewSessionNamesMissingGraphNames(t *testing.T) {
	openMiniLM(t) // initialises the environment
	path := filepath.Join(testenv.ModelDir(t, "all-MiniLM-L6-v2"), "model.onnx")
	_, err := ort.NewSession(path, []string{"input_ids", "position_ids"}, []string{"last_hidden_state"}, ort.Options{})
	if err == nil || !strings.Contains(err.Error(), `"position_ids"`) {
		t.Fatalf("err = %v", err)
	}
	_, err = ort.NewSession(path, []string{"input_ids"}, []string{"logits"}, ort.Options{})
	if err == nil || !strings.Contains(err.Error(), `"logits"`) {
		t.Fatalf("err = %v", err)
	}
	_, err = ort.NewSession(path, []string{"input_ids"}, []string{"last_hidden_state"}, ort.Options{Device: "tpu"})
	if err == nil || !strings.Contains(err.Error(), "tpu") {
		t.Fatalf("err = %v", err)
	}
}

func run(t *testing.T, s *ort.Session, batch, seqLen int, feeds [][]int64) []float32 {
	t.Helper()
	out := make([]float32, batch*seqLen*384)
	if err := s.Run(context.Background(), batch, seqLen, feeds, [][]float32{out}); err != nil {
		t.Fatal(err)
	}
	return out
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}
