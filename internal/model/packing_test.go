package model

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/pipeline"
	"github.com/bertserve/bertserve/internal/testenv"
)

// Texts of different lengths in one request: their sequences are queued together, so with packing
// on they share rows.
var packingTexts = []string{
	"A man is playing a guitar.",
	"Stocks rallied on Friday after the central bank held interest rates steady for a third month.",
	"Hi",
	"The quick brown fox jumps over the lazy dog.",
	"¿Dónde está la biblioteca?",
	"Packing several short texts into one row of the batch must not change any of their embeddings.",
}

func embedAll(t *testing.T, m *Model) [][]float32 {
	t.Helper()
	out, err := m.Embedder.Embed(context.Background(), pipeline.EmbedRequest{Inputs: packingTexts, Normalize: true})
	if err != nil {
		t.Fatal(err)
	}
	return out.Sentence
}

// load loads the model folder dir with testOptions, packing or not, and closes it after the test.
func load(t *testing.T, dir string, packing bool) *Model {
	t.Helper()
	o := testOptions
	o.Packing = packing
	m, err := Load(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestPackedEmbeddingsMatchPaddedOnes(t *testing.T) {
	dir := modelFolder(t, goodConfig)
	padded, packed := load(t, dir, false), load(t, dir, true)
	if padded.Packed || !packed.Packed {
		t.Fatalf("Packed = %v without packing and %v with it (%s)", padded.Packed, packed.Packed, packed.PackingOff)
	}
	want, got := embedAll(t, padded), embedAll(t, packed)
	for i := range want {
		d := 0.0
		for k := range want[i] {
			d = max(d, math.Abs(float64(got[i][k]-want[i][k])))
		}
		if d > 1e-5 {
			t.Errorf("text %d: packed embedding differs from the padded one by %g", i, d)
		}
	}
}

// checkPacking must catch a graph that does not understand segment numbers: the original graph
// reads a mask of 2 as "attend with weight -1", which scrambles every text after the first.
func TestPackingCheckCatchesAGraphThatMixesTexts(t *testing.T) {
	m := load(t, modelFolder(t, goodConfig), false)
	err := checkPacking(m.session, m.Encoder, 1)
	if err == nil || !strings.Contains(err.Error(), "differs from its own run") {
		t.Fatalf("checkPacking on the unrewritten graph = %v, want a difference", err)
	}
}

// A graph the rewrite does not know (RoBERTa computes its positions from the input ids) keeps
// padded batches, says why, and still serves.
func TestUnpackableModelsKeepPaddedBatches(t *testing.T) {
	dir := os.Getenv("BERTSERVE_TEST_EXPORTS")
	if dir == "" {
		dir = filepath.Join(testenv.Root(), ".cache", "test-exports")
	}
	src := filepath.Join(dir, "roberta-feature-extraction")
	if _, err := os.Stat(filepath.Join(src, "model.onnx")); err != nil {
		if os.Getenv("BERTSERVE_REQUIRE_SETUP") == "1" && os.Getenv("BERTSERVE_TEST_EXPORTS") != "" {
			t.Fatalf("no test export %s", src)
		}
		t.Skipf("no test export %s (make test-exports)", src)
	}
	if err := ort.Init(testenv.ORTLib(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ort.Shutdown() })
	m := load(t, src, true)
	if m.Packed || !strings.Contains(m.PackingOff, "position ids") {
		t.Fatalf("Packed = %v, PackingOff = %q; want padded batches because of the position ids", m.Packed, m.PackingOff)
	}
	if _, err := m.Embedder.Embed(context.Background(), pipeline.EmbedRequest{Inputs: []string{"still serves"}}); err != nil {
		t.Fatal(err)
	}
}
