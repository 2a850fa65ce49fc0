package pipeline

import (
	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// encodeIDs turns token id sequences (OpenAI's and TEI's pre-tokenized inputs) into encodings fed
// as they are: no special tokens are added, every id must be in the vocabulary, and a sequence
// longer than MaxLength is cut (at its end, or its start with left) when truncate is set and is an
// errs.TooLong naming "<field>[i]" otherwise.
func (e *Encoder) encodeIDs(ids [][]int, truncate, left bool, field string) ([]*tokenizer.Encoding, error) {
	encs := make([]*tokenizer.Encoding, len(ids))
	for i, seq := range ids {
		if len(seq) == 0 {
			return nil, errs.Field(errs.Invalid, fieldIndex(field, i), "must not be an empty list of token ids")
		}
		if len(seq) > e.MaxLength {
			if !truncate {
				return nil, errs.Field(errs.TooLong, fieldIndex(field, i),
					"has %d tokens, more than the model's maximum of %d; shorten it or set truncate to true", len(seq), e.MaxLength)
			}
			if left {
				seq = seq[len(seq)-e.MaxLength:]
			} else {
				seq = seq[:e.MaxLength]
			}
		}
		enc := &tokenizer.Encoding{
			IDs: make([]int, len(seq)), TypeIDs: make([]int, len(seq)), AttentionMask: make([]int, len(seq)),
			SpecialTokensMask: make([]int, len(seq)), SequenceIDs: make([]int, len(seq)),
			Tokens: make([]string, len(seq)), Offsets: make([]tokenizer.Offset, len(seq)),
		}
		for j, id := range seq {
			tok, ok := e.Tokenizer.IDToToken(id)
			if !ok {
				return nil, errs.Field(errs.Invalid, fieldIndex(field, i, j),
					"%d is not a token id of this model (vocabulary size %d)", id, e.Tokenizer.VocabSize())
			}
			enc.IDs[j], enc.AttentionMask[j], enc.Tokens[j] = id, 1, tok
		}
		encs[i] = enc
	}
	return encs, nil
}
