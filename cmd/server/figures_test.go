package main

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/bertserve/bertserve/internal/testenv"
)

// figureTolerance is how far, in points, the server's whole-dataset figure may be from the
// reference pipeline's on the same weights.
const figureTolerance = 0.2

// figure is one testdata/pipelines/figures/<model>.json, written by
// `scripts/gen_pipeline_goldens.py figures`: a metric of the reference pipeline on a whole data set.
type figure struct {
	Model  string            `json:"model"`
	Folder string            `json:"folder"` // test-exports (tiny models) or models (real ones)
	Task   string            `json:"task"`
	Data   string            `json:"data"`
	N      int               `json:"n"`
	Params map[string]any    `json:"params"`
	Export map[string]string `json:"export"` // sha256 of the exported files the figure came from
	// One of these, by task.
	Accuracy   *float64 `json:"accuracy"`
	F1         *float64 `json:"f1"`
	ExactMatch *float64 `json:"exact_match"`
}

// TestTaskFiguresMatchHuggingFacePipelines computes sentiment accuracy on SST-2 dev, entity F1 on
// CoNLL-2003 testa and EM/F1 on the SQuAD sample through the HTTP API, and requires the reference
// pipeline's figure on the same weights within figureTolerance points. Figures of real models
// (models/<name>) are checked when the model folder is there.
func TestTaskFiguresMatchHuggingFacePipelines(t *testing.T) {
	if raceEnabled {
		t.Skip("whole data sets are too slow under the race detector; make test-parity runs this test")
	}
	paths, _ := filepath.Glob(filepath.Join(testenv.Root(), "testdata", "pipelines", "figures", "*.json"))
	if len(paths) == 0 {
		t.Fatal("no figures in testdata/pipelines/figures")
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f figure
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		t.Run(f.Model, func(t *testing.T) {
			var dir string
			switch f.Folder {
			case "test-exports":
				dir = testExports(t)
			case "models":
				dir = os.Getenv("BERTSERVE_REAL_MODELS") // another folder than models/, to check a figure before installing the model
				if dir == "" {
					dir = filepath.Join(testenv.Root(), "models")
				}
				if _, err := os.Stat(filepath.Join(dir, f.Model, "bertserve.json")); err != nil {
					t.Skipf("%s is not installed in %s", f.Model, dir)
				}
			default:
				t.Fatalf("unknown folder %q", f.Folder)
			}
			for file, want := range f.Export {
				data, err := os.ReadFile(filepath.Join(dir, f.Model, file))
				if err != nil {
					t.Fatal(err)
				}
				if got := sha256Hex(data); got != want {
					if f.Folder == "models" {
						t.Fatalf("%s/%s is not the file the reference figure was computed with (sha256 %s, want %s): "+
							"regenerate it with scripts/gen_pipeline_goldens.py figures --real", f.Model, file, got, want)
					}
					t.Logf("%s/%s differs from the file the figure was computed with (sha256 %s, want %s)", f.Model, file, got, want)
				}
			}
			url := startModels(t, dir, []string{f.Model})
			switch f.Task {
			case "text-classification":
				checkFigure(t, "accuracy", sentimentAccuracy(t, url, modelLabels(t, dir, f.Model), f), f.Accuracy)
			case "token-classification":
				checkFigure(t, "entity F1", nerF1(t, url, f), f.F1)
			case "question-answering":
				em, f1 := squadScores(t, url, f)
				checkFigure(t, "exact match", em, f.ExactMatch)
				checkFigure(t, "F1", f1, f.F1)
			default:
				t.Fatalf("no figure for task %q", f.Task)
			}
		})
	}
}

func checkFigure(t *testing.T, name string, got float64, want *float64) {
	t.Helper()
	if want == nil {
		t.Fatalf("the reference has no %s", name)
	}
	t.Logf("%s: server %.4f, reference pipeline %.4f", name, got, *want)
	if math.Abs(got-*want) > figureTolerance {
		t.Errorf("%s %.4f differs from the reference pipeline's %.4f by more than %.1f points", name, got, *want, figureTolerance)
	}
}

// postResults posts body to url and decodes the response's results into out.
func postResults(t *testing.T, url string, body map[string]any, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := postRaw(url, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
}

func sentimentAccuracy(t *testing.T, url string, labels map[int]string, f figure) float64 {
	var texts []string
	var gold []int
	lines := readLines(t, f.Data)
	for _, l := range lines[1:] {
		i := strings.LastIndex(l, "\t")
		y, err := strconv.Atoi(l[i+1:])
		if err != nil {
			t.Fatalf("%s: bad row %q", f.Data, l)
		}
		texts, gold = append(texts, l[:i]), append(gold, y)
	}
	right := 0
	for i := 0; i < len(texts); i += 128 {
		var res [][]LabelScoreJSON
		postResults(t, url+"/v1/classify", map[string]any{"inputs": texts[i:min(i+128, len(texts))], "model": f.Model}, &res)
		for k, r := range res {
			if r[0].Label == labels[gold[i+k]] {
				right++
			}
		}
	}
	if len(texts) != f.N {
		t.Fatalf("%d sentences, the reference read %d", len(texts), f.N)
	}
	return 100 * float64(right) / float64(len(texts))
}

// LabelScoreJSON is one label of a /v1/classify answer.
type LabelScoreJSON struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// modelLabels is the id2label of the model's bertserve.json.
func modelLabels(t *testing.T, dir, model string) map[int]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, model, "bertserve.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ID2Label map[string]string `json:"id2label"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	labels := map[int]string{}
	for k, v := range cfg.ID2Label {
		i, err := strconv.Atoi(k)
		if err != nil {
			t.Fatalf("%s: id2label key %q", model, k)
		}
		labels[i] = v
	}
	return labels
}

type span struct {
	kind        string
	first, last int
}

// nerF1 is entity-level F1, exact span and type, of the server's entity groups against CoNLL's
// IOB1 tags (converted to IOB2): an entity covers the words that start inside it.
func nerF1(t *testing.T, url string, f figure) float64 {
	sents := readCoNLL(t, f.Data)
	if len(sents) != f.N {
		t.Fatalf("%d sentences, the reference read %d", len(sents), f.N)
	}
	var tp, npred, ngold int
	for i := 0; i < len(sents); i += 64 {
		batch := sents[i:min(i+64, len(sents))]
		texts := make([]string, len(batch))
		for k, s := range batch {
			texts[k] = strings.Join(s.words, " ")
		}
		body := map[string]any{"inputs": texts, "model": f.Model}
		for k, v := range f.Params {
			body[k] = v
		}
		var res [][]struct {
			EntityGroup string `json:"entity_group"`
			Start       int    `json:"start"`
			End         int    `json:"end"`
		}
		postResults(t, url+"/v1/ner", body, &res)
		for k, s := range batch {
			starts := make([]int, len(s.words))
			pos := 0
			for w, word := range s.words {
				starts[w] = pos
				pos += len([]rune(word)) + 1
			}
			pred := map[span]bool{}
			for _, e := range res[k] {
				first, last := -1, -1
				for w, st := range starts {
					if e.Start <= st && st < e.End {
						if first < 0 {
							first = w
						}
						last = w
					}
				}
				if first >= 0 {
					pred[span{e.EntityGroup, first, last}] = true
				}
			}
			gold := spansFromTags(s.tags)
			for sp := range pred {
				if gold[sp] {
					tp++
				}
			}
			npred, ngold = npred+len(pred), ngold+len(gold)
		}
	}
	var p, r float64
	if npred > 0 {
		p = float64(tp) / float64(npred)
	}
	if ngold > 0 {
		r = float64(tp) / float64(ngold)
	}
	if p+r == 0 {
		return 0
	}
	return 100 * 2 * p * r / (p + r)
}

type conllSentence struct{ words, tags []string }

func readCoNLL(t *testing.T, rel string) []conllSentence {
	var out []conllSentence
	var cur conllSentence
	flush := func() {
		if len(cur.words) > 0 {
			cur.tags = iob1ToIOB2(cur.tags)
			out = append(out, cur)
		}
		cur = conllSentence{}
	}
	for _, l := range readLines(t, rel) {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "-DOCSTART-") {
			flush()
			continue
		}
		cols := strings.Fields(l)
		cur.words, cur.tags = append(cur.words, cols[0]), append(cur.tags, cols[len(cols)-1])
	}
	flush()
	return out
}

func iob1ToIOB2(tags []string) []string {
	out := make([]string, len(tags))
	for i, tag := range tags {
		if strings.HasPrefix(tag, "I-") && (i == 0 || tags[i-1] == "O" || tags[i-1][2:] != tag[2:]) {
			tag = "B-" + tag[2:]
		}
		out[i] = tag
	}
	return out
}

// spansFromTags is the IOB2 chunks of tags.
func spansFromTags(tags []string) map[span]bool {
	spans := map[span]bool{}
	start, kind := -1, ""
	for i, tag := range append(append([]string(nil), tags...), "O") {
		if start >= 0 && (tag == "O" || strings.HasPrefix(tag, "B-") || tag[2:] != kind) {
			spans[span{kind, start, i - 1}] = true
			start = -1
		}
		if tag != "O" && start < 0 {
			start, kind = i, tag[2:]
		}
	}
	return spans
}

// squadScores is SQuAD v1.1's exact match and F1 (×100) of the server's best answers.
func squadScores(t *testing.T, url string, f figure) (float64, float64) {
	data, err := os.ReadFile(testenv.SharedData(t, f.Data))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Data []struct {
			Paragraphs []struct {
				Context string `json:"context"`
				QAs     []struct {
					Question string `json:"question"`
					Answers  []struct {
						Text string `json:"text"`
					} `json:"answers"`
				} `json:"qas"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	type item struct {
		q, c    string
		answers []string
	}
	var items []item
	for _, a := range doc.Data {
		for _, p := range a.Paragraphs {
			for _, qa := range p.QAs {
				it := item{q: qa.Question, c: p.Context}
				for _, ans := range qa.Answers {
					it.answers = append(it.answers, ans.Text)
				}
				items = append(items, it)
			}
		}
	}
	if len(items) != f.N {
		t.Fatalf("%d questions, the reference read %d", len(items), f.N)
	}
	var em, f1 float64
	for i := 0; i < len(items); i += 32 {
		batch := items[i:min(i+32, len(items))]
		inputs := make([]map[string]string, len(batch))
		for k, it := range batch {
			inputs[k] = map[string]string{"question": it.q, "context": it.c}
		}
		var res [][]struct {
			Answer string `json:"answer"`
		}
		postResults(t, url+"/v1/qa", map[string]any{"inputs": inputs, "model": f.Model}, &res)
		for k, it := range batch {
			pred := ""
			if len(res[k]) > 0 {
				pred = res[k][0].Answer
			}
			e, s := squadScore(pred, it.answers)
			em, f1 = em+e, f1+s
		}
	}
	n := float64(len(items))
	return 100 * em / n, 100 * f1 / n
}

// squadScore is the exact match and token F1 of prediction against the best gold answer.
func squadScore(prediction string, answers []string) (em, f1 float64) {
	p := strings.Fields(normalizeAnswer(prediction))
	for _, a := range answers {
		g := strings.Fields(normalizeAnswer(a))
		if reflect.DeepEqual(p, g) || len(p) == 0 && len(g) == 0 {
			em = 1
		}
		counts := map[string]int{}
		for _, w := range g {
			counts[w]++
		}
		common := 0
		for _, w := range p {
			if counts[w] > 0 {
				counts[w]--
				common++
			}
		}
		if common > 0 {
			prec, rec := float64(common)/float64(len(p)), float64(common)/float64(len(g))
			f1 = math.Max(f1, 2*prec*rec/(prec+rec))
		}
	}
	return em, f1
}

// normalizeAnswer is SQuAD v1.1's: lower case, ASCII punctuation removed, articles removed,
// spaces collapsed.
func normalizeAnswer(s string) string {
	const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(asciiPunct, r) {
			return -1
		}
		return r
	}, strings.ToLower(s))
	return strings.Join(strings.Fields(removeArticles(s)), " ")
}

// removeArticles replaces a, an and the by a space where Python's \b(a|an|the)\b matches: not
// next to a word character (a letter, a number or _).
func removeArticles(s string) string {
	isWord := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		if i == 0 || !isWord(rs[i-1]) {
			n := 0
			for _, a := range []string{"the", "an", "a"} {
				k := i + len(a)
				if k <= len(rs) && string(rs[i:k]) == a && (k == len(rs) || !isWord(rs[k])) {
					n = len(a)
					break
				}
			}
			if n > 0 {
				b.WriteByte(' ')
				i += n
				continue
			}
		}
		b.WriteRune(rs[i])
		i++
	}
	return b.String()
}

func readLines(t *testing.T, rel string) []string {
	t.Helper()
	f, err := os.Open(testenv.SharedData(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
