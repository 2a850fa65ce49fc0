package tokenizer

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

func parseModelMore(typ string, raw json.RawMessage) (model, error) {
	switch typ {
	case "BPE":
		return parseBPE(raw)
	case "Unigram":
		return parseUnigram(raw)
	case "WordLevel":
		var c struct {
			Vocab    map[string]int `json:"vocab"`
			UnkToken string         `json:"unk_token"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		if err := checkVocab(c.Vocab); err != nil {
			return nil, err
		}
		return &wordLevel{vocab: newVocab(c.Vocab), unk: c.UnkToken}, nil
	}
	return nil, unsupported("model", typ)
}

// wordLevel is the WordLevel model: every pre-token is one vocabulary entry or unknown.
type wordLevel struct {
	vocab
	unk string
}

func (w *wordLevel) tokenize(s string, dst []token) ([]token, error) {
	if id, ok := w.ids[s]; ok {
		return append(dst, token{id: id, value: w.tokens[id], start: 0, end: len(s)}), nil
	}
	id, ok := w.ids[w.unk]
	if !ok {
		return dst, fmt.Errorf("WordLevel: unk token %q is not in the vocabulary", w.unk)
	}
	return append(dst, token{id: id, value: w.unk, start: 0, end: len(s)}), nil
}

func parsePostProcessorMore(typ string, raw json.RawMessage, m model) (postProcessor, error) {
	var c struct {
		Sep            [2]json.RawMessage `json:"sep"`
		Cls            [2]json.RawMessage `json:"cls"`
		TrimOffsets    *bool              `json:"trim_offsets"`
		AddPrefixSpace *bool              `json:"add_prefix_space"`
		Processors     []json.RawMessage  `json:"processors"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	switch typ {
	case "RobertaProcessing":
		cls, err := parseTokenPair(c.Cls)
		if err != nil {
			return nil, err
		}
		sep, err := parseTokenPair(c.Sep)
		if err != nil {
			return nil, err
		}
		return &robertaProcessing{
			tpl: templateProcessing{
				single:   []piece{{seq: -1, special: "cls"}, {seq: 0}, {seq: -1, special: "sep"}},
				pair:     []piece{{seq: -1, special: "cls"}, {seq: 0}, {seq: -1, special: "sep"}, {seq: -1, special: "sep"}, {seq: 1}, {seq: -1, special: "sep"}},
				specials: map[string]specialTokens{"cls": cls, "sep": sep},
			},
			trim:           orTrue(c.TrimOffsets),
			addPrefixSpace: orTrue(c.AddPrefixSpace),
		}, nil
	case "ByteLevel":
		return &byteLevelProcessing{trim: orTrue(c.TrimOffsets), addPrefixSpace: orTrue(c.AddPrefixSpace)}, nil
	case "Sequence":
		var seq sequenceProcessing
		for i, r := range c.Processors {
			p, err := parsePostProcessor(r, m)
			if err != nil {
				return nil, fmt.Errorf("sequence item %d: %w", i, err)
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	}
	return nil, unsupported("post-processor", typ)
}

// robertaProcessing is RobertaProcessing: <s> A </s> and <s> A </s></s> B </s>, all with type
// id 0, after trimming the spaces byte-level tokens carry out of their offsets.
type robertaProcessing struct {
	tpl                  templateProcessing
	trim, addPrefixSpace bool
}

func (r *robertaProcessing) addedTokens(pair bool) int {
	if pair {
		return 4
	}
	return 2
}

func (r *robertaProcessing) processEncodings(encs []*Encoding, add bool) ([]*Encoding, error) {
	if r.trim {
		for _, e := range encs {
			trimOffsets(e, r.addPrefixSpace)
			for _, o := range e.Overflowing {
				trimOffsets(o, r.addPrefixSpace)
			}
		}
	}
	for _, e := range encs {
		e.setTypeIDs(0)
	}
	if !add {
		return encs, nil
	}
	for _, e := range encs {
		for _, o := range e.Overflowing {
			o.setTypeIDs(0)
		}
	}
	return r.tpl.processEncodings(encs, true)
}

// byteLevelProcessing is the ByteLevel post-processor: it only trims offsets.
type byteLevelProcessing struct{ trim, addPrefixSpace bool }

func (b *byteLevelProcessing) addedTokens(bool) int { return 0 }

func (b *byteLevelProcessing) processEncodings(encs []*Encoding, _ bool) ([]*Encoding, error) {
	if b.trim {
		for _, e := range encs {
			trimOffsets(e, b.addPrefixSpace)
			for _, o := range e.Overflowing {
				trimOffsets(o, b.addPrefixSpace)
			}
		}
	}
	for i, e := range encs {
		e.setSequenceID(i)
	}
	return encs, nil
}

type sequenceProcessing []postProcessor

func (s sequenceProcessing) addedTokens(pair bool) int {
	n := 0
	for _, p := range s {
		n += p.addedTokens(pair)
	}
	return n
}

func (s sequenceProcessing) processEncodings(encs []*Encoding, add bool) ([]*Encoding, error) {
	var err error
	for _, p := range s {
		if encs, err = p.processEncodings(encs, add); err != nil {
			return nil, err
		}
	}
	return encs, nil
}

// trimOffsets is process_offsets: offsets lose the spaces (Ġ or real whitespace) at either end
// of their token, except the prefix space the pre-tokenizer added to the first word. The Python
// binding trims character offsets, so the trimming is done on characters and mapped back.
func trimOffsets(e *Encoding, addPrefixSpace bool) {
	space := byteToRune[' ']
	isSpace := func(r rune) bool { return r == space || isWhitespace(r) }
	var idx, starts []int
	for i, tok := range e.Tokens {
		leading := 0
		for _, r := range tok {
			if !isSpace(r) {
				break
			}
			leading++
		}
		trailing := 0
		for k := len(tok); k > 0; {
			r, size := utf8.DecodeLastRuneInString(tok[:k])
			if !isSpace(r) {
				break
			}
			trailing++
			k -= size
		}
		if leading == 0 && trailing == 0 {
			continue
		}
		if idx == nil {
			idx = charIndex(e.text)
			for b := range e.text {
				starts = append(starts, b)
			}
			starts = append(starts, len(e.text))
		}
		o := convertOffset(idx, e.Offsets[i])
		if leading > 0 {
			if (i == 0 || o.Start == 0) && addPrefixSpace && leading == 1 {
				leading = 0
			}
			o.Start = min(o.Start+leading, o.End)
		}
		if trailing > 0 && o.End >= trailing {
			o.End = max(o.End-trailing, o.Start)
		}
		if o.Start >= 0 && o.End < len(starts) && o.Start <= o.End {
			e.Offsets[i] = Offset{starts[o.Start], starts[o.End]}
		}
	}
}
