package api

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/pipeline"
)

// OpenAIInput is the "input" of OpenAI's embeddings API: a string, a list of strings, a list of
// token ids, or a list of token id lists. Exactly one of Texts and IDs is set.
type OpenAIInput struct {
	Texts []string
	IDs   [][]int
}

// UnmarshalJSON accepts "text", ["t1", "t2"], [101, 2023] and [[101, 2023], [101]].
func (in *OpenAIInput) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	var texts Texts
	if len(data) > 0 && data[0] == '"' || json.Unmarshal(data, &[]string{}) == nil {
		if err := texts.UnmarshalJSON(data); err != nil {
			return errs.Field(errs.Invalid, "input", "%s", errs.Message(err))
		}
		*in = OpenAIInput{Texts: texts}
		return nil
	}
	var one []int
	if json.Unmarshal(data, &one) == nil {
		*in = OpenAIInput{IDs: [][]int{one}}
		return nil
	}
	var many [][]int
	if json.Unmarshal(data, &many) == nil {
		*in = OpenAIInput{IDs: many}
		return nil
	}
	return errs.Field(errs.Invalid, "input", "must be a string, an array of strings, an array of token ids or an array of token id arrays")
}

func (in OpenAIInput) len() int { return max(len(in.Texts), len(in.IDs)) }

// OpenAIEmbeddingsRequest is the body of POST /v1/embeddings, as OpenAI's API defines it.
type OpenAIEmbeddingsRequest struct {
	Input          OpenAIInput `json:"input"`
	Model          string      `json:"model"`
	EncodingFormat string      `json:"encoding_format,omitempty"` // "float" (default) or "base64"
	Dimensions     *int        `json:"dimensions,omitempty"`
	User           string      `json:"user,omitempty"` // accepted and ignored
}

// Validate checks the request against the server's limits.
func (r *OpenAIEmbeddingsRequest) Validate(maxInputs int) error {
	if err := validateCount("input", r.Input.len(), maxInputs); err != nil {
		return err
	}
	switch r.EncodingFormat {
	case "", "float", "base64":
	default:
		return errs.Field(errs.Invalid, "encoding_format", "must be \"float\" or \"base64\", not %q", r.EncodingFormat)
	}
	if r.Dimensions != nil && *r.Dimensions < 1 {
		return errs.Field(errs.Invalid, "dimensions", "must be at least 1, not %d", *r.Dimensions)
	}
	return nil
}

// OpenAIEmbeddingsResponse is OpenAI's list shape.
type OpenAIEmbeddingsResponse struct {
	Object string            `json:"object"` // "list"
	Data   []OpenAIEmbedding `json:"data"`
	Model  string            `json:"model"`
	Usage  Usage             `json:"usage"`
}

// OpenAIEmbedding is one vector: a JSON array of numbers, or with encoding_format base64 a string
// holding its little-endian float32 bytes.
type OpenAIEmbedding struct {
	Object    string `json:"object"` // "embedding"
	Embedding any    `json:"embedding"`
	Index     int    `json:"index"`
}

func (s *Server) openaiEmbeddings(w http.ResponseWriter, r *http.Request) {
	var req OpenAIEmbeddingsRequest
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
	dims := 0
	if req.Dimensions != nil {
		dims = *req.Dimensions
	}
	res, err := emb.Embed(r.Context(), pipeline.EmbedRequest{
		Inputs: req.Input.Texts, IDs: req.Input.IDs,
		Normalize: emb.Normalize, Truncate: true, Dimensions: dims,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := OpenAIEmbeddingsResponse{Object: "list", Model: emb.Model, Usage: usage(res.PromptTokens),
		Data: make([]OpenAIEmbedding, len(res.Sentence))}
	for i, v := range res.Sentence {
		out.Data[i] = OpenAIEmbedding{Object: "embedding", Index: i, Embedding: v}
		if req.EncodingFormat == "base64" {
			out.Data[i].Embedding = base64Floats(v)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// base64Floats encodes v as OpenAI does: little-endian float32s, base64 (standard alphabet).
func base64Floats(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}
