package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/pipeline"
)

// The routes in this file answer as Hugging Face text-embeddings-inference (TEI) does, so that its
// clients (huggingface_hub's InferenceClient, LangChain's and LlamaIndex's TEI integrations) work
// unchanged: the same request fields (unknown fields are ignored, as TEI's serde does), bare JSON
// arrays as answers, and errors as {"error", "error_type"} with TEI's statuses.

// teiPaths are the routes that answer errors as TEI does, whichever part of the server fails.
var teiPaths = map[string]bool{
	"/": true, "/embed": true, "/embed_all": true, "/predict": true, "/rerank": true,
	"/tokenize": true, "/decode": true, "/info": true, "/health": true,
}

// TEIError is the body of a TEI route's error response.
type TEIError struct {
	Error     string `json:"error"`
	ErrorType string `json:"error_type"` // validation, tokenizer, empty, overloaded, backend, unhealthy
}

// teiStatus maps error codes to the status and error_type TEI sends for the same failure: 422
// validation for anything wrong with the request (TEI sends 422, not 413, for inputs that are
// too long or batches that are too large), 424 backend when the model cannot do the task or
// inference fails, 429 when overloaded, 503 when unhealthy.
func teiStatus(err error) (int, string) {
	var e *errs.Error
	errors.As(err, &e)
	if errors.As(err, new(emptyBatchError)) {
		return http.StatusBadRequest, "empty"
	}
	switch code := errs.CodeOf(err); code {
	case errs.BadRequest, errs.Invalid, errs.NotFound:
		return http.StatusUnprocessableEntity, "validation"
	case errs.TooLong:
		if e != nil && e.Field == "" { // the body itself is over --max-body-bytes
			return http.StatusRequestEntityTooLarge, "validation"
		}
		return http.StatusUnprocessableEntity, "validation"
	case errs.Overloaded:
		return http.StatusTooManyRequests, "overloaded"
	case errs.Unavailable:
		return http.StatusServiceUnavailable, "unhealthy"
	case errs.Unauthorized:
		return http.StatusUnauthorized, "validation"
	default: // wrong_task, timeout, internal
		return http.StatusFailedDependency, "backend"
	}
}

func (s *Server) writeTEIError(w http.ResponseWriter, r *http.Request, err error) {
	status, kind := teiStatus(err)
	if errs.CodeOf(err) == errs.Internal {
		s.cfg.Logger.Error("request failed", "request_id", requestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, TEIError{Error: errs.Message(err), ErrorType: kind})
}

// decodeLenient reads a JSON body like decode, but ignores unknown fields as TEI does.
func decodeLenient(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	return nil
}

// TEIInputs is TEI's embedding input: a string, a list of token ids, or a list whose items are
// strings or token id lists. Items are kept in order; Texts[i] is used unless IDs[i] is set.
type TEIInputs struct {
	Texts []string
	IDs   [][]int
}

// UnmarshalJSON accepts "text", [101, 2023], and ["text", [101, 2023], ...].
func (in *TEIInputs) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	var s string
	if json.Unmarshal(data, &s) == nil {
		*in = TEIInputs{Texts: []string{s}}
		return nil
	}
	var ids []int
	if len(data) > 2 && json.Unmarshal(data, &ids) == nil {
		*in = TEIInputs{Texts: []string{""}, IDs: [][]int{ids}}
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return errs.Field(errs.Invalid, "inputs", "must be a string, a list of token ids, or a list of strings and token id lists")
	}
	out := TEIInputs{Texts: make([]string, len(items))}
	for i, raw := range items {
		if json.Unmarshal(raw, &out.Texts[i]) == nil {
			continue
		}
		var seq []int
		if json.Unmarshal(raw, &seq) != nil {
			return errs.Field(errs.Invalid, fieldIndex("inputs", i), "must be a string or a list of token ids")
		}
		if out.IDs == nil {
			out.IDs = make([][]int, len(items))
		}
		out.IDs[i] = seq
	}
	*in = out
	return nil
}

// TEIEmbedRequest is the body of POST /embed and POST /embed_all (which ignores normalize and
// dimensions).
type TEIEmbedRequest struct {
	Inputs              TEIInputs `json:"inputs"`
	Normalize           *bool     `json:"normalize"`            // default true
	Truncate            *bool     `json:"truncate"`             // default true (TEI's --auto-truncate)
	TruncationDirection string    `json:"truncation_direction"` // right (default) or left
	PromptName          *string   `json:"prompt_name"`
	Dimensions          *int      `json:"dimensions"`
	Model               string    `json:"model"` // bertserve's addition: which served model
}

// Validate checks the request as TEI does.
func (r *TEIEmbedRequest) Validate(maxInputs int) error {
	if err := teiBatch("inputs", len(r.Inputs.Texts), maxInputs); err != nil {
		return err
	}
	switch r.TruncationDirection {
	case "", "right", "Right", "left", "Left":
	default:
		return errs.Field(errs.Invalid, "truncation_direction", "must be \"right\" or \"left\", not %q", r.TruncationDirection)
	}
	if r.PromptName != nil {
		return errs.Field(errs.Invalid, "prompt_name", "%q cannot be applied: this model has no Sentence Transformers prompts", *r.PromptName)
	}
	if r.Dimensions != nil && *r.Dimensions < 1 {
		return errs.Field(errs.Invalid, "dimensions", "should be positive")
	}
	return nil
}

// emptyBatchError is the one request error TEI answers with 400 "empty" rather than 422.
type emptyBatchError struct{ err *errs.Error }

func (e emptyBatchError) Error() string { return e.err.Error() }
func (e emptyBatchError) Unwrap() error { return e.err }

// teiBatch is TEI's batch check: an empty batch is a 400 "empty", too many inputs a 422.
func teiBatch(field string, n, max int) error {
	switch {
	case n == 0:
		return emptyBatchError{errs.New(errs.Invalid, "`%s` cannot be empty", field)}
	case n > max:
		return errs.Field(errs.Invalid, field, "batch size %d > maximum allowed batch size %d", n, max)
	}
	return nil
}

// embed runs the request on the named (or default) embedding model; token id inputs and text
// inputs of one request are run in two passes and put back in order.
func (s *Server) teiEmbed(r *http.Request, req *TEIEmbedRequest, tokens bool) (*pipeline.Embeddings, error) {
	emb, err := s.models.Embedder(req.Model)
	if err != nil {
		return nil, err
	}
	dims := 0
	if req.Dimensions != nil && !tokens {
		dims = *req.Dimensions
	}
	base := pipeline.EmbedRequest{
		Normalize:    boolOr(req.Normalize, true) && !tokens,
		Truncate:     boolOr(req.Truncate, true),
		TruncateLeft: strings.EqualFold(req.TruncationDirection, "left"),
		Tokens:       tokens,
		Dimensions:   dims,
	}
	var textIdx, idIdx []int
	var texts []string
	var ids [][]int
	for i, t := range req.Inputs.Texts {
		if req.Inputs.IDs != nil && req.Inputs.IDs[i] != nil {
			idIdx, ids = append(idIdx, i), append(ids, req.Inputs.IDs[i])
		} else {
			textIdx, texts = append(textIdx, i), append(texts, t)
		}
	}
	out := &pipeline.Embeddings{}
	n := len(req.Inputs.Texts)
	if tokens {
		out.TokenStates = make([][][]float32, n)
	} else {
		out.Sentence = make([][]float32, n)
	}
	for _, part := range []struct {
		idx   []int
		texts []string
		ids   [][]int
	}{{textIdx, texts, nil}, {idIdx, nil, ids}} {
		if len(part.idx) == 0 {
			continue
		}
		preq := base
		preq.Inputs, preq.IDs = part.texts, part.ids
		res, err := emb.Embed(r.Context(), preq)
		if err != nil {
			return nil, err
		}
		out.PromptTokens += res.PromptTokens
		for k, i := range part.idx {
			if tokens {
				out.TokenStates[i] = res.TokenStates[k]
			} else {
				out.Sentence[i] = res.Sentence[k]
			}
		}
	}
	return out, nil
}

func (s *Server) teiEmbedHandler(w http.ResponseWriter, r *http.Request) {
	var req TEIEmbedRequest
	if err := decodeLenient(r, &req); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	if err := req.Validate(s.cfg.MaxInputs); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	res, err := s.teiEmbed(r, &req, false)
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res.Sentence)
}

func (s *Server) teiEmbedAll(w http.ResponseWriter, r *http.Request) {
	var req TEIEmbedRequest
	if err := decodeLenient(r, &req); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	req.Dimensions = nil // not a field of TEI's /embed_all
	if err := req.Validate(s.cfg.MaxInputs); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	res, err := s.teiEmbed(r, &req, true)
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res.TokenStates)
}

// TEITokenizeRequest is the body of POST /tokenize.
type TEITokenizeRequest struct {
	Inputs           TextInputs `json:"inputs"`
	AddSpecialTokens *bool      `json:"add_special_tokens"` // default true
	PromptName       *string    `json:"prompt_name"`
	Model            string     `json:"model"`
}

// TEIToken is one token as TEI's /tokenize lists it: for special tokens the token itself with
// null offsets, for others the input's text that the token covers, with its byte offsets.
type TEIToken struct {
	ID      int    `json:"id"`
	Text    string `json:"text"`
	Special bool   `json:"special"`
	Start   *int   `json:"start"`
	Stop    *int   `json:"stop"`
}

func (s *Server) teiTokenize(w http.ResponseWriter, r *http.Request) {
	var req TEITokenizeRequest
	if err := decodeLenient(r, &req); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	if err := teiBatch("inputs", len(req.Inputs), s.cfg.MaxInputs); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	if req.PromptName != nil {
		s.writeTEIError(w, r, errs.Field(errs.Invalid, "prompt_name", "%q cannot be applied: this model has no Sentence Transformers prompts", *req.PromptName))
		return
	}
	enc, _, err := s.models.Encoder(req.Model)
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	toks, err := enc.Tokenize(req.Inputs, boolOr(req.AddSpecialTokens, true))
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	out := make([][]TEIToken, len(toks))
	for i, list := range toks {
		out[i] = make([]TEIToken, len(list))
		for j, t := range list {
			out[i][j] = TEIToken{ID: t.ID, Text: t.Text, Special: t.Special}
			if !t.Special {
				text := req.Inputs[i].Text
				if t.TypeID == 1 && req.Inputs[i].IsPair {
					text = req.Inputs[i].Pair
				}
				start, stop := byteOffset(text, t.Start), byteOffset(text, t.End)
				out[i][j].Text, out[i][j].Start, out[i][j].Stop = text[start:stop], &start, &stop
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// byteOffset converts a code point offset into s to a byte offset.
func byteOffset(s string, chars int) int {
	n := 0
	for i := range s {
		if n == chars {
			return i
		}
		n++
	}
	return len(s)
}

// TEIIDs is TEI's decode input: one list of ids or a list of them.
type TEIIDs [][]int

// UnmarshalJSON accepts [101, 2023] and [[101, 2023], [101]].
func (t *TEIIDs) UnmarshalJSON(data []byte) error {
	var one []int
	if json.Unmarshal(data, &one) == nil && len(bytes.TrimSpace(data)) > 2 {
		*t = TEIIDs{one}
		return nil
	}
	var many [][]int
	if err := json.Unmarshal(data, &many); err != nil {
		return errs.Field(errs.Invalid, "ids", "must be a list of token ids or a list of such lists")
	}
	*t = many
	return nil
}

// TEIDecodeRequest is the body of POST /decode.
type TEIDecodeRequest struct {
	IDs               TEIIDs `json:"ids"`
	SkipSpecialTokens *bool  `json:"skip_special_tokens"` // default true
	Model             string `json:"model"`
}

func (s *Server) teiDecode(w http.ResponseWriter, r *http.Request) {
	var req TEIDecodeRequest
	if err := decodeLenient(r, &req); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	if err := teiBatch("ids", len(req.IDs), s.cfg.MaxInputs); err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	enc, _, err := s.models.Encoder(req.Model)
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	texts, err := enc.Detokenize(req.IDs, boolOr(req.SkipSpecialTokens, true))
	if err != nil {
		s.writeTEIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, texts)
}

// teiHealth is TEI's GET /health: 200 with an empty body once ready, 503 otherwise.
func (s *Server) teiHealth(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		s.writeTEIError(w, r, errs.New(errs.Unavailable, "unhealthy"))
		return
	}
	w.WriteHeader(http.StatusOK)
}
