package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// gpt2Pattern is the pre-tokenization regex of GPT-2, which ByteLevel uses and many Split
// pre-tokenizers repeat. Its \s+(?!\S) needs look-ahead, which Go's regexp lacks, so gpt2Finder
// matches it by hand with the same leftmost-first alternation.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// knownRegex returns a hand-written finder for regexes Go cannot compile.
func knownRegex(re string) (finder, bool) {
	if re == gpt2Pattern {
		return gpt2Finder{}, true
	}
	return nil, false
}

type gpt2Finder struct{}

func isLetter(r rune) bool {
	return r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') || r >= utf8.RuneSelf && unicode.IsLetter(r)
}
func isNumber(r rune) bool { return '0' <= r && r <= '9' || r >= utf8.RuneSelf && unicode.IsNumber(r) }
func isOther(r rune) bool  { return !isWhitespace(r) && !isLetter(r) && !isNumber(r) }

// run returns the end of the run of runes satisfying f that starts at i.
func run(s string, i int, f func(rune) bool) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !f(r) {
			break
		}
		i += size
	}
	return i
}

func (gpt2Finder) findAll(s string, out [][2]int) [][2]int {
	for i := 0; i < len(s); {
		end := gpt2MatchAt(s, i)
		out = append(out, [2]int{i, end})
		i = end
	}
	return out
}

// gpt2MatchAt returns the end of the match starting at i; every position starts one, since the
// last alternatives cover whitespace and the others everything else.
func gpt2MatchAt(s string, i int) int {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == '\'' && i+1 < len(s) {
		switch s[i+1] {
		case 's', 't', 'm', 'd':
			return i + 2
		case 'r':
			if i+2 < len(s) && s[i+2] == 'e' {
				return i + 3
			}
		case 'v':
			if i+2 < len(s) && s[i+2] == 'e' {
				return i + 3
			}
		case 'l':
			if i+2 < len(s) && s[i+2] == 'l' {
				return i + 3
			}
		}
	}
	j := i
	if r == ' ' && i+1 < len(s) {
		next, _ := utf8.DecodeRuneInString(s[i+1:])
		if !isWhitespace(next) {
			j = i + 1
			r = next
		}
	}
	switch {
	case isLetter(r):
		return run(s, j, isLetter)
	case isNumber(r):
		return run(s, j, isNumber)
	case isOther(r):
		return run(s, j, isOther)
	}
	// Whitespace: \s+(?!\S) keeps the last space for the next word, \s+ takes the rest.
	end := run(s, i, isWhitespace)
	if end == len(s) {
		return end
	}
	_, lastSize := utf8.DecodeLastRuneInString(s[:end])
	if end-lastSize > i {
		return end - lastSize
	}
	return end
}
