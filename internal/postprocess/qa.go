package postprocess

import (
	"math"
	"sort"
	"strings"
)

// Span is a candidate answer: token indexes into one window and its probability.
type Span struct {
	Start, End int
	Score      float64
}

// SelectSpans finds the best answer spans of one window, as the question-answering pipeline does:
// logits of tokens that may not be part of an answer (allowed false) are pushed to -10000, both
// logit rows are softmaxed, and spans start ≤ end < start+maxAnswerLen are ranked by
// P(start)·P(end). The first token (CLS) scores the "no answer" case: with handleImpossible,
// nullScore is lowered to its score. It returns at most topK spans, best first.
func SelectSpans(start, end []float32, allowed []bool, topK, maxAnswerLen int, handleImpossible bool, nullScore float64) ([]Span, float64) {
	n := len(start)
	ps, pe := maskedSoftmax(start, allowed), maskedSoftmax(end, allowed)
	if handleImpossible {
		nullScore = math.Min(nullScore, ps[0]*pe[0])
	}
	ps[0], pe[0] = 0, 0

	var spans []Span
	for i := 0; i < n; i++ {
		if ps[i] == 0 || !allowed[i] {
			continue
		}
		for j := i; j < n && j < i+maxAnswerLen; j++ {
			if s := ps[i] * pe[j]; s > 0 && allowed[j] {
				spans = append(spans, Span{Start: i, End: j, Score: s})
			}
		}
	}
	sort.SliceStable(spans, func(a, b int) bool { return spans[a].Score > spans[b].Score })
	if len(spans) > topK {
		spans = spans[:topK]
	}
	return spans, nullScore
}

func maskedSoftmax(logits []float32, allowed []bool) []float64 {
	masked := make([]float32, len(logits))
	for i, v := range logits {
		if allowed[i] {
			masked[i] = v
		} else {
			masked[i] = -10000
		}
	}
	return Softmax(masked)
}

// Answer is an answer span of the context, in characters.
type Answer struct {
	Answer string
	Score  float64
	Start  int
	End    int
}

// AddAnswer adds a candidate to answers: a text already there (compared case-insensitively, from
// this window or another) gains the score instead of appearing twice.
func AddAnswer(answers []Answer, a Answer) []Answer {
	for i := range answers {
		if strings.ToLower(answers[i].Answer) == strings.ToLower(a.Answer) {
			answers[i].Score += a.Score
			return answers
		}
	}
	return append(answers, a)
}

// BestAnswers sorts answers by score (stable) and keeps topK, after adding the empty "no answer"
// with nullScore when handleImpossible.
func BestAnswers(answers []Answer, topK int, handleImpossible bool, nullScore float64) []Answer {
	if handleImpossible {
		answers = append(answers, Answer{Score: nullScore})
	}
	sort.SliceStable(answers, func(i, j int) bool { return answers[i].Score > answers[j].Score })
	if len(answers) > topK {
		answers = answers[:topK]
	}
	return answers
}

// InitialNullScore is the no-answer score before any window lowers it.
const InitialNullScore = 1000000.0
