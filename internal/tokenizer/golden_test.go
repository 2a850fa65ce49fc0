package tokenizer

import (
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// The goldens were produced by scripts/gen_tokenizer_goldens.py with the reference library.

type goldenFile struct {
	Version    string                  `json:"tokenizers_version"`
	Texts      []goldenText            `json:"texts"`
	Tokenizers map[string][]goldenCase `json:"tokenizers"`
	resolved   []string
	missing    []bool
}

type goldenText struct {
	T *string `json:"t"`
	X string  `json:"x"` // hex of raw bytes, possibly invalid UTF-8
	F string  `json:"f"`
	L int     `json:"l"`
	C int     `json:"c"`
}

type goldenOpts struct {
	AddSpecialTokens bool `json:"add_special_tokens"`
	Truncation       *struct {
		MaxLength int    `json:"max_length"`
		Stride    int    `json:"stride"`
		Strategy  string `json:"strategy"`
		Direction string `json:"direction"`
	} `json:"truncation"`
	Padding *struct {
		Length          int    `json:"length"`
		Direction       string `json:"direction"`
		PadToMultipleOf int    `json:"pad_to_multiple_of"`
		PadID           int    `json:"pad_id"`
		PadTypeID       int    `json:"pad_type_id"`
		PadToken        string `json:"pad_token"`
	} `json:"padding"`
}

func (g goldenOpts) options() Options {
	o := Options{AddSpecialTokens: g.AddSpecialTokens}
	if t := g.Truncation; t != nil {
		o.Truncation = &Truncation{MaxLength: t.MaxLength, Stride: t.Stride, Strategy: t.Strategy, Direction: t.Direction}
	}
	if p := g.Padding; p != nil {
		o.Padding = &Padding{Length: p.Length, Direction: p.Direction, PadToMultipleOf: p.PadToMultipleOf,
			PadID: p.PadID, PadTypeID: p.PadTypeID, PadToken: p.PadToken}
	}
	return o
}

type goldenEncoding struct {
	IDs               []int             `json:"ids"`
	TypeIDs           []int             `json:"type_ids"`
	TokenOverrides    map[string]string `json:"token_overrides"` // where a token is not its id's vocabulary entry
	AttentionMask     []int             `json:"attention_mask"`
	SpecialTokensMask []int             `json:"special_tokens_mask"`
	WordIDs           []int             `json:"word_ids"`
	SequenceIDs       []int             `json:"sequence_ids"`
	Offsets           []int             `json:"offsets"` // flattened character offsets
	Overflowing       []*goldenEncoding `json:"overflowing"`
}

type goldenCase struct {
	Kind        string            `json:"kind"`
	Opts        goldenOpts        `json:"opts"`
	Text        *int              `json:"text"`
	Pair        *int              `json:"pair"`
	Batch       [][2]*int         `json:"batch"`
	Encoding    *goldenEncoding   `json:"encoding"`
	Encodings   []*goldenEncoding `json:"encodings"`
	Decoded     *string           `json:"decoded"`
	DecodedSkip *string           `json:"decoded_skip"`
	Error       *string           `json:"error"`
}

var (
	goldensOnce sync.Once
	goldens     *goldenFile
	goldensErr  error
)

// sharedDataDir is ../shared/data relative to the repository root.
var sharedDataDir = filepath.Join("..", "..", "..", "shared", "data")

func loadGoldens(t testing.TB) *goldenFile {
	t.Helper()
	goldensOnce.Do(func() {
		f, err := os.Open(filepath.Join("testdata", "goldens.json.gz"))
		if err != nil {
			goldensErr = err
			return
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			goldensErr = err
			return
		}
		var g goldenFile
		if err := json.NewDecoder(zr).Decode(&g); err != nil {
			goldensErr = err
			return
		}
		files := map[string][]string{}
		g.resolved = make([]string, len(g.Texts))
		g.missing = make([]bool, len(g.Texts))
		for i, ref := range g.Texts {
			if ref.T != nil {
				g.resolved[i] = *ref.T
				continue
			}
			if ref.X != "" {
				raw, err := hex.DecodeString(ref.X)
				if err != nil {
					goldensErr = err
					return
				}
				g.resolved[i] = string(raw)
				continue
			}
			lines, ok := files[ref.F]
			if !ok {
				data, err := os.ReadFile(filepath.Join(sharedDataDir, ref.F))
				if err == nil {
					lines = strings.Split(string(data), "\n")
				}
				files[ref.F] = lines
			}
			if ref.L >= len(lines) {
				g.missing[i] = true
				continue
			}
			g.resolved[i] = corpusText(lines[ref.L], ref.C)
		}
		goldens = &g
	})
	if goldensErr != nil {
		t.Fatalf("load goldens: %v", goldensErr)
	}
	return goldens
}

// corpusText mirrors resolve() in the generator.
func corpusText(line string, col int) string {
	if col < 0 {
		_, after, _ := strings.Cut(line, "# ")
		return after
	}
	cols := strings.Split(line, "\t")
	if col >= len(cols) {
		return ""
	}
	return cols[col]
}

func loadTestTokenizer(t testing.TB, name string) *Tokenizer {
	t.Helper()
	tk, err := FromFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestEncodingsMatchReferenceLibrary(t *testing.T) {
	g := loadGoldens(t)
	skipped := 0
	for _, m := range g.missing {
		if m {
			skipped++
		}
	}
	if skipped > 0 {
		t.Logf("%d corpus texts not found under %s; their cases are skipped", skipped, sharedDataDir)
	}
	for name, cases := range g.Tokenizers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tk := loadTestTokenizer(t, name)
			ran, failed := 0, 0
			for i := range cases {
				c := &cases[i]
				if !g.available(c) || (raceEnabled && i%10 != 0) {
					continue
				}
				ran++
				if msg := checkCase(tk, g, c); msg != "" {
					failed++
					if failed <= 10 {
						t.Errorf("case %d (%s): %s", i, c.describe(g), msg)
					}
				}
			}
			t.Logf("%s: %d/%d cases identical (tokenizers %s)", name, ran-failed, ran, g.Version)
			if failed > 0 {
				t.Errorf("%d of %d cases differ", failed, ran)
			}
		})
	}
}

func (g *goldenFile) available(c *goldenCase) bool {
	for _, i := range c.textIndexes() {
		if g.missing[i] {
			return false
		}
	}
	return true
}

func (c *goldenCase) textIndexes() []int {
	var out []int
	if c.Text != nil {
		out = append(out, *c.Text)
	}
	if c.Pair != nil {
		out = append(out, *c.Pair)
	}
	for _, b := range c.Batch {
		for _, p := range b {
			if p != nil {
				out = append(out, *p)
			}
		}
	}
	return out
}

func (c *goldenCase) describe(g *goldenFile) string {
	var parts []string
	for _, i := range c.textIndexes() {
		s := g.resolved[i]
		if len(s) > 60 {
			s = s[:60] + "..."
		}
		parts = append(parts, fmt.Sprintf("%q", s))
	}
	opts, _ := json.Marshal(c.Opts)
	return fmt.Sprintf("%s %s %s", c.Kind, strings.Join(parts, " + "), opts)
}

// checkCase runs one golden case and describes the first difference, or returns "".
func checkCase(tk *Tokenizer, g *goldenFile, c *goldenCase) string {
	o := c.Opts.options()
	var got []*Encoding
	var texts [][2]string
	var err error
	switch c.Kind {
	case "batch":
		inputs := make([]Input, len(c.Batch))
		for i, b := range c.Batch {
			inputs[i] = Input{Text: g.resolved[*b[0]]}
			if b[1] != nil {
				inputs[i].Pair, inputs[i].IsPair = g.resolved[*b[1]], true
			}
			texts = append(texts, [2]string{inputs[i].Text, inputs[i].Pair})
		}
		got, err = tk.EncodeBatch(inputs, o)
	case "defaults":
		var e *Encoding
		text := g.resolved[*c.Text]
		e, err = tk.Encode(text, tk.DefaultOptions())
		got, texts = []*Encoding{e}, [][2]string{{text, ""}}
	default:
		var e *Encoding
		text := g.resolved[*c.Text]
		if c.Pair != nil {
			pair := g.resolved[*c.Pair]
			e, err = tk.EncodePair(text, pair, o)
			texts = [][2]string{{text, pair}}
		} else {
			e, err = tk.Encode(text, o)
			texts = [][2]string{{text, ""}}
		}
		got = []*Encoding{e}
	}
	if c.Error != nil {
		if err == nil {
			return "expected an error like the library's: " + *c.Error
		}
		return ""
	}
	if err != nil {
		return "unexpected error: " + err.Error()
	}
	want := c.Encodings
	if c.Encoding != nil {
		want = []*goldenEncoding{c.Encoding}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d encodings, want %d", len(got), len(want))
	}
	for i := range want {
		// Offsets refer to the text after invalid UTF-8 was replaced.
		if msg := compareEncoding(tk, got[i], want[i], sanitize(texts[i][0]), sanitize(texts[i][1]), "encoding"); msg != "" {
			if len(want) > 1 {
				msg = fmt.Sprintf("batch item %d: %s", i, msg)
			}
			return msg
		}
	}
	if c.Decoded != nil {
		if d := tk.Decode(got[0].IDs, false); d != *c.Decoded {
			return fmt.Sprintf("decode: got %q, want %q", d, *c.Decoded)
		}
	}
	if c.DecodedSkip != nil {
		if d := tk.Decode(got[0].IDs, true); d != *c.DecodedSkip {
			return fmt.Sprintf("decode skipping special tokens: got %q, want %q", d, *c.DecodedSkip)
		}
	}
	return ""
}

// compareEncoding compares every field and reports the first differing token.
func compareEncoding(tk *Tokenizer, got *Encoding, want *goldenEncoding, text, pair, where string) string {
	wantTokens := make([]string, len(want.IDs))
	for i, id := range want.IDs {
		if t, ok := want.TokenOverrides[strconv.Itoa(i)]; ok {
			wantTokens[i] = t
		} else if wantTokens[i], ok = tk.IDToToken(id); !ok {
			return fmt.Sprintf("%s: id %d at %d has no token", where, id, i)
		}
	}
	wantOffs := make([]Offset, len(want.Offsets)/2)
	for i := range wantOffs {
		wantOffs[i] = Offset{want.Offsets[2*i], want.Offsets[2*i+1]}
	}
	fields := []struct {
		name      string
		got, want any
	}{
		{"ids", got.IDs, want.IDs},
		{"tokens", got.Tokens, wantTokens},
		{"type_ids", got.TypeIDs, want.TypeIDs},
		{"attention_mask", got.AttentionMask, want.AttentionMask},
		{"special_tokens_mask", got.SpecialTokensMask, want.SpecialTokensMask},
		{"word_ids", got.WordIDs, want.WordIDs},
		{"sequence_ids", got.SequenceIDs, want.SequenceIDs},
		{"char offsets", got.CharOffsets(text, pair), wantOffs},
	}
	for _, f := range fields {
		if reflect.DeepEqual(f.got, f.want) || reflect.ValueOf(f.got).Len()+reflect.ValueOf(f.want).Len() == 0 {
			continue
		}
		return fmt.Sprintf("%s: %s differ%s", where, f.name, firstDifference(f.got, f.want, got.Tokens, wantTokens))
	}
	// Byte offsets: the library's byte offsets are its character offsets mapped back to bytes,
	// wherever a token starts and ends on character boundaries (always, except for byte-level
	// tokens that cut a character).
	for i, o := range got.Offsets {
		src := text
		if got.source[i] == 1 {
			src = pair
		}
		w := byteOffset(src, wantOffs[i])
		if w == nil || (o.Start == 0 && o.End == 0) {
			continue
		}
		if *w != o && utf8.ValidString(src[min(o.Start, len(src)):min(o.End, len(src))]) {
			return fmt.Sprintf("%s: byte offsets differ at token %d %q: got %v, want %v", where, i, got.Tokens[i], o, *w)
		}
	}
	if len(got.Overflowing) != len(want.Overflowing) {
		return fmt.Sprintf("%s: %d overflowing windows, want %d", where, len(got.Overflowing), len(want.Overflowing))
	}
	for i := range want.Overflowing {
		if msg := compareEncoding(tk, got.Overflowing[i], want.Overflowing[i], text, pair, fmt.Sprintf("%s.overflowing[%d]", where, i)); msg != "" {
			return msg
		}
	}
	return ""
}

// byteOffset maps a character range of s to bytes; nil when it does not name whole characters.
func byteOffset(s string, o Offset) *Offset {
	var starts []int
	for i := range s {
		starts = append(starts, i)
	}
	starts = append(starts, len(s))
	if o.Start < 0 || o.End < o.Start || o.End >= len(starts) {
		return nil
	}
	return &Offset{starts[o.Start], starts[o.End]}
}

func firstDifference(got, want any, gotTokens, wantTokens []string) string {
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	n := min(g.Len(), w.Len())
	for i := 0; i < n; i++ {
		if !reflect.DeepEqual(g.Index(i).Interface(), w.Index(i).Interface()) {
			return fmt.Sprintf(" first at position %d: got %v, want %v (tokens there: got %q, want %q)\n\tgot  %v\n\twant %v",
				i, g.Index(i).Interface(), w.Index(i).Interface(), at(gotTokens, i), at(wantTokens, i), window(gotTokens, i), window(wantTokens, i))
		}
	}
	return fmt.Sprintf(": lengths %d and %d\n\tgot  %q\n\twant %q", g.Len(), w.Len(), window(gotTokens, n), window(wantTokens, n))
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "<none>"
}

func window(s []string, i int) []string {
	return s[max(0, i-5):min(len(s), i+5)]
}
