package pipeline

import (
	"context"
	"time"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/postprocess"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// Queue runs batch items on a model; *batch.Batcher satisfies it.
type Queue interface {
	Run(ctx context.Context, items []batch.Item) ([]batch.Result, error)
}

var _ Queue = (*batch.Batcher)(nil)

// Embedder computes sentence and token embeddings from a model's token states (its first output).
type Embedder struct {
	Model     string
	Encoder   *Encoder
	Queue     Queue
	Hidden    int
	Pooling   postprocess.Pooling
	Normalize bool // the model's default for EmbedRequest.Normalize
	Metrics   *metrics.Metrics
}

// EmbedRequest asks for one embedding per input, or one per token with Tokens.
type EmbedRequest struct {
	Inputs    []string
	Normalize bool // L2-normalise sentence vectors (token vectors are returned as the model gives them)
	Truncate  bool // cut inputs longer than the model's maximum instead of failing
	Tokens    bool // return every token's state instead of a pooled sentence vector

	// IDs, when set, replaces Inputs: token id sequences fed as they are (no special tokens added).
	IDs [][]int
	// TruncateLeft cuts long inputs at their start instead of their end.
	TruncateLeft bool
	// Dimensions, when positive, keeps only the first Dimensions values of each sentence vector
	// (Matryoshka truncation), before normalisation.
	Dimensions int
}

// Token is one token of an input, with character offsets into it.
type Token struct {
	ID      int
	Text    string
	Start   int // Unicode code points, as the Python tokenizers API reports them
	End     int
	TypeID  int
	Special bool
}

// Embeddings answers an EmbedRequest. Sentence is set, or TokenStates and Tokens with Tokens.
type Embeddings struct {
	Sentence     [][]float32
	TokenStates  [][][]float32
	Tokens       [][]Token
	PromptTokens int
}

// Embed runs req through the model.
func (e *Embedder) Embed(ctx context.Context, req EmbedRequest) (*Embeddings, error) {
	if req.Dimensions < 0 || req.Dimensions > e.Hidden {
		return nil, errs.Field(errs.Invalid, "dimensions", "must be between 1 and the model's %d, not %d", e.Hidden, req.Dimensions)
	}
	start := time.Now()
	var encs []*tokenizer.Encoding
	var err error
	if req.IDs != nil {
		encs, err = e.Encoder.encodeIDs(req.IDs, req.Truncate, req.TruncateLeft, "input")
	} else {
		inputs := make([]Input, len(req.Inputs))
		for i, s := range req.Inputs {
			inputs[i] = Input{Text: s}
		}
		encs, err = e.Encoder.encodeDirection(inputs, req.Truncate, req.TruncateLeft, "inputs")
	}
	if err != nil {
		return nil, err
	}
	rows, tokens, err := e.Encoder.run(ctx, e.Queue, e.Metrics, e.Model, start, encs)
	if err != nil {
		return nil, err
	}
	out := &Embeddings{PromptTokens: tokens}
	if req.Tokens {
		out.TokenStates = make([][][]float32, len(rows))
		out.Tokens = make([][]Token, len(rows))
		for i, row := range rows {
			out.TokenStates[i] = splitRows(row[0], e.Hidden)
			text := ""
			if req.IDs == nil {
				text = req.Inputs[i]
			}
			out.Tokens[i] = tokensOf(text, "", encs[i])
		}
		return out, nil
	}
	out.Sentence = make([][]float32, len(rows))
	for i, row := range rows {
		v := postprocess.Pool(e.Pooling, row[0], len(encs[i].IDs), e.Hidden)
		if req.Dimensions > 0 {
			v = v[:req.Dimensions:req.Dimensions]
		}
		if req.Normalize {
			postprocess.Normalize(v)
		}
		out.Sentence[i] = v
	}
	return out, nil
}

func splitRows(flat []float32, width int) [][]float32 {
	rows := make([][]float32, len(flat)/width)
	for t := range rows {
		rows[t] = flat[t*width : (t+1)*width : (t+1)*width]
	}
	return rows
}

// tokensOf lists enc's tokens with character offsets into text (or into pair, for tokens of the
// second sequence).
func tokensOf(text, pair string, enc *tokenizer.Encoding) []Token {
	offs := enc.CharOffsets(text, pair)
	toks := make([]Token, len(enc.IDs))
	for i := range toks {
		toks[i] = Token{
			ID: enc.IDs[i], Text: enc.Tokens[i], Start: offs[i].Start, End: offs[i].End,
			TypeID: enc.TypeIDs[i], Special: enc.SpecialTokensMask[i] == 1,
		}
	}
	return toks
}
