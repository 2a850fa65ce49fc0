package tokenizer

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites a piece of text in place, keeping its alignments.
type normalizer interface {
	normalize(n *normString)
}

// bertNormalizer is BertNormalizer. Every step it takes maps one rune to zero or more runes that
// all keep that rune's alignment, so the steps are fused into a single pass.
type bertNormalizer struct {
	cleanText, chineseChars, stripAccents, lowercase bool
}

func (b *bertNormalizer) normalize(n *normString) {
	if b.isIdentityOn(n.s) {
		return
	}
	n.mapRunes(b.mapRune)
}

// isIdentityOn reports whether normalizing s would leave it unchanged, so that the common
// lowercase-ASCII case costs one scan and no allocation.
func (b *bertNormalizer) isIdentityOn(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false
		}
		if b.cleanText && asciiClass[c]&(classRemoved|classSpace) != 0 {
			return false
		}
		if b.lowercase && 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

func (b *bertNormalizer) mapRune(dst []rune, r rune) []rune {
	if b.cleanText {
		if isBertRemoved(r) {
			return dst
		}
		if isBertSpace(r) {
			r = ' '
		}
	}
	if b.chineseChars && isChineseChar(r) {
		dst = append(dst, ' ')
		dst = b.accentsAndCase(dst, r)
		return append(dst, ' ')
	}
	return b.accentsAndCase(dst, r)
}

// accentsAndCase is the strip_accents (NFD, then dropping Mn) and lowercase steps for one rune.
func (b *bertNormalizer) accentsAndCase(dst []rune, r rune) []rune {
	if b.stripAccents && r >= 0x80 {
		var in [4]byte
		var out [32]byte
		for _, d := range string(norm.NFD.Append(out[:0], utf8.AppendRune(in[:0], r)...)) {
			if isNonspacingMark(d) {
				continue
			}
			if b.lowercase {
				dst = appendLower(dst, d)
			} else {
				dst = append(dst, d)
			}
		}
		return dst
	}
	if b.lowercase {
		return appendLower(dst, r)
	}
	return append(dst, r)
}
