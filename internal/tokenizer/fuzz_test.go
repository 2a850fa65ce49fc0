package tokenizer

import (
	"testing"
)

// FuzzEncode checks that any input encodes without panicking and that every token's offsets lie
// inside the text, in order.
func FuzzEncode(f *testing.F) {
	seeds := []string{"", " ", "Hello, world!", "héllo [MASK] wörld", "日本語", "👨\u200d👩\u200d👧", "a\xffb", "\u0301x", "[CLS][SEP]"}
	for _, s := range seeds {
		f.Add(s, "pair text", false)
	}
	var tokenizers []*Tokenizer
	for _, name := range fuzzTokenizers {
		tokenizers = append(tokenizers, loadTestTokenizer(f, name))
	}
	f.Fuzz(func(t *testing.T, text, pair string, isPair bool) {
		if len(text)+len(pair) > 4096 {
			return
		}
		for _, tk := range tokenizers {
			o := Options{AddSpecialTokens: true, Truncation: &Truncation{MaxLength: 32, Stride: 4}}
			if isPair && len(text)+len(pair) > 256 {
				// With longest_first every overflowing window of one input is combined with
				// every window of the other, recursively, as in the library: long pairs only
				// make that step slow, so they are cut on one side.
				o.Truncation.Strategy = "only_second"
			}
			var e *Encoding
			var err error
			if isPair {
				e, err = tk.EncodePair(text, pair, o)
			} else {
				e, err = tk.Encode(text, o)
			}
			if err != nil {
				continue // e.g. both inputs too long for longest_first with this stride
			}
			checkOffsets(t, e, sanitize(text), sanitize(pair))
			for _, o := range e.Overflowing {
				checkOffsets(t, o, sanitize(text), sanitize(pair))
			}
			tk.Decode(e.IDs, true)
		}
	})
}

func checkOffsets(t *testing.T, e *Encoding, text, pair string) {
	t.Helper()
	last := [2]int{}
	for i, o := range e.Offsets {
		seq := e.source[i] // SequenceIDs follow the library's bookkeeping, which overflow windows blur
		if seq < 0 {
			continue
		}
		src := text
		if seq == 1 {
			src = pair
		}
		if o.Start < 0 || o.End < o.Start || o.End > len(src) {
			t.Fatalf("token %d %q: offsets %v outside the %d-byte input %q", i, e.Tokens[i], o, len(src), src)
		}
		if o.Start < last[seq] {
			t.Fatalf("token %d %q: offsets %v go back before %d in %q", i, e.Tokens[i], o, last[seq], src)
		}
		last[seq] = o.Start
	}
}

// FuzzFromBytes checks that no tokenizer.json, however malformed, makes loading or encoding panic.
func FuzzFromBytes(f *testing.F) {
	seeds := []string{
		`{"model":{"type":"WordPiece","vocab":{"a":0,"[UNK]":1}}}`,
		`{"normalizer":{"type":"Sequence","normalizers":[{"type":"NFKC"},{"type":"Lowercase"}]},"pre_tokenizer":{"type":"Metaspace"},"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0],["▁a",-1]]}}`,
		`{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]},"post_processor":{"type":"RobertaProcessing","sep":["</s>",2],"cls":["<s>",0]}}`,
		`{"pre_tokenizer":{"type":"Split","pattern":{"Regex":"\\d+"},"behavior":"MergedWithNext","invert":true},"model":{"type":"WordLevel","vocab":{"x":0},"unk_token":"x"}}`,
		`{"added_tokens":[{"id":5,"content":"[M]","special":true,"lstrip":true,"rstrip":true,"single_word":true}],"model":{"type":"WordPiece","vocab":{"a":0,"[UNK]":1}},"decoder":{"type":"Sequence","decoders":[{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), "a [M] ab 12 x")
	}
	f.Fuzz(func(t *testing.T, data []byte, text string) {
		tk, err := FromBytes(data)
		if err != nil {
			return
		}
		if len(text) > 512 {
			return
		}
		e, err := tk.Encode(text, Options{AddSpecialTokens: true, Padding: &Padding{PadToMultipleOf: 4}})
		if err != nil {
			return
		}
		tk.Decode(e.IDs, false)
	})
}
