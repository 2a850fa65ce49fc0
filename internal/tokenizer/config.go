package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// fileJSON is the top level of tokenizer.json; components stay raw until their type is known.
type fileJSON struct {
	AddedTokens   []addedToken    `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	Model         json.RawMessage `json:"model"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Truncation    json.RawMessage `json:"truncation"`
	Padding       json.RawMessage `json:"padding"`
}

// FromBytes parses the contents of a tokenizer.json. Components this package does not implement
// are reported by name.
func FromBytes(data []byte) (t *Tokenizer, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("tokenizer.json: malformed component: %v", r)
		}
	}()
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	t = &Tokenizer{}
	if t.norm, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	if t.pre, err = parsePreTokenizer(f.PreTokenizer); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	if t.model, err = parseModel(f.Model); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if t.post, err = parsePostProcessor(f.PostProcessor, t.model); err != nil {
		return nil, fmt.Errorf("post_processor: %w", err)
	}
	if t.dec, err = parseDecoder(f.Decoder); err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	if t.defaults.Truncation, err = parseTruncation(f.Truncation); err != nil {
		return nil, fmt.Errorf("truncation: %w", err)
	}
	if t.defaults.Padding, err = parsePadding(f.Padding); err != nil {
		return nil, fmt.Errorf("padding: %w", err)
	}
	t.added = newAddedVocab(f.AddedTokens, t.model, t.norm)
	return t, nil
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

// typeOf reads the "type" field of a component.
func typeOf(raw json.RawMessage) (string, error) {
	var h struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", err
	}
	return h.Type, nil
}

func unsupported(kind, typ string) error {
	return fmt.Errorf("unsupported %s type %q", kind, typ)
}

func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	typ, err := typeOf(raw)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "BertNormalizer":
		var c struct {
			CleanText    *bool `json:"clean_text"`
			ChineseChars *bool `json:"handle_chinese_chars"`
			StripAccents *bool `json:"strip_accents"`
			Lowercase    *bool `json:"lowercase"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		b := &bertNormalizer{cleanText: orTrue(c.CleanText), chineseChars: orTrue(c.ChineseChars), lowercase: orTrue(c.Lowercase)}
		b.stripAccents = b.lowercase
		if c.StripAccents != nil {
			b.stripAccents = *c.StripAccents
		}
		return b, nil
	}
	return parseNormalizerMore(typ, raw)
}

func orTrue(b *bool) bool { return b == nil || *b }

func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	typ, err := typeOf(raw)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "BertPreTokenizer":
		return bertPreTokenizer{}, nil
	}
	return parsePreTokenizerMore(typ, raw)
}

func parseModel(raw json.RawMessage) (model, error) {
	if isNull(raw) {
		return nil, errors.New("missing model")
	}
	var c struct {
		Type                    string          `json:"type"`
		Vocab                   json.RawMessage `json:"vocab"`
		Merges                  json.RawMessage `json:"merges"`
		UnkToken                *string         `json:"unk_token"`
		ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
		MaxInputCharsPerWord    *int            `json:"max_input_chars_per_word"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	typ := c.Type
	if typ == "" {
		// Old files have no type; the library then tries each model in this order.
		switch {
		case c.Merges != nil:
			typ = "BPE"
		case strings.HasPrefix(strings.TrimSpace(string(c.Vocab)), "["):
			typ = "Unigram"
		case c.ContinuingSubwordPrefix != nil || c.MaxInputCharsPerWord != nil:
			typ = "WordPiece"
		default:
			typ = "WordLevel"
		}
	}
	switch typ {
	case "WordPiece":
		var v map[string]int
		if err := json.Unmarshal(c.Vocab, &v); err != nil {
			return nil, fmt.Errorf("WordPiece vocab: %w", err)
		}
		if err := checkVocab(v); err != nil {
			return nil, err
		}
		unk, prefix, maxChars := "[UNK]", "##", 100
		if c.UnkToken != nil {
			unk = *c.UnkToken
		}
		if c.ContinuingSubwordPrefix != nil {
			prefix = *c.ContinuingSubwordPrefix
		}
		if c.MaxInputCharsPerWord != nil {
			maxChars = *c.MaxInputCharsPerWord
		}
		return newWordPiece(v, unk, prefix, maxChars), nil
	}
	return parseModelMore(typ, raw)
}

type templatePieceJSON struct {
	SpecialToken *struct {
		ID     string `json:"id"`
		TypeID int    `json:"type_id"`
	} `json:"SpecialToken"`
	Sequence *struct {
		ID     string `json:"id"`
		TypeID int    `json:"type_id"`
	} `json:"Sequence"`
}

func parseTemplate(raw []templatePieceJSON) ([]piece, error) {
	out := make([]piece, 0, len(raw))
	for _, p := range raw {
		switch {
		case p.SpecialToken != nil:
			out = append(out, piece{seq: -1, special: p.SpecialToken.ID, typeID: p.SpecialToken.TypeID})
		case p.Sequence != nil:
			seq := 0
			if p.Sequence.ID == "B" {
				seq = 1
			}
			out = append(out, piece{seq: seq, typeID: p.Sequence.TypeID})
		default:
			return nil, errors.New("template piece is neither SpecialToken nor Sequence")
		}
	}
	return out, nil
}

func parsePostProcessor(raw json.RawMessage, m model) (postProcessor, error) {
	if isNull(raw) {
		return nil, nil
	}
	typ, err := typeOf(raw)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "TemplateProcessing":
		var c struct {
			Single   []templatePieceJSON `json:"single"`
			Pair     []templatePieceJSON `json:"pair"`
			Specials map[string]struct {
				IDs    []int    `json:"ids"`
				Tokens []string `json:"tokens"`
			} `json:"special_tokens"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		t := &templateProcessing{specials: map[string]specialTokens{}}
		if t.single, err = parseTemplate(c.Single); err != nil {
			return nil, err
		}
		if t.pair, err = parseTemplate(c.Pair); err != nil {
			return nil, err
		}
		for k, v := range c.Specials {
			if len(v.IDs) != len(v.Tokens) {
				return nil, fmt.Errorf("special token %q: ids and tokens differ in length", k)
			}
			t.specials[k] = specialTokens{ids: v.IDs, tokens: v.Tokens}
		}
		for _, p := range append(append([]piece(nil), t.single...), t.pair...) {
			if _, ok := t.specials[p.special]; p.seq < 0 && !ok {
				return nil, fmt.Errorf("template uses undefined special token %q", p.special)
			}
		}
		return t, nil
	case "BertProcessing":
		var c struct {
			Sep [2]json.RawMessage `json:"sep"`
			Cls [2]json.RawMessage `json:"cls"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		cls, err := parseTokenPair(c.Cls)
		if err != nil {
			return nil, err
		}
		sep, err := parseTokenPair(c.Sep)
		if err != nil {
			return nil, err
		}
		return &templateProcessing{
			single:   []piece{{seq: -1, special: "cls"}, {seq: 0}, {seq: -1, special: "sep"}},
			pair:     []piece{{seq: -1, special: "cls"}, {seq: 0}, {seq: -1, special: "sep"}, {seq: 1, typeID: 1}, {seq: -1, special: "sep", typeID: 1}},
			specials: map[string]specialTokens{"cls": cls, "sep": sep},
		}, nil
	}
	return parsePostProcessorMore(typ, raw, m)
}

// parseTokenPair reads the ["[CLS]", 101] form BertProcessing and RobertaProcessing use.
func parseTokenPair(p [2]json.RawMessage) (specialTokens, error) {
	var tok string
	var id int
	if err := json.Unmarshal(p[0], &tok); err != nil {
		return specialTokens{}, err
	}
	if err := json.Unmarshal(p[1], &id); err != nil {
		return specialTokens{}, err
	}
	return specialTokens{ids: []int{id}, tokens: []string{tok}}, nil
}

func parseDecoder(raw json.RawMessage) (decoder, error) {
	if isNull(raw) {
		return nil, nil
	}
	typ, err := typeOf(raw)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "WordPiece":
		var c struct {
			Prefix  *string `json:"prefix"`
			Cleanup *bool   `json:"cleanup"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		d := &wordPieceDecoder{prefix: "##", cleanup: orTrue(c.Cleanup)}
		if c.Prefix != nil {
			d.prefix = *c.Prefix
		}
		return d, nil
	}
	return parseDecoderMore(typ, raw)
}

func parseTruncation(raw json.RawMessage) (*Truncation, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c struct {
		Direction string `json:"direction"`
		MaxLength int    `json:"max_length"`
		Strategy  string `json:"strategy"`
		Stride    int    `json:"stride"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	t := &Truncation{MaxLength: c.MaxLength, Stride: c.Stride, Direction: strings.ToLower(c.Direction)}
	switch c.Strategy {
	case "LongestFirst", "":
		t.Strategy = "longest_first"
	case "OnlyFirst":
		t.Strategy = "only_first"
	case "OnlySecond":
		t.Strategy = "only_second"
	default:
		return nil, fmt.Errorf("unknown strategy %q", c.Strategy)
	}
	if t.Direction == "" {
		t.Direction = "right"
	}
	return t, nil
}

func parsePadding(raw json.RawMessage) (*Padding, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c struct {
		Strategy        json.RawMessage `json:"strategy"`
		Direction       string          `json:"direction"`
		PadToMultipleOf *int            `json:"pad_to_multiple_of"`
		PadID           int             `json:"pad_id"`
		PadTypeID       int             `json:"pad_type_id"`
		PadToken        string          `json:"pad_token"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	p := &Padding{Direction: strings.ToLower(c.Direction), PadID: c.PadID, PadTypeID: c.PadTypeID, PadToken: c.PadToken}
	if c.PadToMultipleOf != nil {
		p.PadToMultipleOf = *c.PadToMultipleOf
	}
	var fixed struct {
		Fixed int `json:"Fixed"`
	}
	if err := json.Unmarshal(c.Strategy, &fixed); err == nil {
		p.Length = fixed.Fixed
	}
	if p.Direction == "" {
		p.Direction = "right"
	}
	return p, nil
}
