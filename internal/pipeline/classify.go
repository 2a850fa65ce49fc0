package pipeline

import (
	"context"
	"time"

	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/postprocess"
)

// Classifier scores whole sequences (or pairs) against a model's labels: sentiment, NLI,
// cross-encoder relevance.
type Classifier struct {
	Model       string
	Encoder     *Encoder
	Queue       Queue
	Labels      []string // id2label, by logit index
	ProblemType string   // single_label_classification, multi_label_classification or regression
	Metrics     *metrics.Metrics
}

// ClassifyRequest asks for the labels of each input.
type ClassifyRequest struct {
	Inputs   []Input
	TopK     int                  // labels per input, best first; 0 keeps all
	Function postprocess.Function // "" applies the model's default
	Truncate bool
}

// Classification answers a ClassifyRequest: one label list per input.
type Classification struct {
	Labels       [][]postprocess.Label
	PromptTokens int
}

// Classify runs req.
func (c *Classifier) Classify(ctx context.Context, req ClassifyRequest) (*Classification, error) {
	logits, tokens, err := c.logits(ctx, req.Inputs, req.Truncate, LongestFirst, "inputs")
	if err != nil {
		return nil, err
	}
	f := req.Function
	if f == "" {
		f = postprocess.DefaultFunction(c.ProblemType, len(c.Labels))
	}
	out := &Classification{Labels: make([][]postprocess.Label, len(logits)), PromptTokens: tokens}
	for i, row := range logits {
		out.Labels[i] = postprocess.TopLabels(postprocess.Apply(f, row), c.Labels, req.TopK)
	}
	return out, nil
}

// logits runs inputs through the model and returns each one's logits row.
func (c *Classifier) logits(ctx context.Context, inputs []Input, truncate bool, strategy, field string) ([][]float32, int, error) {
	start := time.Now()
	encs, err := c.Encoder.encode(inputs, truncate, strategy, field)
	if err != nil {
		return nil, 0, err
	}
	rows, tokens, err := c.Encoder.run(ctx, c.Queue, c.Metrics, c.Model, start, encs)
	if err != nil {
		return nil, 0, err
	}
	out := make([][]float32, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out, tokens, nil
}
