package tokenizer

import (
	"fmt"
	"unicode/utf8"
)

// vocab maps tokens to ids and back.
type vocab struct {
	ids    map[string]int
	tokens []string // by id; "" where unused
}

// maxVocabID bounds token ids, so that a malformed file cannot make newVocab allocate without end.
const maxVocabID = 1 << 24

// checkVocab rejects ids newVocab cannot index.
func checkVocab(m map[string]int) error {
	for t, id := range m {
		if id < 0 || id >= maxVocabID {
			return fmt.Errorf("vocabulary id %d of %q is out of range", id, t)
		}
	}
	return nil
}

func newVocab(m map[string]int) vocab {
	v := vocab{ids: m}
	n := 0
	for _, id := range m {
		n = max(n, id+1)
	}
	v.tokens = make([]string, n)
	for t, id := range m {
		if id >= 0 {
			v.tokens[id] = t
		}
	}
	return v
}

func (v *vocab) tokenToID(t string) (int, bool) {
	id, ok := v.ids[t]
	return id, ok
}

func (v *vocab) idToToken(id int) (string, bool) {
	if id < 0 || id >= len(v.tokens) {
		return "", false
	}
	t := v.tokens[id]
	if t == "" {
		_, ok := v.ids[""]
		return "", ok && v.ids[""] == id
	}
	return t, true
}

func (v *vocab) vocabSize() int { return len(v.ids) }

// model turns one pre-tokenized word into tokens.
type model interface {
	tokenize(s string, dst []token) ([]token, error)
	tokenToID(string) (int, bool)
	idToToken(int) (string, bool)
	vocabSize() int
}

// wordPiece is the WordPiece model: greedy longest-match-first over the vocabulary.
type wordPiece struct {
	vocab
	cont     map[string]int // continuation pieces, keyed without their prefix
	unk      string
	unkID    int
	hasUnk   bool
	prefix   string
	maxChars int
}

func newWordPiece(v map[string]int, unk, prefix string, maxChars int) *wordPiece {
	w := &wordPiece{vocab: newVocab(v), unk: unk, prefix: prefix, maxChars: maxChars, cont: map[string]int{}}
	w.unkID, w.hasUnk = v[unk]
	for t, id := range v {
		if len(t) > len(prefix) && t[:len(prefix)] == prefix {
			w.cont[t[len(prefix):]] = id
		}
	}
	if prefix == "" {
		w.cont = v
	}
	return w
}

func (w *wordPiece) unknown(s string, dst []token) ([]token, error) {
	if !w.hasUnk {
		return dst, fmt.Errorf("WordPiece: unk token %q is not in the vocabulary", w.unk)
	}
	return append(dst, token{id: w.unkID, value: w.unk, start: 0, end: len(s)}), nil
}

func (w *wordPiece) tokenize(s string, dst []token) ([]token, error) {
	if len(s) > w.maxChars && utf8.RuneCountInString(s) > w.maxChars {
		return w.unknown(s, dst)
	}
	first := len(dst)
	for start := 0; start < len(s); {
		end := len(s)
		found := false
		for start < end {
			var id int
			var ok bool
			if start == 0 {
				id, ok = w.ids[s[start:end]]
			} else {
				id, ok = w.cont[s[start:end]]
			}
			if ok {
				dst = append(dst, token{id: id, value: w.tokens[id], start: start, end: end})
				found = true
				break
			}
			_, size := utf8.DecodeLastRuneInString(s[start:end])
			end -= size
		}
		if !found {
			return w.unknown(s, dst[:first])
		}
		start = end
	}
	return dst, nil
}
