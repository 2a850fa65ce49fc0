package pipeline

import (
	"fmt"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// Feed names what one model input receives.
type Feed int

const (
	FeedInputIDs Feed = iota
	FeedAttentionMask
	FeedTokenTypeIDs
)

// Encoder tokenizes inputs for one model and shapes them into batch items.
type Encoder struct {
	Tokenizer *tokenizer.Tokenizer
	MaxLength int    // tokens the model takes, special tokens included
	Feeds     []Feed // the model's inputs, in the order its Runner takes them
}

// Input is one text, or a pair of texts (cross-encoders, QA, NLI).
type Input struct {
	Text   string
	Pair   string
	IsPair bool
}

// encode tokenizes inputs with special tokens. An input longer than MaxLength is cut to it when
// truncate is set, and is an errs.TooLong naming the field "<field>[i]" otherwise.
func (e *Encoder) encode(inputs []Input, truncate bool, field string) ([]*tokenizer.Encoding, error) {
	opts := tokenizer.Options{AddSpecialTokens: true}
	encs, err := e.Tokenizer.EncodeBatch(toTokenizerInputs(inputs), opts)
	if err != nil {
		return nil, errs.New(errs.Invalid, "%s: cannot tokenize: %v", field, err)
	}
	var cut []int
	for i, enc := range encs {
		if len(enc.IDs) <= e.MaxLength {
			continue
		}
		if !truncate {
			name := field
			if len(inputs) > 1 {
				name = fmt.Sprintf("%s[%d]", field, i)
			}
			return nil, errs.Field(errs.TooLong, name,
				"has %d tokens, more than the model's maximum of %d; shorten it or set truncate to true",
				len(enc.IDs), e.MaxLength)
		}
		cut = append(cut, i)
	}
	if len(cut) > 0 {
		opts.Truncation = &tokenizer.Truncation{MaxLength: e.MaxLength, Strategy: "longest_first", Direction: "right"}
		for _, i := range cut {
			enc, err := e.encodeOne(inputs[i], opts)
			if err != nil {
				return nil, errs.New(errs.Invalid, "%s: cannot truncate: %v", field, err)
			}
			encs[i] = enc
		}
	}
	return encs, nil
}

func (e *Encoder) encodeOne(in Input, opts tokenizer.Options) (*tokenizer.Encoding, error) {
	if in.IsPair {
		return e.Tokenizer.EncodePair(in.Text, in.Pair, opts)
	}
	return e.Tokenizer.Encode(in.Text, opts)
}

func toTokenizerInputs(inputs []Input) []tokenizer.Input {
	out := make([]tokenizer.Input, len(inputs))
	for i, in := range inputs {
		out[i] = tokenizer.Input{Text: in.Text, Pair: in.Pair, IsPair: in.IsPair}
	}
	return out
}

// items shapes encodings into batch items, one feed per model input.
func (e *Encoder) items(encs []*tokenizer.Encoding) []batch.Item {
	items := make([]batch.Item, len(encs))
	for i, enc := range encs {
		feeds := make([][]int64, len(e.Feeds))
		for k, f := range e.Feeds {
			switch f {
			case FeedInputIDs:
				feeds[k] = widen(enc.IDs)
			case FeedAttentionMask:
				feeds[k] = widen(enc.AttentionMask)
			case FeedTokenTypeIDs:
				feeds[k] = widen(enc.TypeIDs)
			}
		}
		items[i] = batch.Item{Feeds: feeds}
	}
	return items
}

func widen(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// countTokens is the usage figure: every token fed to the model.
func countTokens(encs []*tokenizer.Encoding) int {
	n := 0
	for _, enc := range encs {
		n += len(enc.IDs)
	}
	return n
}
