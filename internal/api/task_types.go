package api

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/postprocess"
)

// OptionalInt is a JSON number that may be absent or null, which mean different things (top_k:
// absent is the default, null is "all").
type OptionalInt struct {
	Set   bool // the field was present
	Null  bool // it was null
	Value int
}

// UnmarshalJSON reads a number or null.
func (o *OptionalInt) UnmarshalJSON(data []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		o.Null = true
		return nil
	}
	return json.Unmarshal(data, &o.Value)
}

// MarshalJSON writes the number, or null.
func (o OptionalInt) MarshalJSON() ([]byte, error) {
	if o.Null || !o.Set {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// Labels is a JSON list of strings, or one string of comma-separated labels.
type Labels []string

// UnmarshalJSON accepts ["a", "b"] or "a, b" (split on commas, blanks dropped).
func (l *Labels) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		*l = nil
		for _, part := range strings.Split(s, ",") {
			if p := strings.TrimSpace(part); p != "" {
				*l = append(*l, p)
			}
		}
		return nil
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return errs.Field(errs.Invalid, "candidate_labels", "must be a list of strings or a comma-separated string")
	}
	*l = list
	return nil
}

// Targets is a JSON list of strings, or one string: the fill-mask candidates to score.
type Targets []string

// UnmarshalJSON accepts "word" or ["word", ...].
func (t *Targets) UnmarshalJSON(data []byte) error {
	list, err := stringOrList(data, "targets")
	*t = list
	return err
}

// ClassifyRequest is the body of POST /v1/classify.
type ClassifyRequest struct {
	Inputs          TextInputs  `json:"inputs"`
	TopK            OptionalInt `json:"top_k"`                       // absent: 1; null: every label
	FunctionToApply string      `json:"function_to_apply,omitempty"` // softmax, sigmoid, none; default from the model
	RawScores       bool        `json:"raw_scores,omitempty"`        // the logits themselves (function none)
	Truncate        *bool       `json:"truncate,omitempty"`          // default true
	Model           string      `json:"model,omitempty"`
}

// Validate checks the request against the server's limits.
func (r *ClassifyRequest) Validate(maxInputs int) error {
	if err := validateCount("inputs", len(r.Inputs), maxInputs); err != nil {
		return err
	}
	if r.TopK.Set && !r.TopK.Null && r.TopK.Value < 1 {
		return errs.Field(errs.Invalid, "top_k", "must be at least 1 (or null for every label), not %d", r.TopK.Value)
	}
	if r.FunctionToApply != "" {
		f, err := postprocess.ParseFunction(r.FunctionToApply)
		if err != nil {
			return errs.Field(errs.Invalid, "function_to_apply", "%v", err)
		}
		if r.RawScores && f != postprocess.FuncNone {
			return errs.Field(errs.Invalid, "raw_scores", "contradicts function_to_apply %q", r.FunctionToApply)
		}
	}
	return nil
}

// topK is the number of labels to return; 0 means all.
func (r *ClassifyRequest) topK() int {
	switch {
	case !r.TopK.Set:
		return 1
	case r.TopK.Null:
		return 0
	}
	return r.TopK.Value
}

// function is the scoring function asked for; "" lets the model's problem type decide.
func (r *ClassifyRequest) function() postprocess.Function {
	if r.RawScores {
		return postprocess.FuncNone
	}
	return postprocess.Function(r.FunctionToApply)
}

// LabelScore is one label and its score.
type LabelScore struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// ClassifyResponse answers /v1/classify: per input, labels best first.
type ClassifyResponse struct {
	Model   string         `json:"model"`
	Results [][]LabelScore `json:"results"`
	Usage   Usage          `json:"usage"`
}

// NERRequest is the body of POST /v1/ner.
type NERRequest struct {
	Inputs              Texts     `json:"inputs"`
	AggregationStrategy string    `json:"aggregation_strategy,omitempty"` // default simple
	IgnoreLabels        *[]string `json:"ignore_labels,omitempty"`        // default ["O"]
	Stride              *int      `json:"stride,omitempty"`               // default a quarter of the model's window
	Model               string    `json:"model,omitempty"`
}

// Validate checks the request against the server's limits.
func (r *NERRequest) Validate(maxInputs int) error {
	if err := validateCount("inputs", len(r.Inputs), maxInputs); err != nil {
		return err
	}
	if r.AggregationStrategy != "" {
		if _, err := postprocess.ParseAggregation(r.AggregationStrategy); err != nil {
			return errs.Field(errs.Invalid, "aggregation_strategy", "%v", err)
		}
	}
	if r.Stride != nil && *r.Stride < 0 {
		return errs.Field(errs.Invalid, "stride", "must not be negative, not %d", *r.Stride)
	}
	return nil
}

// Entity is a recognised entity. With aggregation_strategy none it is one token (entity, index);
// otherwise a group of tokens (entity_group). start and end count characters of the input.
type Entity struct {
	EntityGroup string  `json:"entity_group,omitempty"`
	Entity      string  `json:"entity,omitempty"`
	Score       float64 `json:"score"`
	Word        string  `json:"word"`
	Start       int     `json:"start"`
	End         int     `json:"end"`
	Index       *int    `json:"index,omitempty"`
}

// NERResponse answers /v1/ner: per input, its entities in text order.
type NERResponse struct {
	Model   string     `json:"model"`
	Results [][]Entity `json:"results"`
	Usage   Usage      `json:"usage"`
}

// QAPair is one question about one context.
type QAPair struct {
	Question string `json:"question"`
	Context  string `json:"context"`
}

// QARequest is the body of POST /v1/qa: question and context, or inputs (a list of them).
type QARequest struct {
	Question               string   `json:"question,omitempty"`
	Context                string   `json:"context,omitempty"`
	Inputs                 []QAPair `json:"inputs,omitempty"`
	TopK                   *int     `json:"top_k,omitempty"`            // default 1
	MaxAnswerLen           *int     `json:"max_answer_len,omitempty"`   // default 15
	MaxSeqLen              *int     `json:"max_seq_len,omitempty"`      // default min(384, the model's max_length)
	DocStride              *int     `json:"doc_stride,omitempty"`       // default min(max_seq_len/2, 128)
	MaxQuestionLen         *int     `json:"max_question_len,omitempty"` // accepted and ignored, as by the HF fast-tokenizer pipeline
	HandleImpossibleAnswer bool     `json:"handle_impossible_answer,omitempty"`
	AlignToWords           *bool    `json:"align_to_words,omitempty"` // default true
	Model                  string   `json:"model,omitempty"`
}

// Validate checks the request; limits that depend on the model are checked by the handler.
func (r *QARequest) Validate(maxInputs int) error {
	single := r.Question != "" || r.Context != ""
	switch {
	case single && len(r.Inputs) > 0:
		return errs.Field(errs.Invalid, "inputs", "give either question and context, or inputs, not both")
	case single:
		if r.Question == "" {
			return errs.Field(errs.Invalid, "question", "is required and must not be empty")
		}
		if r.Context == "" {
			return errs.Field(errs.Invalid, "context", "is required and must not be empty")
		}
	case len(r.Inputs) == 0:
		return errs.Field(errs.Invalid, "question", "is required (or inputs, a list of {question, context})")
	default:
		if err := validateCount("inputs", len(r.Inputs), maxInputs); err != nil {
			return err
		}
		for i, p := range r.Inputs {
			if p.Question == "" {
				return errs.Field(errs.Invalid, fieldIndex("inputs", i)+".question", "is required and must not be empty")
			}
			if p.Context == "" {
				return errs.Field(errs.Invalid, fieldIndex("inputs", i)+".context", "is required and must not be empty")
			}
		}
	}
	for _, c := range []struct {
		name string
		v    *int
		min  int
	}{{"top_k", r.TopK, 1}, {"max_answer_len", r.MaxAnswerLen, 1}, {"max_seq_len", r.MaxSeqLen, 3},
		{"doc_stride", r.DocStride, 0}, {"max_question_len", r.MaxQuestionLen, 1}} {
		if c.v != nil && *c.v < c.min {
			return errs.Field(errs.Invalid, c.name, "must be at least %d, not %d", c.min, *c.v)
		}
	}
	return nil
}

// Answer is an answer span; start and end count characters of the context.
type Answer struct {
	Answer string  `json:"answer"`
	Score  float64 `json:"score"`
	Start  int     `json:"start"`
	End    int     `json:"end"`
}

// QAResponse answers /v1/qa: per question, its answers best first.
type QAResponse struct {
	Model   string     `json:"model"`
	Results [][]Answer `json:"results"`
	Usage   Usage      `json:"usage"`
}

// FillMaskRequest is the body of POST /v1/fill-mask.
type FillMaskRequest struct {
	Inputs   Texts   `json:"inputs"`
	TopK     *int    `json:"top_k,omitempty"`   // default 5
	Targets  Targets `json:"targets,omitempty"` // score only these tokens
	Truncate *bool   `json:"truncate,omitempty"`
	Model    string  `json:"model,omitempty"`
}

// Validate checks the request against the server's limits.
func (r *FillMaskRequest) Validate(maxInputs int) error {
	if err := validateCount("inputs", len(r.Inputs), maxInputs); err != nil {
		return err
	}
	if r.TopK != nil && *r.TopK < 1 {
		return errs.Field(errs.Invalid, "top_k", "must be at least 1, not %d", *r.TopK)
	}
	if r.Targets != nil && len(r.Targets) == 0 {
		return errs.Field(errs.Invalid, "targets", "must not be an empty list (leave it out to score every token)")
	}
	return nil
}

// Fill is one candidate token for a mask.
type Fill struct {
	Token    int     `json:"token"`
	TokenStr string  `json:"token_str"`
	Score    float64 `json:"score"`
	Sequence string  `json:"sequence"`
}

// FillMaskResponse answers /v1/fill-mask: per input, per mask in text order, the candidates.
type FillMaskResponse struct {
	Model   string     `json:"model"`
	Results [][][]Fill `json:"results"`
	Usage   Usage      `json:"usage"`
}

// RerankRequest is the body of POST /v1/rerank.
type RerankRequest struct {
	Query      string   `json:"query"`
	Texts      []string `json:"texts"`
	TopN       *int     `json:"top_n,omitempty"` // default all
	ReturnText bool     `json:"return_text,omitempty"`
	RawScores  bool     `json:"raw_scores,omitempty"` // cross-encoders: the logit, not its sigmoid
	Truncate   *bool    `json:"truncate,omitempty"`
	Model      string   `json:"model,omitempty"`
}

// Validate checks the request against the server's limits.
func (r *RerankRequest) Validate(maxInputs int) error {
	if r.Query == "" {
		return errs.Field(errs.Invalid, "query", "is required and must not be empty")
	}
	if err := validateCount("texts", len(r.Texts), maxInputs); err != nil {
		return err
	}
	if r.TopN != nil && *r.TopN < 1 {
		return errs.Field(errs.Invalid, "top_n", "must be at least 1, not %d", *r.TopN)
	}
	return nil
}

// Ranked is one text's place in the ranking.
type Ranked struct {
	Index int     `json:"index"`
	Score float64 `json:"score"`
	Text  *string `json:"text,omitempty"`
}

// RerankResponse answers /v1/rerank: texts most relevant first.
type RerankResponse struct {
	Model   string   `json:"model"`
	Results []Ranked `json:"results"`
	Usage   Usage    `json:"usage"`
}

// ZeroShotRequest is the body of POST /v1/zero-shot.
type ZeroShotRequest struct {
	Inputs             Texts  `json:"inputs"`
	CandidateLabels    Labels `json:"candidate_labels"`
	HypothesisTemplate string `json:"hypothesis_template,omitempty"` // default "This example is {}."
	MultiLabel         bool   `json:"multi_label,omitempty"`
	Truncate           *bool  `json:"truncate,omitempty"`
	Model              string `json:"model,omitempty"`
}

// DefaultHypothesisTemplate is Hugging Face's.
const DefaultHypothesisTemplate = "This example is {}."

// Validate checks the request against the server's limits: every input is paired with every
// label, and the pairs count against the per-request limit.
func (r *ZeroShotRequest) Validate(maxInputs int) error {
	if err := validateCount("inputs", len(r.Inputs), maxInputs); err != nil {
		return err
	}
	if err := validateCount("candidate_labels", len(r.CandidateLabels), maxInputs); err != nil {
		return err
	}
	if n := len(r.Inputs) * len(r.CandidateLabels); n > maxInputs {
		return errs.Field(errs.Invalid, "candidate_labels", "%d inputs × %d labels make %d pairs, more than the limit of %d per request",
			len(r.Inputs), len(r.CandidateLabels), n, maxInputs)
	}
	if r.HypothesisTemplate != "" && strings.Count(r.HypothesisTemplate, "{}") != 1 {
		return errs.Field(errs.Invalid, "hypothesis_template", "must contain {} once, where the label goes")
	}
	return nil
}

// ZeroShotResult is one input's labels, best first, with their scores.
type ZeroShotResult struct {
	Sequence string    `json:"sequence"`
	Labels   []string  `json:"labels"`
	Scores   []float64 `json:"scores"`
}

// ZeroShotResponse answers /v1/zero-shot.
type ZeroShotResponse struct {
	Model   string           `json:"model"`
	Results []ZeroShotResult `json:"results"`
	Usage   Usage            `json:"usage"`
}
