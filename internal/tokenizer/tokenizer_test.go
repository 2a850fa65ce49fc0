package tokenizer

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestFromBytesNamesWhatItCannotLoad(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"unknown normalizer", `{"normalizer":{"type":"Frobnicate"},"model":{"type":"WordPiece","vocab":{"a":0}}}`, `"Frobnicate"`},
		{"unknown pre-tokenizer", `{"pre_tokenizer":{"type":"Shred"},"model":{"type":"WordPiece","vocab":{"a":0}}}`, `"Shred"`},
		{"unknown model", `{"model":{"type":"Quantum","vocab":{}}}`, `"Quantum"`},
		{"unknown post-processor", `{"post_processor":{"type":"Glue"},"model":{"type":"WordPiece","vocab":{"a":0}}}`, `"Glue"`},
		{"unknown decoder", `{"decoder":{"type":"Unzip"},"model":{"type":"WordPiece","vocab":{"a":0}}}`, `"Unzip"`},
		{"missing model", `{}`, "missing model"},
		{"not JSON", `{"model":`, "tokenizer.json"},
		{"template with undefined special", `{"model":{"type":"WordPiece","vocab":{"a":0}},"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[X]","type_id":0}}],"pair":[],"special_tokens":{}}}`, `"[X]"`},
		{"wrong field type", `{"model":{"type":"WordPiece","vocab":[1,2]}}`, "vocab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromBytes([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("FromBytes error = %v, want one mentioning %s", err, tt.wantErr)
			}
		})
	}
}

func TestCharOffsetsCountCodePoints(t *testing.T) {
	tests := []struct {
		name string
		text string
		in   []Offset
		want []Offset
	}{
		{"ascii is unchanged", "hello world", []Offset{{0, 5}, {6, 11}}, []Offset{{0, 5}, {6, 11}}},
		{"two-byte letters", "héllo wörld", []Offset{{0, 6}, {7, 13}}, []Offset{{0, 5}, {6, 11}}},
		{"emoji are one character", "a 😀 b", []Offset{{2, 6}, {7, 8}}, []Offset{{2, 3}, {4, 5}}},
		{"special tokens stay at zero", "abc", []Offset{{0, 0}}, []Offset{{0, 0}}},
		{"a range cutting a character snaps to it", "😀", []Offset{{0, 2}, {2, 4}}, []Offset{{0, 0}, {0, 1}}},
		{"an empty range at the end lands on the character count", "é", []Offset{{2, 2}}, []Offset{{1, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CharOffsets(tt.text, tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("CharOffsets(%q, %v) = %v, want %v", tt.text, tt.in, got, tt.want)
			}
		})
	}
}

func TestInvalidUTF8IsReplacedLikePythonDecodeReplace(t *testing.T) {
	// Expected values are Python's bytes.decode("utf-8", "replace").
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\xffb", "a\ufffdb"},
		{"\xe2\x82a", "\ufffda"},
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"},
		{"\xf0\x9f\x98", "\ufffd"},
		{"\xc0\xaf", "\ufffd\ufffd"},
		{"\xf4\x90\x80\x80", "\ufffd\ufffd\ufffd\ufffd"},
		{"ok\xe0\x80\x80", "ok\ufffd\ufffd\ufffd"},
	}
	for _, tt := range tests {
		if got := sanitize(tt.in); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncodeReportsBadOptionsInsteadOfPanicking(t *testing.T) {
	tk := loadTestTokenizer(t, "bert-base-uncased")
	long := strings.Repeat("word ", 50)
	tests := []struct {
		name string
		o    Options
	}{
		{"stride not below the window", Options{AddSpecialTokens: true, Truncation: &Truncation{MaxLength: 8, Stride: 6}}},
		{"unknown strategy", Options{Truncation: &Truncation{MaxLength: 8, Strategy: "middle_out"}}},
		{"unknown padding side", Options{Padding: &Padding{Direction: "up"}}},
		{"only_second without a pair", Options{Truncation: &Truncation{MaxLength: 8, Strategy: "only_second"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tk.Encode(long, tt.o); err == nil {
				t.Fatal("Encode succeeded, want an error")
			}
		})
	}
}

func TestTokenizerAnswersVocabularyQuestions(t *testing.T) {
	tk := loadTestTokenizer(t, "bert-base-uncased")
	if id, ok := tk.TokenToID("[CLS]"); !ok || id != 101 {
		t.Errorf("TokenToID([CLS]) = %d, %v; want 101", id, ok)
	}
	if tok, ok := tk.IDToToken(2023); !ok || tok != "this" {
		t.Errorf("IDToToken(2023) = %q, %v; want this", tok, ok)
	}
	if _, ok := tk.TokenToID("no-such-token-here"); ok {
		t.Error("TokenToID found a token that is not in the vocabulary")
	}
	if n := tk.VocabSize(); n != 30522 {
		t.Errorf("VocabSize = %d, want 30522", n)
	}
	if n, m := tk.NumSpecialTokensToAdd(false), tk.NumSpecialTokensToAdd(true); n != 2 || m != 3 {
		t.Errorf("NumSpecialTokensToAdd = %d, %d; want 2, 3", n, m)
	}
}

func TestDefaultOptionsComeFromTheFile(t *testing.T) {
	o := loadTestTokenizer(t, "all-minilm-l6-v2").DefaultOptions()
	want := Options{
		AddSpecialTokens: true,
		Truncation:       &Truncation{MaxLength: 256, Strategy: "longest_first", Direction: "right"},
		Padding:          &Padding{Direction: "right", PadToMultipleOf: 8, PadToken: "[PAD]"},
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("DefaultOptions = %+v %+v, want %+v %+v", o.Truncation, o.Padding, want.Truncation, want.Padding)
	}
	if o := loadTestTokenizer(t, "bert-base-uncased").DefaultOptions(); o.Truncation != nil || o.Padding != nil {
		t.Fatalf("bert-base-uncased stores no truncation or padding, got %+v", o)
	}
}

func TestDecodeSkipsOnlySpecialTokensWhenAsked(t *testing.T) {
	tk := loadTestTokenizer(t, "bert-base-uncased")
	e, err := tk.Encode("Hello, [MASK] world! It's fine.", Options{AddSpecialTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		skip bool
		want string
	}{
		{false, "[CLS] hello, [MASK] world! it ' s fine. [SEP]"}, // cleanup works token by token
		{true, "hello, world! it ' s fine."},
	}
	for _, tt := range tests {
		if got := tk.Decode(e.IDs, tt.skip); got != tt.want {
			t.Errorf("Decode(skip=%v) = %q, want %q", tt.skip, got, tt.want)
		}
	}
}

func TestEncodeBatchEqualsEncodingOneByOne(t *testing.T) {
	tk := loadTestTokenizer(t, "bert-base-uncased")
	inputs := []Input{
		{Text: "A short one."},
		{Text: "What is the capital of France?", Pair: "Paris is the capital of France.", IsPair: true},
		{Text: strings.Repeat("many words ", 20)},
		{Text: ""},
	}
	o := Options{AddSpecialTokens: true}
	batch, err := tk.EncodeBatch(inputs, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range inputs {
		var e *Encoding
		if in.IsPair {
			e, err = tk.EncodePair(in.Text, in.Pair, o)
		} else {
			e, err = tk.Encode(in.Text, o)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(e.IDs, batch[i].IDs) || !reflect.DeepEqual(e.Offsets, batch[i].Offsets) {
			t.Errorf("input %d: batch gave %v, single gave %v", i, batch[i].Tokens, e.Tokens)
		}
	}
}

func TestConcurrentEncodesDoNotInterfere(t *testing.T) {
	tk := loadTestTokenizer(t, "all-minilm-l6-v2")
	texts := []string{"The quick brown fox.", "Café naïve résumé", "日本語のテキスト", "[MASK] in the middle"}
	want := make([][]int, len(texts))
	for i, s := range texts {
		e, err := tk.Encode(s, tk.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		want[i] = e.IDs
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < 50; k++ {
				i := (g + k) % len(texts)
				e, err := tk.Encode(texts[i], tk.DefaultOptions())
				if err != nil || !reflect.DeepEqual(e.IDs, want[i]) {
					t.Errorf("goroutine %d: %q encoded to %v (%v), want %v", g, texts[i], e.IDs, err, want[i])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestBPEAcceptsBothMergeForms(t *testing.T) {
	const model = `{"type":"BPE","vocab":{"l":0,"o":1,"w":2,"lo":3,"low":4,"[UNK]":5},"unk_token":"[UNK]","merges":%s}`
	tests := []struct{ name, merges string }{
		{"strings", `["l o","lo w"]`},
		{"pairs", `[["l","o"],["lo","w"]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := FromBytes([]byte(`{"pre_tokenizer":{"type":"WhitespaceSplit"},"model":` + fmt.Sprintf(model, tt.merges) + `}`))
			if err != nil {
				t.Fatal(err)
			}
			e, err := tk.Encode("low lowx", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"low", "low", "[UNK]"}; !reflect.DeepEqual(e.Tokens, want) {
				t.Fatalf("tokens = %q, want %q", e.Tokens, want)
			}
		})
	}
}

func TestDropOverflowKeepsOnlyTheFirstWindow(t *testing.T) {
	tk := loadTestTokenizer(t, "bert-base-uncased")
	long := strings.Repeat("one two three four five ", 20)
	for _, strategy := range []string{"longest_first", "only_second"} {
		t.Run(strategy, func(t *testing.T) {
			o := Options{AddSpecialTokens: true, Truncation: &Truncation{MaxLength: 24, Stride: 4, Strategy: strategy}}
			full, err := tk.EncodePair("where is four?", long, o)
			if err != nil {
				t.Fatal(err)
			}
			o.Truncation.DropOverflow = true
			cut, err := tk.EncodePair("where is four?", long, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Overflowing) == 0 || len(cut.Overflowing) != 0 {
				t.Fatalf("overflowing windows: %d with, %d without DropOverflow", len(full.Overflowing), len(cut.Overflowing))
			}
			if !reflect.DeepEqual(full.IDs, cut.IDs) || !reflect.DeepEqual(full.Offsets, cut.Offsets) || !reflect.DeepEqual(full.SequenceIDs, cut.SequenceIDs) {
				t.Fatalf("first window differs:\n%v\n%v", full.Tokens, cut.Tokens)
			}
		})
	}
}
