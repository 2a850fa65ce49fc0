package tokenizer

import "sort"

// runeRange is an inclusive range of code points.
type runeRange struct{ lo, hi rune }

func inRanges(r rune, table []runeRange) bool {
	i := sort.Search(len(table), func(i int) bool { return table[i].hi >= r })
	return i < len(table) && table[i].lo <= r
}

// asciiClass caches the classes below for ASCII, the overwhelmingly common case.
var asciiClass [128]uint8

const (
	classRemoved uint8 = 1 << iota
	classSpace
	classPunct
	classWhitespace
)

func init() {
	for r := rune(0); r < 128; r++ {
		var c uint8
		if inRanges(r, bertRemoved) {
			c |= classRemoved
		}
		if inRanges(r, bertSpaces) {
			c |= classSpace
		}
		if inRanges(r, bertPunct) {
			c |= classPunct
		}
		if inRanges(r, rustWhitespace) {
			c |= classWhitespace
		}
		asciiClass[r] = c
	}
}

// isWhitespace is Rust's char::is_whitespace.
func isWhitespace(r rune) bool {
	if r < 128 {
		return asciiClass[r]&classWhitespace != 0
	}
	return inRanges(r, rustWhitespace)
}

// isBertPunct is BertPreTokenizer's punctuation test: ASCII punctuation or Unicode P*.
func isBertPunct(r rune) bool {
	if r < 128 {
		return asciiClass[r]&classPunct != 0
	}
	return inRanges(r, bertPunct)
}

func isBertRemoved(r rune) bool {
	if r < 128 {
		return asciiClass[r]&classRemoved != 0
	}
	return inRanges(r, bertRemoved)
}

func isBertSpace(r rune) bool {
	if r < 128 {
		return asciiClass[r]&classSpace != 0
	}
	return inRanges(r, bertSpaces)
}

func isNonspacingMark(r rune) bool {
	return r >= 0x300 && inRanges(r, nonspacingMarks)
}

func isChineseChar(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) ||
		(r >= 0x2B920 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0x2F800 && r <= 0x2FA1F)
}

// appendLower appends Rust's char::to_lowercase of r.
func appendLower(dst []rune, r rune) []rune {
	if r < 128 {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, r)
	}
	if s, ok := lowerMap[r]; ok {
		for _, c := range s {
			dst = append(dst, c)
		}
		return dst
	}
	return append(dst, r)
}
