package pipeline

import (
	"context"
	"time"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/postprocess"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// Answerer extracts answer spans from contexts with a question-answering model. A context too long
// for one window is read in overlapping windows (the question repeated in each), never cut.
type Answerer struct {
	Model   string
	Encoder *Encoder
	Queue   Queue
	CLSID   int // the classifier token, which stands for "no answer"; -1 when the tokenizer has none
	Metrics *metrics.Metrics
}

// QAInput is one question about one context.
type QAInput struct {
	Question string
	Context  string
}

// QARequest holds the questions and the pipeline's parameters (Hugging Face's names and defaults).
type QARequest struct {
	Inputs           []QAInput
	TopK             int  // answers per question
	MaxAnswerLen     int  // tokens in an answer
	MaxSeqLen        int  // tokens in a window, question and special tokens included
	DocStride        int  // context tokens shared by consecutive windows
	MaxQuestionLen   int  // unused: Hugging Face's pipeline ignores it with fast tokenizers, and never cuts the question
	HandleImpossible bool // let "" (no answer) compete
	AlignToWords     bool // widen answers to whole words
}

// QAResult holds each question's answers, best first.
type QAResult struct {
	Answers      [][]postprocess.Answer
	PromptTokens int
}

// Answer runs req.
func (a *Answerer) Answer(ctx context.Context, req QARequest) (*QAResult, error) {
	start := time.Now()
	var windows []*tokenizer.Encoding
	var owners []int
	for i, in := range req.Inputs {
		ws, err := a.windows(in, req, i)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			windows, owners = append(windows, w), append(owners, i)
		}
	}
	rows, tokens, err := a.Encoder.run(ctx, a.Queue, a.Metrics, a.Model, start, windows)
	if err != nil {
		return nil, err
	}

	preTopK := req.TopK
	if req.AlignToWords {
		preTopK = req.TopK*2 + 10 // aligning can merge candidates, so look at more
	}
	answers := make([][]postprocess.Answer, len(req.Inputs))
	nulls := make([]float64, len(req.Inputs))
	for i := range nulls {
		nulls[i] = postprocess.InitialNullScore
	}
	for w, enc := range windows {
		i := owners[w]
		context := req.Inputs[i].Context
		offs := enc.CharOffsets(req.Inputs[i].Question, context)
		allowed := make([]bool, enc.Len())
		for k := range allowed {
			allowed[k] = enc.SequenceIDs[k] == 1 || enc.IDs[k] == a.CLSID
		}
		var spans []postprocess.Span
		spans, nulls[i] = postprocess.SelectSpans(rows[w][0], rows[w][1], allowed, preTopK, req.MaxAnswerLen, req.HandleImpossible, nulls[i])
		runes := []rune(context)
		for _, s := range spans {
			from, to := spanChars(enc, offs, s, req.AlignToWords)
			text := ""
			if from < to {
				text = string(runes[from:to])
			}
			answers[i] = postprocess.AddAnswer(answers[i], postprocess.Answer{Answer: text, Score: s.Score, Start: from, End: to})
		}
	}
	for i := range answers {
		answers[i] = postprocess.BestAnswers(answers[i], req.TopK, req.HandleImpossible, nulls[i])
		if answers[i] == nil {
			answers[i] = []postprocess.Answer{}
		}
	}
	return &QAResult{Answers: answers, PromptTokens: tokens}, nil
}

// windows encodes question+context as one window, or overlapping windows of the context.
func (a *Answerer) windows(in QAInput, req QARequest, i int) ([]*tokenizer.Encoding, error) {
	field := fieldIndex("inputs", i)
	// The question is kept whole, as Hugging Face's pipeline does with a fast tokenizer
	// (max_question_len only applies to its slow-tokenizer path).
	enc, err := a.Encoder.Tokenizer.EncodePair(in.Question, in.Context, tokenizer.Options{AddSpecialTokens: true,
		Truncation: &tokenizer.Truncation{MaxLength: req.MaxSeqLen, Stride: req.DocStride, Strategy: OnlySecond, Direction: "right"}})
	if err != nil {
		return nil, errs.Field(errs.Invalid, field, "the question leaves no room for the context in max_seq_len %d tokens: %v", req.MaxSeqLen, err)
	}
	return append([]*tokenizer.Encoding{enc}, enc.Overflowing...), nil
}

// spanChars maps a token span of a window to characters of the context (offs are the window's
// character offsets): whole words when align is set and both ends belong to words, else the
// tokens' own offsets.
func spanChars(enc *tokenizer.Encoding, offs []tokenizer.Offset, s postprocess.Span, align bool) (int, int) {
	if align {
		sw, ew := enc.WordIDs[s.Start], enc.WordIDs[s.End]
		if sw >= 0 && ew >= 0 {
			first, _, ok1 := wordTokens(enc, sw)
			_, last, ok2 := wordTokens(enc, ew)
			if ok1 && ok2 {
				return offs[first].Start, offs[last].End
			}
		}
	}
	return offs[s.Start].Start, offs[s.End].End
}

// wordTokens is the first and last context (sequence 1) token whose word id is word.
func wordTokens(enc *tokenizer.Encoding, word int) (first, last int, ok bool) {
	first, last = -1, -1
	for k, w := range enc.WordIDs {
		if w == word && enc.SequenceIDs[k] == 1 {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	return first, last, first >= 0
}
