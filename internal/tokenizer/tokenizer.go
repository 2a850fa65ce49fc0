package tokenizer

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
)

// Tokenizer encodes and decodes text as described by one tokenizer.json. It holds no per-call
// state and is safe for concurrent use.
type Tokenizer struct {
	norm     normalizer
	pre      preTokenizer
	model    model
	post     postProcessor
	dec      decoder
	added    *addedVocab
	defaults Options
}

// Truncation says how to cut inputs that are too long.
type Truncation struct {
	MaxLength int
	// Stride is how many tokens consecutive overflowing windows share.
	Stride int
	// Strategy is longest_first, only_first or only_second.
	Strategy string
	// Direction is right (drop the end) or left (drop the start).
	Direction string
	// DropOverflow discards the cut-off windows instead of returning them in Overflowing. The
	// library always builds them, and for a pair cut on both sides it combines every window of
	// one input with every window of the other; callers that only use the first window save that.
	DropOverflow bool
}

// Padding says how to pad encodings.
type Padding struct {
	// Length is the length to pad to; 0 pads to the longest encoding of the batch.
	Length int
	// Direction is right or left.
	Direction       string
	PadToMultipleOf int
	PadID           int
	PadTypeID       int
	PadToken        string
}

// Options are per-call settings; nil Truncation or Padding turns that step off.
type Options struct {
	AddSpecialTokens bool
	Truncation       *Truncation
	Padding          *Padding
}

// Input is one element of a batch: a text, or a pair of texts when IsPair is set.
type Input struct {
	Text, Pair string
	IsPair     bool
}

// FromFile loads a tokenizer.json.
func FromFile(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	t, err := FromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return t, nil
}

// DefaultOptions returns the truncation and padding stored in tokenizer.json, with special tokens
// added.
func (t *Tokenizer) DefaultOptions() Options {
	o := Options{AddSpecialTokens: true}
	if t.defaults.Truncation != nil {
		tr := *t.defaults.Truncation
		o.Truncation = &tr
	}
	if t.defaults.Padding != nil {
		p := *t.defaults.Padding
		o.Padding = &p
	}
	return o
}

// NumSpecialTokensToAdd is how many tokens post-processing adds to a single input or a pair.
func (t *Tokenizer) NumSpecialTokensToAdd(pair bool) int {
	if t.post == nil {
		return 0
	}
	return t.post.addedTokens(pair)
}

// TokenToID looks a token up in the added tokens, then in the model's vocabulary.
func (t *Tokenizer) TokenToID(tok string) (int, bool) {
	if id, ok := t.added.byContent[tok]; ok {
		return id, true
	}
	return t.model.tokenToID(tok)
}

// IDToToken is the inverse of TokenToID.
func (t *Tokenizer) IDToToken(id int) (string, bool) {
	if a, ok := t.added.byID[id]; ok {
		return a.Content, true
	}
	return t.model.idToToken(id)
}

// VocabSize is the size of the model's vocabulary plus the added tokens it does not contain.
func (t *Tokenizer) VocabSize() int {
	n := t.model.vocabSize()
	for c := range t.added.byContent {
		if _, ok := t.model.tokenToID(c); !ok {
			n++
		}
	}
	return n
}

// Encode encodes one text.
func (t *Tokenizer) Encode(text string, o Options) (*Encoding, error) {
	e, err := t.encode(text, "", false, o)
	if err != nil {
		return nil, err
	}
	if o.Padding != nil {
		padAll([]*Encoding{e}, o.Padding)
	}
	e.finish()
	return e, nil
}

// EncodePair encodes a pair of texts, such as a question and its context.
func (t *Tokenizer) EncodePair(text, pair string, o Options) (*Encoding, error) {
	e, err := t.encode(text, pair, true, o)
	if err != nil {
		return nil, err
	}
	if o.Padding != nil {
		padAll([]*Encoding{e}, o.Padding)
	}
	e.finish()
	return e, nil
}

// EncodeBatch encodes inputs on all cores (a batch of a few on the caller's goroutine); with
// Padding.Length 0 they are padded to the longest.
func (t *Tokenizer) EncodeBatch(inputs []Input, o Options) ([]*Encoding, error) {
	out := make([]*Encoding, len(inputs))
	errs := make([]error, len(inputs))
	one := func(k int) {
		in := inputs[k]
		out[k], errs[k] = t.encode(in.Text, in.Pair, in.IsPair, o)
		if errs[k] == nil && o.Padding != nil {
			padAll(out[k:k+1], o.Padding)
		}
	}
	// A goroutine costs more than a short text takes to encode, so small batches (a server's
	// usual request) are encoded on the caller's goroutine.
	const perWorker = 8
	workers := min(runtime.GOMAXPROCS(0), (len(inputs)+perWorker-1)/perWorker)
	if workers <= 1 {
		for k := range inputs {
			one(k)
		}
	} else {
		var next sync.Mutex
		i := 0
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					next.Lock()
					k := i
					i++
					next.Unlock()
					if k >= len(inputs) {
						return
					}
					one(k)
				}
			}()
		}
		wg.Wait()
	}
	for k, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("input %d: %w", k, err)
		}
	}
	if o.Padding != nil {
		padAll(out, o.Padding)
	}
	for _, e := range out {
		e.finish()
	}
	return out, nil
}

func (t *Tokenizer) encode(text, pair string, isPair bool, o Options) (*Encoding, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	a, err := t.encodeSequence(sanitize(text), 0)
	if err != nil {
		return nil, err
	}
	var b *Encoding
	if isPair {
		if b, err = t.encodeSequence(sanitize(pair), 1); err != nil {
			return nil, err
		}
	}
	if tr := o.Truncation; tr != nil {
		maxLen := tr.MaxLength
		if n := t.NumSpecialTokensToAdd(isPair); o.AddSpecialTokens && n > 0 {
			maxLen -= n
		}
		// The library subtracts in unsigned arithmetic: a limit smaller than the special tokens
		// wraps around and truncates nothing.
		if maxLen >= 0 {
			if err := truncatePair(a, b, maxLen, tr); err != nil {
				return nil, err
			}
		}
	}
	encs := []*Encoding{a}
	if b != nil {
		encs = append(encs, b)
	}
	if t.post == nil {
		return defaultProcess(encs), nil
	}
	return process(t.post, encs, o.AddSpecialTokens)
}

// encodeSequence runs one text through added tokens, normalizer, pre-tokenizer and model.
func (t *Tokenizer) encodeSequence(text string, typeID int) (*Encoding, error) {
	var p pretokenized
	t.added.extract(text, t.norm, &p)
	if t.pre != nil {
		t.pre.preTokenize(&p)
	}
	n := len(text)/3 + 4
	e := &Encoding{
		text: text, IDs: make([]int, 0, n), TypeIDs: make([]int, 0, n), AttentionMask: make([]int, 0, n),
		SpecialTokensMask: make([]int, 0, n), WordIDs: make([]int, 0, n), Tokens: make([]string, 0, n),
		Offsets: make([]Offset, 0, n), source: make([]int, 0, n),
	}
	var buf []token
	for w := range p.splits {
		sp := &p.splits[w]
		toks := sp.tokens
		if !sp.done {
			var err error
			if buf, err = t.model.tokenize(sp.n.s, buf[:0]); err != nil {
				return nil, err
			}
			toks = buf
		}
		for _, tk := range toks {
			o := sp.n.toOriginal(tk.start, tk.end)
			e.appendToken(tk.id, typeID, tk.value, Offset{o.start, o.end}, w, 0, typeID)
		}
	}
	return e, nil
}

var (
	errSecondMissing = errors.New("truncation: only_second needs a pair of inputs")
	errTooShort      = errors.New("truncation: the sequence to truncate is too short to respect the provided max_length")
)

// truncatePair is truncate_encodings.
func truncatePair(a, b *Encoding, maxLen int, tr *Truncation) error {
	left, keep := tr.Direction == "left", !tr.DropOverflow
	if maxLen == 0 {
		if err := a.truncate(0, tr.Stride, left, keep); err != nil {
			return err
		}
		if b != nil {
			return b.truncate(0, tr.Stride, left, keep)
		}
		return nil
	}
	total := a.Len()
	if b != nil {
		total += b.Len()
	}
	if total <= maxLen {
		return nil
	}
	toRemove := total - maxLen
	switch tr.Strategy {
	case "longest_first", "":
		if b == nil {
			return a.truncate(total-toRemove, tr.Stride, left, keep)
		}
		n1, n2 := a.Len(), b.Len()
		swap := n1 > n2
		if swap {
			n1, n2 = n2, n1
		}
		if n1 > maxLen {
			n2 = n1
		} else {
			n2 = max(n1, maxLen-n1)
		}
		if n1+n2 > maxLen {
			n1 = maxLen / 2
			n2 = n1 + maxLen%2
		}
		if swap {
			n1, n2 = n2, n1
		}
		if err := a.truncate(n1, tr.Stride, left, keep); err != nil {
			return err
		}
		return b.truncate(n2, tr.Stride, left, keep)
	default:
		target := a
		if tr.Strategy == "only_second" {
			if b == nil {
				return errSecondMissing
			}
			target = b
		}
		if target.Len() <= toRemove {
			return errTooShort
		}
		return target.truncate(target.Len()-toRemove, tr.Stride, left, keep)
	}
}

// padAll is pad_encodings.
func padAll(encs []*Encoding, p *Padding) {
	if len(encs) == 0 {
		return
	}
	target := p.Length
	if target == 0 {
		for _, e := range encs {
			target = max(target, e.Len())
		}
	}
	if m := p.PadToMultipleOf; m > 0 && target%m > 0 {
		target += m - target%m
	}
	for _, e := range encs {
		e.pad(target, p)
	}
}

func (o *Options) validate() error {
	if tr := o.Truncation; tr != nil {
		switch tr.Strategy {
		case "", "longest_first", "only_first", "only_second":
		default:
			return fmt.Errorf("truncation: unknown strategy %q", tr.Strategy)
		}
		switch tr.Direction {
		case "", "right", "left":
		default:
			return fmt.Errorf("truncation: unknown direction %q", tr.Direction)
		}
		if tr.MaxLength < 0 || tr.Stride < 0 {
			return errors.New("truncation: max length and stride must not be negative")
		}
	}
	if p := o.Padding; p != nil {
		switch p.Direction {
		case "", "right", "left":
		default:
			return fmt.Errorf("padding: unknown direction %q", p.Direction)
		}
		if p.Length < 0 || p.PadToMultipleOf < 0 {
			return errors.New("padding: length and multiple must not be negative")
		}
	}
	return nil
}

// Decode turns ids back into text; ids it does not know are skipped.
func (t *Tokenizer) Decode(ids []int, skipSpecialTokens bool) string {
	tokens := make([]string, 0, len(ids))
	for _, id := range ids {
		var tok string
		if a, ok := t.added.byID[id]; ok {
			tok = a.Content
			if d, ok := t.added.decodeAs[id]; ok {
				tok = d
			}
		} else if s, ok := t.model.idToToken(id); ok {
			tok = s
		} else {
			continue
		}
		if skipSpecialTokens && t.added.special[tok] {
			continue
		}
		tokens = append(tokens, tok)
	}
	if t.dec == nil {
		return strings.Join(tokens, " ")
	}
	return strings.Join(t.dec.decodeChain(tokens), "")
}
