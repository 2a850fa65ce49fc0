package pipeline

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/postprocess"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// Recognizer finds named entities with a token-classification model. A text longer than the
// model's window is read in overlapping windows whose entities are merged, so none is lost at a
// window's edge.
type Recognizer struct {
	Model   string
	Encoder *Encoder
	Queue   Queue
	Labels  []string
	// WordAware is set when the tokenizer marks word continuations (WordPiece's "##"), which tells
	// subwords apart exactly; otherwise a token glued to the previous character is a subword.
	WordAware bool
	UnkID     int // -1 when the vocabulary has no unknown token
	Metrics   *metrics.Metrics
}

// NERRequest asks for the entities of each input.
type NERRequest struct {
	Inputs       []string
	Aggregation  postprocess.Aggregation
	IgnoreLabels []string
	Stride       int // tokens shared by consecutive windows of a long text
}

// NERResult holds each input's entities, in text order.
type NERResult struct {
	Entities     [][]postprocess.Entity
	PromptTokens int
}

// DefaultStride is the overlap of windows when a request does not set one: a quarter of the
// model's window.
func (r *Recognizer) DefaultStride() int { return r.Encoder.MaxLength / 4 }

// Recognize runs req.
func (r *Recognizer) Recognize(ctx context.Context, req NERRequest) (*NERResult, error) {
	start := time.Now()
	windows, owners, err := r.Encoder.windows(req.Inputs, req.Stride, "inputs")
	if err != nil {
		return nil, err
	}
	rows, tokens, err := r.Encoder.run(ctx, r.Queue, r.Metrics, r.Model, start, windows)
	if err != nil {
		return nil, err
	}

	out := &NERResult{Entities: make([][]postprocess.Entity, len(req.Inputs)), PromptTokens: tokens}
	perInput := make([]int, len(req.Inputs))
	for w, enc := range windows {
		i := owners[w]
		perInput[i]++
		toks := r.nerTokens(req.Inputs[i], enc, rows[w][0])
		ents := postprocess.Entities(toks, req.Aggregation, r.Labels, req.IgnoreLabels, r.Encoder.Tokenizer.DecodeTokens)
		out.Entities[i] = append(out.Entities[i], ents...)
	}
	for i, n := range perInput {
		if n > 1 {
			out.Entities[i] = postprocess.MergeOverlapping(out.Entities[i])
		}
		if out.Entities[i] == nil {
			out.Entities[i] = []postprocess.Entity{}
		}
	}
	return out, nil
}

// nerTokens turns one window's non-special tokens into scored tokens with character offsets.
func (r *Recognizer) nerTokens(text string, enc *tokenizer.Encoding, logits []float32) []postprocess.NERToken {
	width := len(r.Labels)
	runes := []rune(text)
	offs := enc.CharOffsets(text, "")
	var toks []postprocess.NERToken
	for k, id := range enc.IDs {
		if enc.SpecialTokensMask[k] == 1 {
			continue
		}
		start, end := offs[k].Start, offs[k].End
		word, _ := r.Encoder.Tokenizer.IDToToken(id)
		ref := string(runes[start:end])
		var subword bool
		if r.WordAware {
			subword = utf8.RuneCountInString(word) != end-start
		} else {
			subword = start > 0 && !strings.Contains(string(runes[start-1:min(start+1, len(runes))]), " ")
		}
		if id == r.UnkID {
			word, subword = ref, false
		}
		toks = append(toks, postprocess.NERToken{
			Index: k, Word: word, Start: start, End: end, IsSubword: subword,
			Scores: postprocess.Softmax(logits[k*width : (k+1)*width]),
		})
	}
	return toks
}

// windows encodes each text whole, or, when it is longer than the model takes, as overlapping
// windows of MaxLength tokens sharing stride tokens. owners[w] is the input window w belongs to.
func (e *Encoder) windows(texts []string, stride int, field string) ([]*tokenizer.Encoding, []int, error) {
	inputs := make([]Input, len(texts))
	for i, t := range texts {
		inputs[i] = Input{Text: t}
	}
	encs, err := e.Tokenizer.EncodeBatch(toTokenizerInputs(inputs), tokenizer.Options{AddSpecialTokens: true})
	if err != nil {
		return nil, nil, errs.New(errs.Invalid, "%s: cannot tokenize: %v", field, err)
	}
	var windows []*tokenizer.Encoding
	var owners []int
	for i, enc := range encs {
		if len(enc.IDs) <= e.MaxLength {
			windows, owners = append(windows, enc), append(owners, i)
			continue
		}
		cut, err := e.Tokenizer.Encode(texts[i], tokenizer.Options{AddSpecialTokens: true, Truncation: &tokenizer.Truncation{
			MaxLength: e.MaxLength, Stride: stride, Strategy: LongestFirst, Direction: "right"}})
		if err != nil {
			return nil, nil, errs.Field(errs.Invalid, "stride", "cannot split the text into windows: %v", err)
		}
		for _, w := range append([]*tokenizer.Encoding{cut}, cut.Overflowing...) {
			windows, owners = append(windows, w), append(owners, i)
		}
	}
	return windows, owners, nil
}
