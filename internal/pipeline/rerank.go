package pipeline

import (
	"context"
	"sort"

	"github.com/bertserve/bertserve/internal/postprocess"
)

// Reranker orders texts by relevance to a query: with a cross-encoder (a classifier with one
// logit) each (query, text) pair is scored, with an embedding model the cosine of their vectors is.
type Reranker struct {
	Model    string
	Cross    *Classifier // set for cross-encoders
	Embedder *Embedder   // set for bi-encoders
}

// RerankRequest asks for texts ranked against a query.
type RerankRequest struct {
	Query     string
	Texts     []string
	TopN      int  // results kept; 0 keeps all
	RawScores bool // cross-encoders: the logit instead of its sigmoid
	Truncate  bool
}

// Ranked is one text's place in the ranking.
type Ranked struct {
	Index int
	Score float64
}

// Rerank runs req and returns the texts' indexes, most relevant first.
func (r *Reranker) Rerank(ctx context.Context, req RerankRequest) ([]Ranked, int, error) {
	var scores []float64
	var tokens int
	if r.Cross != nil {
		pairs := make([]Input, len(req.Texts))
		for i, t := range req.Texts {
			pairs[i] = Input{Text: req.Query, Pair: t, IsPair: true}
		}
		logits, n, err := r.Cross.logits(ctx, pairs, req.Truncate, LongestFirst, "texts")
		if err != nil {
			return nil, 0, err
		}
		tokens = n
		scores = make([]float64, len(logits))
		for i, l := range logits {
			scores[i] = float64(l[0])
			if !req.RawScores {
				scores[i] = postprocess.Sigmoid(scores[i])
			}
		}
	} else {
		emb, err := r.Embedder.Embed(ctx, EmbedRequest{Inputs: append([]string{req.Query}, req.Texts...), Normalize: true, Truncate: req.Truncate})
		if err != nil {
			return nil, 0, err
		}
		tokens = emb.PromptTokens
		q := emb.Sentence[0]
		scores = make([]float64, len(req.Texts))
		for i, v := range emb.Sentence[1:] {
			var dot float64
			for k := range v {
				dot += float64(v[k]) * float64(q[k])
			}
			scores[i] = dot
		}
	}
	ranked := make([]Ranked, len(scores))
	for i, s := range scores {
		ranked[i] = Ranked{Index: i, Score: s}
	}
	sort.SliceStable(ranked, func(a, b int) bool { return ranked[a].Score > ranked[b].Score })
	if req.TopN > 0 && req.TopN < len(ranked) {
		ranked = ranked[:req.TopN]
	}
	return ranked, tokens, nil
}
