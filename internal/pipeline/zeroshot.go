package pipeline

import (
	"context"
	"math"
	"sort"
	"strings"

	"github.com/bertserve/bertserve/internal/errs"
)

// ZeroShot classifies texts into labels chosen per request, by asking an NLI model whether each
// text entails "This example is {label}." (the hypothesis template).
type ZeroShot struct {
	Classifier   *Classifier
	EntailmentID int // the entailment label's logit index
}

// ZeroShotRequest asks for the candidate labels of each input.
type ZeroShotRequest struct {
	Inputs             []string
	CandidateLabels    []string
	HypothesisTemplate string // must contain "{}"
	MultiLabel         bool   // score each label on its own instead of sharing the probability mass
	Truncate           bool
}

// ZeroShotResult is one input's labels, best first, with their scores.
type ZeroShotResult struct {
	Sequence string
	Labels   []string
	Scores   []float64
}

// Classify runs req: one premise/hypothesis pair per input and label.
func (z *ZeroShot) Classify(ctx context.Context, req ZeroShotRequest) ([]ZeroShotResult, int, error) {
	if !strings.Contains(req.HypothesisTemplate, "{}") {
		return nil, 0, errs.Field(errs.Invalid, "hypothesis_template", "must contain {} where the label goes")
	}
	n := len(req.CandidateLabels)
	pairs := make([]Input, 0, len(req.Inputs)*n)
	for _, text := range req.Inputs {
		for _, label := range req.CandidateLabels {
			pairs = append(pairs, Input{Text: text, Pair: strings.Replace(req.HypothesisTemplate, "{}", label, 1), IsPair: true})
		}
	}
	logits, tokens, err := z.Classifier.logits(ctx, pairs, req.Truncate, OnlyFirst, "inputs")
	if err != nil {
		return nil, 0, err
	}
	ent := z.EntailmentID
	contra := 0
	if ent == 0 {
		contra = len(z.Classifier.Labels) - 1
	}
	out := make([]ZeroShotResult, len(req.Inputs))
	for i, text := range req.Inputs {
		rows := logits[i*n : (i+1)*n]
		scores := make([]float64, n)
		if req.MultiLabel || n == 1 {
			// Entailment against contradiction, for each label on its own.
			for k, r := range rows {
				e, c := math.Exp(float64(r[ent])), math.Exp(float64(r[contra]))
				scores[k] = e / (e + c)
			}
		} else {
			// The entailment logits softmaxed over the labels.
			var sum float64
			for k, r := range rows {
				scores[k] = math.Exp(float64(r[ent]))
				sum += scores[k]
			}
			for k := range scores {
				scores[k] /= sum
			}
		}
		out[i] = rankLabels(text, req.CandidateLabels, scores)
	}
	return out, tokens, nil
}

// rankLabels orders labels by score, highest first; ties put the later label first, as reversing
// numpy's stable argsort does.
func rankLabels(text string, labels []string, scores []float64) ZeroShotResult {
	idx := make([]int, len(labels))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	res := ZeroShotResult{Sequence: text}
	for k := len(idx) - 1; k >= 0; k-- {
		res.Labels = append(res.Labels, labels[idx[k]])
		res.Scores = append(res.Scores, scores[idx[k]])
	}
	return res
}
