package pipeline

import (
	"strconv"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// Tokenize returns the tokens of each input as the model would see them, untruncated.
func (e *Encoder) Tokenize(inputs []Input, addSpecialTokens bool) ([][]Token, error) {
	encs, err := e.Tokenizer.EncodeBatch(toTokenizerInputs(inputs), tokenizer.Options{AddSpecialTokens: addSpecialTokens})
	if err != nil {
		return nil, errs.New(errs.Invalid, "inputs: cannot tokenize: %v", err)
	}
	out := make([][]Token, len(encs))
	for i, enc := range encs {
		out[i] = tokensOf(inputs[i].Text, inputs[i].Pair, enc)
	}
	return out, nil
}

// Detokenize decodes each sequence of ids back to text.
func (e *Encoder) Detokenize(ids [][]int, skipSpecialTokens bool) ([]string, error) {
	vocab := e.Tokenizer.VocabSize()
	out := make([]string, len(ids))
	for i, seq := range ids {
		for j, id := range seq {
			if _, ok := e.Tokenizer.IDToToken(id); !ok {
				return nil, errs.Field(errs.Invalid, fieldIndex("ids", i, j),
					"%d is not a token id of this model (vocabulary size %d)", id, vocab)
			}
		}
		out[i] = e.Tokenizer.Decode(seq, skipSpecialTokens)
	}
	return out, nil
}

func fieldIndex(name string, idx ...int) string {
	for _, i := range idx {
		name += "[" + strconv.Itoa(i) + "]"
	}
	return name
}
