package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

type sequenceDecoder []decoder

func (s sequenceDecoder) decodeChain(tokens []string) []string {
	for _, d := range s {
		tokens = d.decodeChain(tokens)
	}
	return tokens
}

// byteLevelDecoder maps ByteLevel characters back to bytes; invalid UTF-8 becomes U+FFFD.
type byteLevelDecoder struct{}

func (byteLevelDecoder) decodeChain(tokens []string) []string {
	var buf []byte
	for _, t := range tokens {
		start := len(buf)
		ok := true
		for _, r := range t {
			b, found := runeToByte[r]
			if !found {
				ok = false
				break
			}
			buf = append(buf, b)
		}
		if !ok {
			buf = append(buf[:start], t...)
		}
	}
	return []string{sanitize(string(buf))}
}

// metaspaceDecoder turns the replacement character back into spaces, dropping the one that was
// prepended to the first token.
type metaspaceDecoder struct {
	replacement rune
	prepend     bool
}

func (m *metaspaceDecoder) decodeChain(tokens []string) []string {
	for i, t := range tokens {
		var sb strings.Builder
		for _, r := range t {
			if r == m.replacement {
				if i == 0 && m.prepend {
					continue
				}
				sb.WriteByte(' ')
				continue
			}
			sb.WriteRune(r)
		}
		tokens[i] = sb.String()
	}
	return tokens
}

// bpeDecoder replaces the end-of-word suffix by a space, except on the last token.
type bpeDecoder struct{ suffix string }

func (b *bpeDecoder) decodeChain(tokens []string) []string {
	for i, t := range tokens {
		rep := " "
		if i == len(tokens)-1 {
			rep = ""
		}
		tokens[i] = strings.ReplaceAll(t, b.suffix, rep)
	}
	return tokens
}

// byteFallbackDecoder turns runs of <0xXX> tokens back into text.
type byteFallbackDecoder struct{}

func (byteFallbackDecoder) decodeChain(tokens []string) []string {
	var out []string
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			for range pending {
				out = append(out, "\uFFFD")
			}
		}
		pending = pending[:0]
	}
	for _, t := range tokens {
		if len(t) == 6 && strings.HasPrefix(t, "<0x") && t[5] == '>' {
			if b, ok := parseHexByte(t[3:5]); ok {
				pending = append(pending, b)
				continue
			}
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

func parseHexByte(s string) (byte, bool) {
	var v byte
	for i := 0; i < 2; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | (c - '0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}

type fuseDecoder struct{}

func (fuseDecoder) decodeChain(tokens []string) []string {
	return []string{strings.Join(tokens, "")}
}

// stripDecoder removes up to start leading and stop trailing copies of content from each token.
type stripDecoder struct {
	content     rune
	start, stop int
}

func (s *stripDecoder) decodeChain(tokens []string) []string {
	for i, t := range tokens {
		rs := []rune(t)
		startCut := 0
		for k := 0; k < s.start && k < len(rs); k++ {
			if rs[k] != s.content {
				break
			}
			startCut = k + 1
		}
		stopCut := len(rs)
		for k := 0; k < s.stop && k < len(rs); k++ {
			idx := len(rs) - k - 1
			if rs[idx] != s.content {
				break
			}
			stopCut = idx
		}
		if stopCut < startCut {
			stopCut = startCut
		}
		tokens[i] = string(rs[startCut:stopCut])
	}
	return tokens
}

type replaceDecoder struct {
	p       pattern
	content string
}

func (r *replaceDecoder) decodeChain(tokens []string) []string {
	for i, t := range tokens {
		var sb strings.Builder
		for _, m := range r.p.findMatches(t, nil) {
			if m.match {
				sb.WriteString(r.content)
			} else {
				sb.WriteString(t[m.start:m.end])
			}
		}
		tokens[i] = sb.String()
	}
	return tokens
}

func parseDecoderMore(typ string, raw json.RawMessage) (decoder, error) {
	var c struct {
		Decoders       []json.RawMessage `json:"decoders"`
		Replacement    string            `json:"replacement"`
		PrependScheme  string            `json:"prepend_scheme"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
		Suffix         *string           `json:"suffix"`
		Content        json.RawMessage   `json:"content"`
		Start          int               `json:"start"`
		Stop           int               `json:"stop"`
		Pattern        splitPatternJSON  `json:"pattern"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	switch typ {
	case "Sequence":
		var seq sequenceDecoder
		for i, r := range c.Decoders {
			d, err := parseDecoder(r)
			if err != nil {
				return nil, fmt.Errorf("sequence item %d: %w", i, err)
			}
			if d != nil {
				seq = append(seq, d)
			}
		}
		return seq, nil
	case "ByteLevel":
		return byteLevelDecoder{}, nil
	case "Metaspace":
		rep := c.Replacement
		if rep == "" {
			rep = "▁"
		}
		r, _ := utf8.DecodeRuneInString(rep)
		scheme := strings.ToLower(c.PrependScheme)
		prepend := scheme != "never"
		if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
			prepend = false
		}
		return &metaspaceDecoder{replacement: r, prepend: prepend}, nil
	case "BPEDecoder":
		suffix := "</w>"
		if c.Suffix != nil {
			suffix = *c.Suffix
		}
		return &bpeDecoder{suffix: suffix}, nil
	case "ByteFallback":
		return byteFallbackDecoder{}, nil
	case "Fuse":
		return fuseDecoder{}, nil
	case "Strip":
		var content string
		if err := json.Unmarshal(c.Content, &content); err != nil {
			return nil, fmt.Errorf("strip decoder content: %w", err)
		}
		r, _ := utf8.DecodeRuneInString(content)
		return &stripDecoder{content: r, start: c.Start, stop: c.Stop}, nil
	case "Replace":
		var content string
		if err := json.Unmarshal(c.Content, &content); err != nil {
			return nil, fmt.Errorf("replace decoder content: %w", err)
		}
		p, err := c.Pattern.compile()
		if err != nil {
			return nil, err
		}
		return &replaceDecoder{p: p, content: content}, nil
	}
	return nil, unsupported("decoder", typ)
}
