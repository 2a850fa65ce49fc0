package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bertserve/bertserve/internal/testenv"
)

// scoreTolerance is how far a score may be from the reference pipeline's: ONNX Runtime and
// PyTorch round differently, and the server scores in float64 where numpy used float32.
const scoreTolerance = 1e-4

// tieTolerance is how close two scores of a ranked list must be for their order to be a matter of
// rounding: the tiny random models score labels almost uniformly, and float32 ties (numpy) are not
// float64 ties (the server). Such items may trade places, and trade with an item just past a top_k
// cut; nothing else may.
const tieTolerance = 1e-6

// raceSample is the share of cases posted under the race detector: one in raceSample.
const raceSample = 10

// golden is one testdata/pipelines/<model>.json.gz, written by scripts/gen_pipeline_goldens.py:
// requests for one model and the results Hugging Face's pipeline gave for them.
type golden struct {
	Model    string            `json:"model"`
	Task     string            `json:"task"`
	Endpoint string            `json:"endpoint"`
	Versions map[string]string `json:"versions"`
	Export   map[string]string `json:"export"` // sha256 of the exported files the goldens came from
	Cases    []struct {
		Name     string          `json:"name"`
		Request  json.RawMessage `json:"request"`
		Expected json.RawMessage `json:"expected"`
	} `json:"cases"`
}

func loadGoldens(t *testing.T) []golden {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testenv.Root(), "testdata", "pipelines", "*.json.gz"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no goldens in testdata/pipelines (%v)", err)
	}
	var out []golden
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var g golden
		if err := json.NewDecoder(zr).Decode(&g); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		f.Close()
		out = append(out, g)
	}
	return out
}

// testExports is the folder of tiny exported models, $BERTSERVE_TEST_EXPORTS or where `make
// test-exports` puts them; the test skips when it is absent, unless BERTSERVE_REQUIRE_SETUP=1.
func testExports(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BERTSERVE_TEST_EXPORTS")
	if dir == "" {
		dir = filepath.Join(testenv.Root(), ".cache", "test-exports")
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("BERTSERVE_REQUIRE_SETUP") == "1" {
			t.Fatalf("test exports %s missing (run `make test-exports`): %v", dir, err)
		}
		t.Skipf("test exports %s missing (run `make test-exports`)", dir)
	}
	return dir
}

// startModels runs the real program on the model folders named, linked into a fresh models
// folder, and returns its URL; it stops when the test ends.
func startModels(t *testing.T, exports string, names []string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		src := filepath.Join(exports, name)
		if _, err := os.Stat(filepath.Join(src, "bertserve.json")); err != nil {
			t.Fatalf("%s missing from the test exports (run `make test-exports`): %v", name, err)
		}
		if err := os.Symlink(src, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return startServerWith(t, map[string]string{"BERTSERVE_MODELS": dir})
}

// TestTaskEndpointsMatchHuggingFacePipelines posts every golden request to the tiny exported
// models and requires the reference pipeline's results: labels, entity groups, words, answers,
// tokens and character offsets identical, scores within scoreTolerance.
func TestTaskEndpointsMatchHuggingFacePipelines(t *testing.T) {
	exports := testExports(t)
	goldens := loadGoldens(t)
	var names []string
	for _, g := range goldens {
		names = append(names, g.Model)
	}
	url := startModels(t, exports, names)
	for _, g := range goldens {
		t.Run(g.Model, func(t *testing.T) {
			checkExportFingerprint(t, exports, g)
			var worst float64
			var ties int
			var failed []string
			cases := g.Cases
			if raceEnabled {
				cases = nil
				for i, c := range g.Cases {
					if i%raceSample == 0 {
						cases = append(cases, c)
					}
				}
			}
			for _, c := range cases {
				got, err := postRaw(url+g.Endpoint, c.Request)
				if err != nil {
					failed = append(failed, fmt.Sprintf("case %q: %v\n  request: %s", c.Name, err, c.Request))
					continue
				}
				var want, have any
				if err := json.Unmarshal(c.Expected, &want); err != nil {
					t.Fatalf("case %q: bad golden: %v", c.Name, err)
				}
				if err := json.Unmarshal(got, &have); err != nil {
					t.Fatalf("case %q: %v", c.Name, err)
				}
				d := &differ{}
				d.compare("results", want, have)
				worst = math.Max(worst, d.maxScoreDiff)
				ties += d.tieSwaps
				if d.first != "" {
					if len(failed) == 0 {
						failed = append(failed, fmt.Sprintf("case %q: %s\n  request:  %s\n  expected: %.2000s\n  got:      %.2000s",
							c.Name, d.first, c.Request, c.Expected, got))
					} else {
						failed = append(failed, fmt.Sprintf("case %q: %.300s", c.Name, d.first))
					}
				}
			}
			n := len(cases)
			if raceEnabled {
				t.Logf("race detector on: every %dth case (make test-parity runs them all)", raceSample)
			}
			t.Logf("%s %s: %d/%d cases identical (%.1f%%), max score diff %.2g, %d near-tie reorders (transformers %s, sentence-transformers %s)",
				g.Model, g.Endpoint, n-len(failed), n, 100*float64(n-len(failed))/float64(n), worst, ties,
				g.Versions["transformers"], g.Versions["sentence-transformers"])
			if len(failed) > 0 {
				more := ""
				if len(failed) > 1 {
					more = "\nthe others:\n  " + strings.Join(failed[1:min(len(failed), 21)], "\n  ")
				}
				t.Errorf("%d of %d cases differ from the reference pipeline; the first:\n%s%s", len(failed), n, failed[0], more)
			}
		})
	}
}

// checkExportFingerprint notes when the exported files are not the ones the goldens were made
// from: the weights are seeded, so a difference points at the export, not at the server.
func checkExportFingerprint(t *testing.T, exports string, g golden) {
	t.Helper()
	for file, want := range g.Export {
		data, err := os.ReadFile(filepath.Join(exports, g.Model, file))
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256Hex(data); got != want {
			t.Logf("%s/%s differs from the file the goldens were generated from (sha256 %s, want %s)", g.Model, file, got, want)
		}
	}
}

// postRaw posts body and returns the response's results, or an error naming the status.
func postRaw(url string, body []byte) (json.RawMessage, error) {
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, data)
	}
	var out struct {
		Results json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%v in %s", err, data)
	}
	return out.Results, nil
}

// differ walks two JSON documents and remembers the first difference and the largest score
// difference. Numbers under a "score" or "scores" key may differ by scoreTolerance; everything
// else must be identical.
type differ struct {
	first        string
	maxScoreDiff float64
	tieSwaps     int
}

func (d *differ) fail(format string, args ...any) {
	if d.first == "" {
		d.first = fmt.Sprintf(format, args...)
	}
}

func (d *differ) compare(path string, want, got any) {
	d.compareKey(path, "", want, got)
}

func (d *differ) compareKey(path, key string, want, got any) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			d.fail("%s: got %s, want an object", path, short(got))
			return
		}
		if labels, ok := w["labels"].([]any); ok {
			// Zero-shot: labels and scores are parallel lists, ranked together.
			w, g = rankedPairs(w, labels), rankedPairs(g, asList(g["labels"]))
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				d.fail("%s.%s missing", path, k)
				continue
			}
			d.compareKey(path+"."+k, k, w[k], gv)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				d.fail("%s.%s = %s is not in the reference", path, k, short(g[k]))
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			d.fail("%s: got %s, want a list", path, short(got))
			return
		}
		w = trimZeroScores(w, len(g))
		if len(g) != len(w) {
			d.fail("%s: %d items, want %d", path, len(g), len(w))
		}
		w = d.alignTies(w, g)
		for i := range min(len(w), len(g)) {
			d.compareKey(fmt.Sprintf("%s[%d]", path, i), key, w[i], g[i])
		}
	case float64:
		g, ok := got.(float64)
		if !ok {
			d.fail("%s: got %s, want %v", path, short(got), w)
			return
		}
		if key == "score" || key == "scores" {
			diff := math.Abs(g - w)
			d.maxScoreDiff = math.Max(d.maxScoreDiff, diff)
			if diff > scoreTolerance {
				d.fail("%s = %.7g, want %.7g (differs by %.2g)", path, g, w, diff)
			}
		} else if g != w {
			d.fail("%s = %v, want %v", path, g, w)
		}
	default:
		if !equalJSON(want, got) {
			d.fail("%s = %s, want %s", path, short(got), short(want))
		}
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func short(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// alignTies returns want with items reordered to match got wherever the swapped items' scores are
// within tieTolerance (want is ranked, best first); an item of got missing from want altogether
// may stand in for one of want's last tied items (a tie across a top_k cut).
func (d *differ) alignTies(want, got []any) []any {
	w := append([]any(nil), want...)
	for i := range min(len(w), len(got)) {
		id := identity(got[i])
		si, ok := scoreOf(w[i])
		if !ok || identity(w[i]) == id {
			continue
		}
		found := false
		for j := i + 1; j < len(w); j++ {
			sj, _ := scoreOf(w[j])
			if math.Abs(sj-si) > tieTolerance {
				break
			}
			if identity(w[j]) == id {
				w[i], w[j] = w[j], w[i]
				d.tieSwaps++
				found = true
				break
			}
		}
		if found || !tiedToEnd(w, i) {
			continue
		}
		if sg, ok := scoreOf(got[i]); ok && math.Abs(sg-si) <= tieTolerance && !containsID(w, id) {
			stand := map[string]any{}
			for k, v := range got[i].(map[string]any) {
				stand[k] = v
			}
			stand["score"] = si
			w[i] = stand
			d.tieSwaps++
		}
	}
	return w
}

// tiedToEnd reports whether every item of w from i on scores within tieTolerance of w[i].
func tiedToEnd(w []any, i int) bool {
	si, _ := scoreOf(w[i])
	for _, x := range w[i+1:] {
		if s, _ := scoreOf(x); math.Abs(s-si) > tieTolerance {
			return false
		}
	}
	return true
}

func containsID(w []any, id string) bool {
	for _, x := range w {
		if identity(x) == id {
			return true
		}
	}
	return false
}

// identity is an item of a ranked list without its score.
func identity(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return short(v)
	}
	rest := map[string]any{}
	for k, x := range m {
		if k != "score" {
			rest[k] = x
		}
	}
	b, _ := json.Marshal(rest)
	return string(b)
}

func scoreOf(v any) (float64, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return 0, false
	}
	s, ok := m["score"].(float64)
	return s, ok
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// rankedPairs replaces an object's parallel labels and scores lists by one list of
// {label, score} items, so that ties are aligned as in any ranked list.
func rankedPairs(obj map[string]any, labels []any) map[string]any {
	scores := asList(obj["scores"])
	out := map[string]any{}
	for k, v := range obj {
		if k != "labels" && k != "scores" {
			out[k] = v
		}
	}
	ranked := make([]any, len(labels))
	for i, l := range labels {
		item := map[string]any{"label": l}
		if i < len(scores) {
			item["score"] = scores[i]
		}
		ranked[i] = item
	}
	out["ranked"] = ranked
	return out
}

// trimZeroScores drops the items past n of a ranked list when every one of them scores exactly 0.
// When fewer spans than top_k have any probability, the question-answering pipeline fills its
// top_k with spans of probability 0 picked by numpy's argpartition (an arbitrary choice among
// ties); the server returns only the spans that can be the answer.
func trimZeroScores(w []any, n int) []any {
	if n >= len(w) {
		return w
	}
	for _, x := range w[n:] {
		if s, ok := scoreOf(x); !ok || s != 0 {
			return w
		}
	}
	return w[:n]
}
