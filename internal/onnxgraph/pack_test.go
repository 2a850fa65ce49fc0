package onnxgraph_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/bertserve/bertserve/internal/onnxgraph"
	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/testenv"
)

var miniLMInputs = []string{"input_ids", "attention_mask", "token_type_ids"}

func initORT(t *testing.T) {
	t.Helper()
	if err := ort.Init(testenv.ORTLib(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ort.Shutdown() })
}

func open(t *testing.T, path string, model []byte, inputs []string, output string) *ort.Session {
	t.Helper()
	s, err := ort.NewSession(path, inputs, []string{output}, ort.Options{IntraOpThreads: 1, Model: model})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func run(t *testing.T, s *ort.Session, batch, seqLen int, feeds [][]int64) []float32 {
	t.Helper()
	shape := s.OutputShape(0, batch, seqLen)
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	out := make([]float32, n)
	if err := s.Run(context.Background(), batch, seqLen, feeds, [][]float32{out}); err != nil {
		t.Fatal(err)
	}
	return out
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// Three all-MiniLM-L6-v2 sequences: "[CLS] hello world [SEP]", "[CLS] hi [SEP]" and
// "[CLS] the quick brown fox [SEP]".
var sequences = [][]int64{
	{101, 7592, 2088, 102},
	{101, 7632, 102},
	{101, 1996, 4248, 2829, 4419, 102},
}

const hidden = 384

// openMiniLM opens all-MiniLM-L6-v2 twice: as it is, and rewritten by Pack.
func openMiniLM(t *testing.T) (orig, packed *ort.Session) {
	t.Helper()
	initORT(t)
	path := filepath.Join(testenv.ModelDir(t, "all-MiniLM-L6-v2"), "model.onnx")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := onnxgraph.Pack(data, "attention_mask")
	if err != nil {
		t.Fatal(err)
	}
	return open(t, path, nil, miniLMInputs, "last_hidden_state"), open(t, path, graph, miniLMInputs, "last_hidden_state")
}

// separately runs each sequence alone through the original graph.
func separately(t *testing.T, s *ort.Session, seqs [][]int64) [][]float32 {
	var out [][]float32
	for _, ids := range seqs {
		ones, zeros := make([]int64, len(ids)), make([]int64, len(ids))
		for i := range ones {
			ones[i] = 1
		}
		out = append(out, run(t, s, 1, len(ids), [][]int64{ids, ones, zeros}))
	}
	return out
}

func TestPackedRowsMatchSeparateRuns(t *testing.T) {
	orig, pk := openMiniLM(t)
	want := separately(t, orig, sequences)

	// Row 0: sequences 0 and 1, then a padding token; row 1: sequence 2 and two padding tokens.
	const seqLen = 8
	rows := [][][]int64{{sequences[0], sequences[1]}, {sequences[2]}}
	feeds := [][]int64{make([]int64, 2*seqLen), make([]int64, 2*seqLen), make([]int64, 2*seqLen)}
	type place struct{ row, offset int }
	var places []place
	for r, row := range rows {
		off := 0
		for k, ids := range row {
			for i, id := range ids {
				feeds[0][r*seqLen+off+i] = id
				feeds[1][r*seqLen+off+i] = int64(k + 1)
			}
			places = append(places, place{r, off})
			off += len(ids)
		}
	}
	got := run(t, pk, 2, seqLen, feeds)
	for i, p := range places {
		start := (p.row*seqLen + p.offset) * hidden
		if d := maxAbsDiff(got[start:start+len(want[i])], want[i]); d > 1e-4 {
			t.Errorf("sequence %d packed at row %d offset %d differs from its own run by %g", i, p.row, p.offset, d)
		}
	}
}

func TestPackedGraphRunsPaddedBatchesAsBefore(t *testing.T) {
	orig, pk := openMiniLM(t)
	const seqLen = 6
	feeds := [][]int64{make([]int64, 3*seqLen), make([]int64, 3*seqLen), make([]int64, 3*seqLen)}
	for r, ids := range sequences {
		for i, id := range ids {
			feeds[0][r*seqLen+i] = id
			feeds[1][r*seqLen+i] = 1
		}
	}
	a, b := run(t, orig, 3, seqLen, feeds), run(t, pk, 3, seqLen, feeds)
	for r, ids := range sequences {
		lo, hi := r*seqLen*hidden, (r*seqLen+len(ids))*hidden
		if d := maxAbsDiff(a[lo:hi], b[lo:hi]); d > 1e-6 {
			t.Errorf("row %d: the rewritten graph differs from the original by %g on real tokens", r, d)
		}
	}
}

// The tiny models `make test` exports (scripts/tests): the dynamo exporter's BERT graphs pack;
// RoBERTa's position ids come from the input ids, so its graphs are refused.
func TestPackExportedGraphs(t *testing.T) {
	dir := os.Getenv("BERTSERVE_TEST_EXPORTS")
	if dir == "" {
		dir = filepath.Join(testenv.Root(), ".cache", "test-exports")
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		if os.Getenv("BERTSERVE_REQUIRE_SETUP") == "1" && os.Getenv("BERTSERVE_TEST_EXPORTS") != "" {
			t.Fatalf("no test exports in %s", dir)
		}
		t.Skipf("no test exports in %s (make test-exports)", dir)
	}
	initORT(t)
	for _, tc := range []struct {
		name     string
		inputs   []string
		output   string
		packable bool
	}{
		{"bert-feature-extraction", miniLMInputs, "last_hidden_state", true},
		{"bert-token-classification", miniLMInputs, "logits", true},
		{"roberta-feature-extraction", []string{"input_ids", "attention_mask"}, "last_hidden_state", false},
		{"distilbert-feature-extraction", []string{"input_ids", "attention_mask"}, "last_hidden_state", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name, "model.onnx")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			packed, err := onnxgraph.Pack(data, "attention_mask")
			if !tc.packable {
				if !errors.Is(err, onnxgraph.ErrNotPackable) {
					t.Fatalf("Pack = %v, want ErrNotPackable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			orig := open(t, path, nil, tc.inputs, tc.output)
			pk := open(t, path, packed, tc.inputs, tc.output)
			seqs := [][]int64{{2, 5, 7, 3}, {2, 9, 3}}
			want := separately(t, orig, seqs)
			width := len(want[0]) / len(seqs[0])
			feeds := [][]int64{{2, 5, 7, 3, 2, 9, 3, 0}, {1, 1, 1, 1, 2, 2, 2, 0}, make([]int64, 8)}
			got := run(t, pk, 1, 8, feeds)
			if d := maxAbsDiff(got[:4*width], want[0]); d > 1e-4 {
				t.Errorf("first sequence differs by %g", d)
			}
			if d := maxAbsDiff(got[4*width:7*width], want[1]); d > 1e-4 {
				t.Errorf("second sequence differs by %g", d)
			}
		})
	}
}

func TestPackRejectsWhatIsNotAModel(t *testing.T) {
	if _, err := onnxgraph.Pack([]byte("not a protobuf \xff\xff"), "attention_mask"); err == nil {
		t.Fatal("Pack accepted garbage")
	}
}

// Loading a model holds its bytes and the rewritten copy at once, and ONNX Runtime's session on
// top; Pack itself must allocate little more than the copy it returns, or a model that fits a
// container's memory when served fails to load (slices grown by appending held up to five copies).
func TestPackAllocatesAboutOneCopyOfTheModel(t *testing.T) {
	path := filepath.Join(testenv.ModelDir(t, "all-MiniLM-L6-v2"), "model.onnx")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	graph, err := onnxgraph.Pack(data, "attention_mask")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	if limit := uint64(len(graph)) * 11 / 10; allocated > limit {
		t.Errorf("Pack allocated %d MB for a %d MB graph; want at most %d MB", allocated>>20, len(graph)>>20, limit>>20)
	}
}
