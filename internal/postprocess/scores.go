package postprocess

import (
	"fmt"
	"math"
	"sort"
)

// Function is what turns logits into scores, as the text-classification pipeline's
// function_to_apply.
type Function string

const (
	FuncSoftmax Function = "softmax"
	FuncSigmoid Function = "sigmoid"
	FuncNone    Function = "none"
)

// ParseFunction validates a function name.
func ParseFunction(s string) (Function, error) {
	switch f := Function(s); f {
	case FuncSoftmax, FuncSigmoid, FuncNone:
		return f, nil
	}
	return "", fmt.Errorf("unknown function %q (want softmax, sigmoid or none)", s)
}

// DefaultFunction is the function Hugging Face applies when none is asked for: none for regression,
// sigmoid for multi-label problems and single-logit models, softmax otherwise.
func DefaultFunction(problemType string, numLabels int) Function {
	switch {
	case problemType == "regression":
		return FuncNone
	case problemType == "multi_label_classification" || numLabels == 1:
		return FuncSigmoid
	}
	return FuncSoftmax
}

// Apply returns f of logits in float64. Softmax subtracts the maximum first, as numpy does, so
// that large logits do not overflow.
func Apply(f Function, logits []float32) []float64 {
	out := make([]float64, len(logits))
	switch f {
	case FuncSoftmax:
		return Softmax(logits)
	case FuncSigmoid:
		for i, v := range logits {
			out[i] = Sigmoid(float64(v))
		}
	default:
		for i, v := range logits {
			out[i] = float64(v)
		}
	}
	return out
}

// Softmax is the numerically stable softmax of logits.
func Softmax(logits []float32) []float64 {
	out := make([]float64, len(logits))
	if len(logits) == 0 {
		return out
	}
	m := math.Inf(-1)
	for _, v := range logits {
		m = math.Max(m, float64(v))
	}
	var sum float64
	for i, v := range logits {
		out[i] = math.Exp(float64(v) - m)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// Sigmoid is 1 / (1 + e^-x).
func Sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Argmax is the index of the largest value, the first one on ties (as numpy's argmax).
func Argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// Label is one scored class.
type Label struct {
	Label string
	Score float64
}

// TopLabels pairs scores with their labels, highest first (ties keep label order), cut to k;
// k <= 0 keeps them all.
func TopLabels(scores []float64, labels []string, k int) []Label {
	out := make([]Label, len(scores))
	for i, s := range scores {
		out[i] = Label{Label: labels[i], Score: s}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if k > 0 && k < len(out) {
		out = out[:k]
	}
	return out
}
