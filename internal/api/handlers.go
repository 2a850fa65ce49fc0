package api

import (
	"net/http"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/pipeline"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		s.writeError(w, r, errs.New(errs.Unavailable, "models are loading or warming up"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(s.cfg.Spec)
}

func (s *Server) embed(r *http.Request, req *EmbedRequest) (any, error) {
	emb, err := s.models.Embedder(req.Model)
	if err != nil {
		return nil, err
	}
	res, err := emb.Embed(r.Context(), pipeline.EmbedRequest{
		Inputs:    req.Inputs,
		Normalize: boolOr(req.Normalize, emb.Normalize),
		Truncate:  boolOr(req.Truncate, true),
		Tokens:    req.Output == "tokens",
	})
	if err != nil {
		return nil, err
	}
	return EmbedResponse{
		Model:           emb.Model,
		Embeddings:      res.Sentence,
		TokenEmbeddings: res.TokenStates,
		Tokens:          tokenInfos(res.Tokens),
		Usage:           usage(res.PromptTokens),
	}, nil
}

func (s *Server) tokenize(r *http.Request, req *TokenizeRequest) (any, error) {
	enc, name, err := s.models.Encoder(req.Model)
	if err != nil {
		return nil, err
	}
	toks, err := enc.Tokenize(req.Inputs, boolOr(req.AddSpecialTokens, true))
	if err != nil {
		return nil, err
	}
	return TokenizeResponse{Model: name, Tokens: tokenInfos(toks)}, nil
}

func (s *Server) detokenize(r *http.Request, req *DetokenizeRequest) (any, error) {
	enc, name, err := s.models.Encoder(req.Model)
	if err != nil {
		return nil, err
	}
	texts, err := enc.Detokenize(req.IDs, boolOr(req.SkipSpecialTokens, true))
	if err != nil {
		return nil, err
	}
	return DetokenizeResponse{Model: name, Texts: texts}, nil
}
