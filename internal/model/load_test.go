package model

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/testenv"
)

var testOptions = Options{
	Session: ort.Options{IntraOpThreads: 1},
	Batch:   batch.Config{MaxBatchTokens: 4096, MaxBatchSize: 16, Workers: 1, MaxQueued: 64},
}

const goodConfig = `{"task": "feature-extraction", "max_length": 256, "pooling": "mean", "normalize": true}`

// modelFolder lays out a model folder in a temp dir from the real all-MiniLM-L6-v2 files, with the
// given config (files named in skip are left out).
func modelFolder(t *testing.T, config string, skip ...string) string {
	t.Helper()
	if err := ort.Init(testenv.ORTLib(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ort.Shutdown() })
	src := testenv.ModelDir(t, "all-MiniLM-L6-v2")
	dir := filepath.Join(t.TempDir(), "minilm")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"model.onnx", "tokenizer.json"} {
		if !slices.Contains(skip, f) {
			if err := os.Symlink(filepath.Join(src, f), filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadRefusesBrokenFoldersNamingTheProblem(t *testing.T) {
	tests := []struct {
		name   string
		config string
		skip   []string
		want   []string
	}{
		{"missing model.onnx", goodConfig, []string{"model.onnx"}, []string{"model.onnx"}},
		{"missing tokenizer", goodConfig, []string{"tokenizer.json"}, []string{"tokenizer.json"}},
		{"unknown task", `{"task": "summarization", "max_length": 128}`, nil, []string{ConfigFile, `"summarization"`}},
		{"missing task", `{"max_length": 128}`, nil, []string{"task: missing"}},
		{"bad pooling", `{"task": "feature-extraction", "max_length": 128, "pooling": "avg"}`, nil, []string{"pooling", `"avg"`}},
		{"no max length", `{"task": "feature-extraction", "pooling": "mean"}`, nil, []string{"max_length"}},
		{"unknown field", `{"task": "feature-extraction", "max_length": 8, "pooling": "mean", "pooler": "x"}`, nil, []string{`"pooler"`}},
		{"not JSON", `{task`, nil, []string{ConfigFile}},
		{"graph input it cannot feed", `{"task": "feature-extraction", "max_length": 128, "pooling": "mean",
			"inputs": {"token_type_ids": "segment_ids"}}`, nil, []string{`graph input "token_type_ids" cannot be fed`}},
		{"missing output", `{"task": "feature-extraction", "max_length": 128, "pooling": "mean",
			"outputs": {"last_hidden_state": "hidden"}}`, nil, []string{`no output "hidden"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := modelFolder(t, tc.config, tc.skip...)
			m, err := Load(dir, testOptions)
			if err == nil {
				m.Close()
				t.Fatal("loaded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadAllServesEveryConfiguredFolder(t *testing.T) {
	dir := modelFolder(t, goodConfig)
	root := filepath.Dir(dir)
	if err := os.Mkdir(filepath.Join(root, "not-a-model"), 0o755); err != nil {
		t.Fatal(err)
	}
	reg, err := LoadAll(root, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if n := len(reg.Models()); n != 1 {
		t.Fatalf("%d models", n)
	}
	m := reg.Models()[0]
	if m.Config.Name != "minilm" || m.Dimension != 384 {
		t.Errorf("name %q dimension %d", m.Config.Name, m.Dimension)
	}
	if e, err := reg.Embedder(""); err != nil || e.Model != "minilm" {
		t.Errorf("default embedder: %v %v", e, err)
	}
	if _, err := reg.Embedder("other"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown model: %v", err)
	}
}

func TestLoadAllRefusesAnEmptyFolder(t *testing.T) {
	if _, err := LoadAll(t.TempDir(), testOptions); err == nil || !strings.Contains(err.Error(), "no model") {
		t.Fatalf("err = %v", err)
	}
}
