package api

import (
	"bytes"
	"encoding/json"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/pipeline"
)

// Texts is a JSON string or array of strings; a single string is a list of one.
type Texts []string

// UnmarshalJSON accepts "text" or ["t1", "t2"].
func (t *Texts) UnmarshalJSON(data []byte) error {
	list, err := stringOrList(data, "inputs")
	*t = list
	return err
}

// stringOrList reads a JSON string as a list of one, or an array of strings; an error names field.
func stringOrList(data []byte, field string) ([]string, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, errs.Field(errs.Invalid, field, "invalid string: %v", err)
		}
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, errs.Field(errs.Invalid, field, "must be a string or an array of strings")
	}
	return list, nil
}

// TextInputs is a JSON string, or an array whose items are strings or [text, text_pair] pairs.
type TextInputs []pipeline.Input

// UnmarshalJSON accepts "text", ["t1", "t2"] and [["text", "pair"], ...] (items may mix).
func (t *TextInputs) UnmarshalJSON(data []byte) error {
	var one Texts
	if err := one.UnmarshalJSON(data); err == nil {
		*t = make(TextInputs, len(one))
		for i, s := range one {
			(*t)[i] = pipeline.Input{Text: s}
		}
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return errs.Field(errs.Invalid, "inputs", "must be a string, or an array of strings and [text, text_pair] pairs")
	}
	out := make(TextInputs, len(items))
	for i, raw := range items {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out[i] = pipeline.Input{Text: s}
			continue
		}
		var pair []string
		if json.Unmarshal(raw, &pair) != nil || len(pair) != 2 {
			return errs.Field(errs.Invalid, fieldIndex("inputs", i), "must be a string or a [text, text_pair] array of two strings")
		}
		out[i] = pipeline.Input{Text: pair[0], Pair: pair[1], IsPair: true}
	}
	*t = out
	return nil
}

// Usage counts the tokens a request fed the model.
type Usage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

func usage(n int) Usage { return Usage{PromptTokens: n, TotalTokens: n} }

// EmbedRequest is the body of POST /v1/embed.
type EmbedRequest struct {
	Inputs    Texts  `json:"inputs"`
	Normalize *bool  `json:"normalize,omitempty"` // default: the model's config
	Truncate  *bool  `json:"truncate,omitempty"`  // default true
	Output    string `json:"output,omitempty"`    // "sentence" (default) or "tokens"
	Model     string `json:"model,omitempty"`
}

// Validate checks the request against the server's limits.
func (r *EmbedRequest) Validate(maxInputs int) error {
	if err := validateCount("inputs", len(r.Inputs), maxInputs); err != nil {
		return err
	}
	switch r.Output {
	case "", "sentence", "tokens":
	default:
		return errs.Field(errs.Invalid, "output", "must be \"sentence\" or \"tokens\", not %q", r.Output)
	}
	return nil
}

// EmbedResponse answers /v1/embed: Embeddings for output "sentence"; TokenEmbeddings and Tokens
// (one list per input) for output "tokens".
type EmbedResponse struct {
	Model           string        `json:"model"`
	Embeddings      [][]float32   `json:"embeddings,omitempty"`
	TokenEmbeddings [][][]float32 `json:"token_embeddings,omitempty"`
	Tokens          [][]TokenInfo `json:"tokens,omitempty"`
	Usage           Usage         `json:"usage"`
}

// TokenInfo is one token, with character (code point) offsets into its input text — or into the
// pair text, for tokens of the second sequence (type_id 1 in BERT).
type TokenInfo struct {
	ID      int    `json:"id"`
	Text    string `json:"text"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
	TypeID  int    `json:"type_id"`
	Special bool   `json:"special"`
}

func tokenInfos(toks [][]pipeline.Token) [][]TokenInfo {
	out := make([][]TokenInfo, len(toks))
	for i, list := range toks {
		out[i] = make([]TokenInfo, len(list))
		for j, t := range list {
			out[i][j] = TokenInfo{ID: t.ID, Text: t.Text, Start: t.Start, End: t.End, TypeID: t.TypeID, Special: t.Special}
		}
	}
	return out
}

// TokenizeRequest is the body of POST /v1/tokenize.
type TokenizeRequest struct {
	Inputs           TextInputs `json:"inputs"`
	AddSpecialTokens *bool      `json:"add_special_tokens,omitempty"` // default true
	Model            string     `json:"model,omitempty"`
}

// Validate checks the request against the server's limits.
func (r *TokenizeRequest) Validate(maxInputs int) error {
	return validateCount("inputs", len(r.Inputs), maxInputs)
}

// TokenizeResponse answers /v1/tokenize: one token list per input.
type TokenizeResponse struct {
	Model  string        `json:"model"`
	Tokens [][]TokenInfo `json:"tokens"`
}

// DetokenizeRequest is the body of POST /v1/detokenize.
type DetokenizeRequest struct {
	IDs               [][]int `json:"ids"`
	SkipSpecialTokens *bool   `json:"skip_special_tokens,omitempty"` // default true
	Model             string  `json:"model,omitempty"`
}

// Validate checks the request against the server's limits.
func (r *DetokenizeRequest) Validate(maxInputs int) error {
	return validateCount("ids", len(r.IDs), maxInputs)
}

// DetokenizeResponse answers /v1/detokenize: one text per id sequence.
type DetokenizeResponse struct {
	Model string   `json:"model"`
	Texts []string `json:"texts"`
}

func validateCount(field string, n, max int) error {
	switch {
	case n == 0:
		return errs.Field(errs.Invalid, field, "is required and must not be empty")
	case n > max:
		return errs.Field(errs.Invalid, field, "has %d items, more than the limit of %d per request", n, max)
	}
	return nil
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
