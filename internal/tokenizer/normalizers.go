package tokenizer

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

type sequenceNormalizer []normalizer

func (s sequenceNormalizer) normalize(n *normString) {
	for _, x := range s {
		x.normalize(n)
	}
}

type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(n *normString) {
	for i := 0; i < len(n.s); i++ {
		if c := n.s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			n.mapRunes(appendLower)
			return
		}
	}
}

type stripAccentsNormalizer struct{}

func (stripAccentsNormalizer) normalize(n *normString) {
	n.mapRunes(func(dst []rune, r rune) []rune {
		if r >= 0x300 && inRanges(r, combiningMarks) {
			return dst
		}
		return append(dst, r)
	})
}

// stripNormalizer removes leading and/or trailing whitespace.
type stripNormalizer struct{ left, right bool }

func (s stripNormalizer) normalize(n *normString) {
	start, end := 0, len(n.s)
	if s.left {
		start = run(n.s, 0, isWhitespace)
	}
	if s.right {
		for end > start {
			r, size := utf8.DecodeLastRuneInString(n.s[:end])
			if !isWhitespace(r) {
				break
			}
			end -= size
		}
	}
	if start == 0 && end == len(n.s) {
		return
	}
	n.s = n.s[start:end]
	n.align = n.align[start:end:end]
}

type prependNormalizer struct{ s string }

func (p prependNormalizer) normalize(n *normString) { n.prepend(p.s) }

type replaceNormalizer struct {
	p       pattern
	content string
}

func (r *replaceNormalizer) normalize(n *normString) { n.replace(r.p, r.content) }

// byteLevelNormalizer maps every byte to its ByteLevel character.
type byteLevelNormalizer struct{}

func (byteLevelNormalizer) normalize(n *normString) { byteLevelEncode(n) }

// unicodeNormalizer applies one of the four Unicode normalization forms, reporting alignments the
// way the library's normalization does: each input rune decomposes into runes that keep its
// alignment, and a composed rune takes over the runes it absorbs.
type unicodeNormalizer struct{ form norm.Form }

type normItem struct {
	r   rune
	d   int
	ccc uint8
}

func (u unicodeNormalizer) normalize(n *normString) {
	if u.form.IsNormalString(n.s) {
		return
	}
	decompose := norm.NFD
	if u.form == norm.NFKC || u.form == norm.NFKD {
		decompose = norm.NFKD
	}
	var items []normItem
	var buf [64]byte
	for _, r := range n.s {
		var in [4]byte
		k := 0
		for _, x := range string(decompose.Append(buf[:0], utf8.AppendRune(in[:0], r)...)) {
			d := 0
			if k > 0 {
				d = 1
			}
			items = append(items, normItem{x, d, cccOf(x)})
			k++
		}
	}
	// Canonical ordering: sort each run of non-starters by combining class, stably.
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && items[j].ccc != 0 && items[j-1].ccc > items[j].ccc; j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
	if u.form == norm.NFC || u.form == norm.NFKC {
		items = compose(items)
	}
	changes := make([]change, len(items))
	for i, it := range items {
		changes[i] = change{it.r, it.d}
	}
	n.transform(changes, 0)
}

func cccOf(r rune) uint8 {
	if r < 0x300 {
		return 0
	}
	var b [4]byte
	return norm.NFD.Properties(utf8.AppendRune(b[:0], r)).CCC()
}

// compose is canonical composition; a composed rune's change absorbs the one it swallowed.
func compose(items []normItem) []normItem {
	out := items[:0:0]
	starter := -1
	for _, it := range items {
		if starter >= 0 {
			last := out[len(out)-1]
			blocked := len(out)-1 != starter && (last.ccc == 0 || last.ccc >= it.ccc)
			if !blocked {
				if c, ok := composePair(out[starter].r, it.r); ok {
					out[starter].r = c
					out[starter].d += it.d - 1
					continue
				}
			}
		}
		if it.ccc == 0 {
			starter = len(out)
		}
		out = append(out, it)
	}
	return out
}

func composePair(a, b rune) (rune, bool) {
	var buf [8]byte
	in := utf8.AppendRune(utf8.AppendRune(buf[:0], a), b)
	var out [16]byte
	res := norm.NFC.Append(out[:0], in...)
	r, size := utf8.DecodeRune(res)
	if size == len(res) && r != a {
		return r, true
	}
	return 0, false
}

func parseNormalizerMore(typ string, raw json.RawMessage) (normalizer, error) {
	var c struct {
		Normalizers         []json.RawMessage `json:"normalizers"`
		StripLeft           *bool             `json:"strip_left"`
		StripRight          *bool             `json:"strip_right"`
		Pattern             splitPatternJSON  `json:"pattern"`
		Content             string            `json:"content"`
		Prepend             string            `json:"prepend"`
		PrecompiledCharsmap *string           `json:"precompiled_charsmap"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	switch typ {
	case "Sequence":
		var seq sequenceNormalizer
		for i, r := range c.Normalizers {
			x, err := parseNormalizer(r)
			if err != nil {
				return nil, fmt.Errorf("sequence item %d: %w", i, err)
			}
			if x != nil {
				seq = append(seq, x)
			}
		}
		return seq, nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "StripAccents":
		return stripAccentsNormalizer{}, nil
	case "Strip":
		return stripNormalizer{left: orTrue(c.StripLeft), right: orTrue(c.StripRight)}, nil
	case "NFC":
		return unicodeNormalizer{norm.NFC}, nil
	case "NFD":
		return unicodeNormalizer{norm.NFD}, nil
	case "NFKC":
		return unicodeNormalizer{norm.NFKC}, nil
	case "NFKD":
		return unicodeNormalizer{norm.NFKD}, nil
	case "Prepend":
		return prependNormalizer{c.Prepend}, nil
	case "Replace":
		p, err := c.Pattern.compile()
		if err != nil {
			return nil, err
		}
		return &replaceNormalizer{p: p, content: c.Content}, nil
	case "ByteLevel":
		return byteLevelNormalizer{}, nil
	case "Precompiled":
		if c.PrecompiledCharsmap == nil || *c.PrecompiledCharsmap == "" {
			// An empty charsmap normalizes nothing.
			return sequenceNormalizer{}, nil
		}
		blob, err := base64.StdEncoding.DecodeString(*c.PrecompiledCharsmap)
		if err != nil {
			return nil, fmt.Errorf("precompiled_charsmap: %w", err)
		}
		return newPrecompiled(blob)
	}
	return nil, unsupported("normalizer", typ)
}
