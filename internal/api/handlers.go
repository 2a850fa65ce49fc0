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

func (s *Server) embed(w http.ResponseWriter, r *http.Request) {
	var req EmbedRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := req.Validate(s.cfg.MaxInputs); err != nil {
		s.writeError(w, r, err)
		return
	}
	emb, err := s.models.Embedder(req.Model)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := emb.Embed(r.Context(), pipeline.EmbedRequest{
		Inputs:    req.Inputs,
		Normalize: boolOr(req.Normalize, emb.Normalize),
		Truncate:  boolOr(req.Truncate, true),
		Tokens:    req.Output == "tokens",
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, EmbedResponse{
		Model:           emb.Model,
		Embeddings:      res.Sentence,
		TokenEmbeddings: res.TokenStates,
		Tokens:          tokenInfos(res.Tokens),
		Usage:           usage(res.PromptTokens),
	})
}

func (s *Server) tokenize(w http.ResponseWriter, r *http.Request) {
	var req TokenizeRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := req.Validate(s.cfg.MaxInputs); err != nil {
		s.writeError(w, r, err)
		return
	}
	enc, name, err := s.models.Encoder(req.Model)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	toks, err := enc.Tokenize(req.Inputs, boolOr(req.AddSpecialTokens, true))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, TokenizeResponse{Model: name, Tokens: tokenInfos(toks)})
}

func (s *Server) detokenize(w http.ResponseWriter, r *http.Request) {
	var req DetokenizeRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := req.Validate(s.cfg.MaxInputs); err != nil {
		s.writeError(w, r, err)
		return
	}
	enc, name, err := s.models.Encoder(req.Model)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	texts, err := enc.Detokenize(req.IDs, boolOr(req.SkipSpecialTokens, true))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DetokenizeResponse{Model: name, Texts: texts})
}
