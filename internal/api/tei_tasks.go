package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/pipeline"
	"github.com/bertserve/bertserve/internal/postprocess"
)

// The task heads behind TEI's /predict and /rerank are optional parts of Models, as *model.Registry
// has them; a registry without them answers 424 as TEI does for a model that cannot do the task.
type (
	classifiers interface {
		Classifier(name string) (*pipeline.Classifier, error)
	}
	rerankers interface {
		Reranker(name string) (*pipeline.Reranker, error)
	}
)

// TEIPredictInputs is TEI's /predict input: a text, a [text, text_pair] pair, or a batch whose
// items are [text] or [text, text_pair]. Batch says which of the two answer shapes to use.
type TEIPredictInputs struct {
	Inputs []pipeline.Input
	Batch  bool
}

// UnmarshalJSON accepts "text", ["text", "pair"] and [["text"], ["text", "pair"], ...].
func (in *TEIPredictInputs) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	var s string
	if json.Unmarshal(data, &s) == nil {
		*in = TEIPredictInputs{Inputs: []pipeline.Input{{Text: s}}}
		return nil
	}
	var flat []string
	if json.Unmarshal(data, &flat) == nil && len(flat) > 0 {
		if len(flat) > 2 {
			return errs.Field(errs.Invalid, "inputs", "a list of strings is a [text, text_pair] pair and has at most 2 items, not %d; send a batch as [[text], [text, text_pair], ...]", len(flat))
		}
		*in = TEIPredictInputs{Inputs: []pipeline.Input{seqInput(flat)}}
		return nil
	}
	var batch [][]string
	if err := json.Unmarshal(data, &batch); err != nil {
		return errs.Field(errs.Invalid, "inputs", "must be a string, a [text, text_pair] pair, or a batch of [text] and [text, text_pair] lists")
	}
	out := TEIPredictInputs{Batch: true, Inputs: make([]pipeline.Input, len(batch))}
	for i, seq := range batch {
		if len(seq) < 1 || len(seq) > 2 {
			return errs.Field(errs.Invalid, fieldIndex("inputs", i), "must hold 1 or 2 strings, not %d", len(seq))
		}
		out.Inputs[i] = seqInput(seq)
	}
	*in = out
	return nil
}

func seqInput(seq []string) pipeline.Input {
	if len(seq) == 2 {
		return pipeline.Input{Text: seq[0], Pair: seq[1], IsPair: true}
	}
	return pipeline.Input{Text: seq[0]}
}

// TEIPredictRequest is the body of POST /predict.
type TEIPredictRequest struct {
	Inputs              TEIPredictInputs `json:"inputs"`
	Truncate            *bool            `json:"truncate"` // default true
	TruncationDirection string           `json:"truncation_direction"`
	RawScores           bool             `json:"raw_scores"` // logits instead of probabilities
	Model               string           `json:"model"`
}

// TEIPrediction is one label's score.
type TEIPrediction struct {
	Score float64 `json:"score"`
	Label string  `json:"label"`
}

func (s *Server) teiPredict(w http.ResponseWriter, r *http.Request) {
	var req TEIPredictRequest
	if err := decodeLenient(r, &req); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	if err := teiBatch("inputs", len(req.Inputs.Inputs), s.cfg.MaxInputs); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	if err := checkDirection(req.TruncationDirection); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	cs, ok := s.models.(classifiers)
	if !ok {
		s.writeTEIError(w, r, errs.New(errs.WrongTask, "Model is not a classifier model"))
		return
	}
	c, err := cs.Classifier(req.Model)
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	var f postprocess.Function
	if req.RawScores {
		f = postprocess.FuncNone
	}
	res, err := c.Classify(r.Context(), pipeline.ClassifyRequest{
		Inputs: req.Inputs.Inputs, Function: f, Truncate: boolOr(req.Truncate, true),
	})
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	out := make([][]TEIPrediction, len(res.Labels))
	for i, labels := range res.Labels {
		out[i] = make([]TEIPrediction, len(labels))
		for j, l := range labels {
			out[i][j] = TEIPrediction{Score: l.Score, Label: l.Label}
		}
	}
	if req.Inputs.Batch {
		writeJSON(w, http.StatusOK, out)
		return
	}
	writeJSON(w, http.StatusOK, out[0])
}

// TEIRerankRequest is the body of POST /rerank.
type TEIRerankRequest struct {
	Query               string   `json:"query"`
	Texts               []string `json:"texts"`
	Truncate            *bool    `json:"truncate"` // default true
	TruncationDirection string   `json:"truncation_direction"`
	RawScores           bool     `json:"raw_scores"`
	ReturnText          bool     `json:"return_text"`
	Model               string   `json:"model"`
}

// TEIRank is one text's place: its index in texts, its score and, with return_text, the text.
type TEIRank struct {
	Index int     `json:"index"`
	Text  *string `json:"text,omitempty"`
	Score float64 `json:"score"`
}

func (s *Server) teiRerank(w http.ResponseWriter, r *http.Request) {
	var req TEIRerankRequest
	if err := decodeLenient(r, &req); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	if err := teiBatch("texts", len(req.Texts), s.cfg.MaxInputs); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	if err := checkDirection(req.TruncationDirection); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	rs, ok := s.models.(rerankers)
	if !ok {
		s.writeTEIError(w, r, errs.New(errs.WrongTask, "Model is not a reranker model"))
		return
	}
	rr, err := rs.Reranker(req.Model)
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	ranked, _, err := rr.Rerank(r.Context(), pipeline.RerankRequest{
		Query: req.Query, Texts: req.Texts, RawScores: req.RawScores, Truncate: boolOr(req.Truncate, true),
	})
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	out := make([]TEIRank, len(ranked))
	for i, x := range ranked {
		out[i] = TEIRank{Index: x.Index, Score: x.Score}
		if req.ReturnText {
			out[i].Text = &req.Texts[x.Index]
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// checkDirection accepts TEI's truncation direction where only cutting at the end is supported:
// classification and reranking cut pairs longest-first from the end.
func checkDirection(d string) error {
	switch strings.ToLower(d) {
	case "", "right":
		return nil
	case "left":
		return errs.Field(errs.Invalid, "truncation_direction", "left is not supported for text pairs; use right")
	}
	return errs.Field(errs.Invalid, "truncation_direction", "must be \"right\" or \"left\", not %q", d)
}
