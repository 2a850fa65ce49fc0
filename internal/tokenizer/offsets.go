package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// CharOffsets converts byte offsets into text to code point offsets, as the Python binding
// reports them. A range that starts or ends inside a character snaps to that character's index,
// and a range starting at the very end of the text is returned unchanged, both as the library does.
func CharOffsets(text string, offs []Offset) []Offset {
	idx := charIndex(text)
	out := make([]Offset, len(offs))
	for i, o := range offs {
		out[i] = convertOffset(idx, o)
	}
	return out
}

// CharOffsets converts e's offsets to code points; text and pair are the inputs e was encoded
// from. Unlike SequenceIDs, which follow the library's bookkeeping, it always knows which input a
// token came from.
func (e *Encoding) CharOffsets(text, pair string) []Offset {
	a, b := charIndex(text), charIndex(pair)
	out := make([]Offset, len(e.Offsets))
	for i, o := range e.Offsets {
		if i < len(e.source) && e.source[i] == 1 {
			out[i] = convertOffset(b, o)
		} else {
			out[i] = convertOffset(a, o)
		}
	}
	return out
}

// charIndex maps every byte of text to the index of the character it belongs to.
func charIndex(text string) []int {
	idx := make([]int, len(text))
	n := 0
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRuneInString(text[i:])
		for k := 0; k < size; k++ {
			idx[i+k] = n
		}
		i += size
		n++
	}
	return idx
}

func convertOffset(idx []int, o Offset) Offset {
	if o.Start == len(idx) && o.End == len(idx) && len(idx) > 0 {
		// An empty range at the very end, which offset trimming produces; the Python binding
		// trims after converting, so this is where it lands there.
		n := idx[len(idx)-1] + 1
		return Offset{n, n}
	}
	if o.Start < 0 || o.Start >= len(idx) {
		return o
	}
	start := idx[o.Start]
	if o.End >= 0 && o.End < len(idx) {
		return Offset{start, idx[o.End]}
	}
	last := start + 2 // what the library yields for an end past the text
	if o.End-1 >= 0 && o.End-1 < len(idx) {
		last = idx[o.End-1] + 1
	}
	return Offset{start, last}
}

// sanitize replaces every maximal ill-formed subsequence of s with U+FFFD, which is what Python's
// bytes.decode("utf-8", "replace") does before the binding ever sees the text. Offsets then refer
// to the cleaned text.
func sanitize(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size > 1 {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		i += invalidLen(s[i:])
		b.WriteRune(utf8.RuneError)
	}
	return b.String()
}

// invalidLen is the length of the maximal subpart of an ill-formed sequence at the start of s.
func invalidLen(s string) int {
	c := s[0]
	var n int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		n = 2
	case c == 0xE0:
		n, lo = 3, 0xA0
	case c == 0xED:
		n, hi = 3, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		n = 3
	case c == 0xF0:
		n, lo = 4, 0x90
	case c == 0xF4:
		n, hi = 4, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		n = 4
	default:
		return 1
	}
	j := 1
	if j < len(s) && s[j] >= lo && s[j] <= hi {
		j++
		for j < n && j < len(s) && s[j] >= 0x80 && s[j] <= 0xBF {
			j++
		}
	}
	return j
}
