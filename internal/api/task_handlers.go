package api

import (
	"net/http"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/pipeline"
	"github.com/bertserve/bertserve/internal/postprocess"
)

// validator is a request body that can check itself against the server's per-request limit.
type validator interface{ Validate(maxInputs int) error }

// serve is the shape of every JSON route: decode the body into a fresh T, validate it, run it,
// and encode the answer (or the error).
func serve[T any, PT interface {
	*T
	validator
}](s *Server, run func(r *http.Request, req PT) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req := PT(new(T))
		if err := decode(r, req); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := req.Validate(s.cfg.MaxInputs); err != nil {
			s.writeError(w, r, err)
			return
		}
		resp, err := run(r, req)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func (s *Server) classify(r *http.Request, req *ClassifyRequest) (any, error) {
	c, err := s.models.Classifier(req.Model)
	if err != nil {
		return nil, err
	}
	res, err := c.Classify(r.Context(), pipeline.ClassifyRequest{
		Inputs: req.Inputs, TopK: req.topK(), Function: req.function(), Truncate: boolOr(req.Truncate, true),
	})
	if err != nil {
		return nil, err
	}
	out := ClassifyResponse{Model: c.Model, Results: make([][]LabelScore, len(res.Labels)), Usage: usage(res.PromptTokens)}
	for i, labels := range res.Labels {
		out.Results[i] = make([]LabelScore, len(labels))
		for k, l := range labels {
			out.Results[i][k] = LabelScore{Label: l.Label, Score: l.Score}
		}
	}
	return out, nil
}

func (s *Server) ner(r *http.Request, req *NERRequest) (any, error) {
	rec, err := s.models.Recognizer(req.Model)
	if err != nil {
		return nil, err
	}
	agg := postprocess.AggSimple
	if req.AggregationStrategy != "" {
		agg = postprocess.Aggregation(req.AggregationStrategy)
	}
	ignore := []string{"O"}
	if req.IgnoreLabels != nil {
		ignore = *req.IgnoreLabels
	}
	res, err := rec.Recognize(r.Context(), pipeline.NERRequest{
		Inputs: req.Inputs, Aggregation: agg, IgnoreLabels: ignore, Stride: intOr(req.Stride, rec.DefaultStride()),
	})
	if err != nil {
		return nil, err
	}
	out := NERResponse{Model: rec.Model, Results: make([][]Entity, len(res.Entities)), Usage: usage(res.PromptTokens)}
	for i, ents := range res.Entities {
		out.Results[i] = make([]Entity, len(ents))
		for k, e := range ents {
			ent := Entity{EntityGroup: e.Group, Score: e.Score, Word: e.Word, Start: e.Start, End: e.End}
			if agg == postprocess.AggNone {
				ent.Entity, ent.Index = e.Label, &e.Index
			}
			out.Results[i][k] = ent
		}
	}
	return out, nil
}

func (s *Server) qa(r *http.Request, req *QARequest) (any, error) {
	a, err := s.models.Answerer(req.Model)
	if err != nil {
		return nil, err
	}
	inputs := req.Inputs
	if len(inputs) == 0 {
		inputs = []QAPair{{Question: req.Question, Context: req.Context}}
	}
	maxLen := a.Encoder.MaxLength
	maxSeq := intOr(req.MaxSeqLen, min(384, maxLen))
	if maxSeq > maxLen {
		return nil, errs.Field(errs.Invalid, "max_seq_len", "%d is more than the model's maximum of %d tokens", maxSeq, maxLen)
	}
	stride := intOr(req.DocStride, min(maxSeq/2, 128))
	if stride > maxSeq {
		return nil, errs.Field(errs.Invalid, "doc_stride", "%d is larger than max_seq_len %d", stride, maxSeq)
	}
	preq := pipeline.QARequest{
		TopK: intOr(req.TopK, 1), MaxAnswerLen: intOr(req.MaxAnswerLen, 15), MaxSeqLen: maxSeq, DocStride: stride,
		MaxQuestionLen: intOr(req.MaxQuestionLen, 64), HandleImpossible: req.HandleImpossibleAnswer,
		AlignToWords: boolOr(req.AlignToWords, true),
	}
	for _, in := range inputs {
		preq.Inputs = append(preq.Inputs, pipeline.QAInput{Question: in.Question, Context: in.Context})
	}
	res, err := a.Answer(r.Context(), preq)
	if err != nil {
		return nil, err
	}
	out := QAResponse{Model: a.Model, Results: make([][]Answer, len(res.Answers)), Usage: usage(res.PromptTokens)}
	for i, answers := range res.Answers {
		out.Results[i] = make([]Answer, len(answers))
		for k, x := range answers {
			out.Results[i][k] = Answer{Answer: x.Answer, Score: x.Score, Start: x.Start, End: x.End}
		}
	}
	return out, nil
}

func (s *Server) fillMask(r *http.Request, req *FillMaskRequest) (any, error) {
	f, err := s.models.Filler(req.Model)
	if err != nil {
		return nil, err
	}
	var targets []int
	if req.Targets != nil {
		if targets, err = f.TargetIDs(req.Targets); err != nil {
			return nil, err
		}
	}
	res, err := f.Fill(r.Context(), pipeline.FillMaskRequest{
		Inputs: req.Inputs, TopK: intOr(req.TopK, 5), Targets: targets, Truncate: boolOr(req.Truncate, true),
	})
	if err != nil {
		return nil, err
	}
	out := FillMaskResponse{Model: f.Model, Results: make([][][]Fill, len(res.Fills)), Usage: usage(res.PromptTokens)}
	for i, masks := range res.Fills {
		out.Results[i] = make([][]Fill, len(masks))
		for m, fills := range masks {
			out.Results[i][m] = make([]Fill, len(fills))
			for k, x := range fills {
				out.Results[i][m][k] = Fill{Token: x.Token, TokenStr: x.TokenStr, Score: x.Score, Sequence: x.Sequence}
			}
		}
	}
	return out, nil
}

func (s *Server) rerank(r *http.Request, req *RerankRequest) (any, error) {
	rr, err := s.models.Reranker(req.Model)
	if err != nil {
		return nil, err
	}
	ranked, tokens, err := rr.Rerank(r.Context(), pipeline.RerankRequest{
		Query: req.Query, Texts: req.Texts, TopN: intOr(req.TopN, 0), RawScores: req.RawScores, Truncate: boolOr(req.Truncate, true),
	})
	if err != nil {
		return nil, err
	}
	out := RerankResponse{Model: rr.Model, Results: make([]Ranked, len(ranked)), Usage: usage(tokens)}
	for i, x := range ranked {
		out.Results[i] = Ranked{Index: x.Index, Score: x.Score}
		if req.ReturnText {
			out.Results[i].Text = &req.Texts[x.Index]
		}
	}
	return out, nil
}

func (s *Server) zeroShot(r *http.Request, req *ZeroShotRequest) (any, error) {
	z, name, err := s.models.ZeroShot(req.Model)
	if err != nil {
		return nil, err
	}
	tmpl := req.HypothesisTemplate
	if tmpl == "" {
		tmpl = DefaultHypothesisTemplate
	}
	res, tokens, err := z.Classify(r.Context(), pipeline.ZeroShotRequest{
		Inputs: req.Inputs, CandidateLabels: req.CandidateLabels, HypothesisTemplate: tmpl,
		MultiLabel: req.MultiLabel, Truncate: boolOr(req.Truncate, true),
	})
	if err != nil {
		return nil, err
	}
	out := ZeroShotResponse{Model: name, Results: make([]ZeroShotResult, len(res)), Usage: usage(tokens)}
	for i, x := range res {
		out.Results[i] = ZeroShotResult{Sequence: x.Sequence, Labels: x.Labels, Scores: x.Scores}
	}
	return out, nil
}
