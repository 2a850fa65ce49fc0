package tokenizer

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// matchSpan is one piece of a string cut by a pattern: either a match or the text between two.
type matchSpan struct {
	start, end int
	match      bool
}

// pattern finds matches covering the whole string in order, as the library's Pattern trait does.
type pattern interface {
	findMatches(s string, out []matchSpan) []matchSpan
}

// runePattern matches single runes.
type runePattern func(rune) bool

func (p runePattern) findMatches(s string, out []matchSpan) []matchSpan {
	if s == "" {
		return append(out, matchSpan{0, 0, false})
	}
	last := 0
	for i, r := range s {
		if p(r) {
			if last < i {
				out = append(out, matchSpan{last, i, false})
			}
			size := utf8.RuneLen(r)
			if size < 0 {
				size = 1
			}
			out = append(out, matchSpan{i, i + size, true})
			last = i + size
		}
	}
	if last < len(s) {
		out = append(out, matchSpan{last, len(s), false})
	}
	return out
}

// finder yields the successive non-overlapping [start, end) matches of a regex.
type finder interface {
	findAll(s string, out [][2]int) [][2]int
}

// finderPattern turns a finder into a pattern.
type finderPattern struct{ f finder }

func (p finderPattern) findMatches(s string, out []matchSpan) []matchSpan {
	if s == "" {
		return append(out, matchSpan{0, 0, false})
	}
	var buf [32][2]int
	prev := 0
	for _, m := range p.f.findAll(s, buf[:0]) {
		if prev != m[0] {
			out = append(out, matchSpan{prev, m[0], false})
		}
		out = append(out, matchSpan{m[0], m[1], true})
		prev = m[1]
	}
	if prev != len(s) {
		out = append(out, matchSpan{prev, len(s), false})
	}
	return out
}

// regexFinder wraps a Go regexp. Its iteration rules (empty matches right after a match are
// skipped) are those of the Rust regex crate; patterns that need look-around are handled by
// hand-written finders (see gpt2.go) because RE2 has none.
type regexFinder struct{ re *regexp.Regexp }

func (r regexFinder) findAll(s string, out [][2]int) [][2]int {
	for _, m := range r.re.FindAllStringIndex(s, -1) {
		out = append(out, [2]int{m[0], m[1]})
	}
	return out
}

// literalFinder finds a fixed string.
type literalFinder struct{ lit string }

func (l literalFinder) findAll(s string, out [][2]int) [][2]int {
	for pos := 0; ; {
		i := strings.Index(s[pos:], l.lit)
		if i < 0 {
			return out
		}
		out = append(out, [2]int{pos + i, pos + i + len(l.lit)})
		pos += i + len(l.lit)
	}
}

// invertPattern swaps what counts as a match.
type invertPattern struct{ p pattern }

func (p invertPattern) findMatches(s string, out []matchSpan) []matchSpan {
	n := len(out)
	out = p.p.findMatches(s, out)
	for i := n; i < len(out); i++ {
		out[i].match = !out[i].match
	}
	return out
}

// emptyLiteral is the library's behaviour for an empty string pattern: nothing matches.
type emptyLiteral struct{}

func (emptyLiteral) findMatches(s string, out []matchSpan) []matchSpan {
	return append(out, matchSpan{0, utf8.RuneCountInString(s), false})
}

// splitPatternJSON is {"String": "..."} or {"Regex": "..."}.
type splitPatternJSON struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

func (p splitPatternJSON) compile() (pattern, error) {
	switch {
	case p.String != nil:
		if *p.String == "" {
			return emptyLiteral{}, nil
		}
		return finderPattern{literalFinder{*p.String}}, nil
	case p.Regex != nil:
		if f, ok := knownRegex(*p.Regex); ok {
			return finderPattern{f}, nil
		}
		re, err := regexp.Compile(unicodeClasses(*p.Regex))
		if err != nil {
			return nil, fmt.Errorf("unsupported regex %q: %w", *p.Regex, err)
		}
		return finderPattern{regexFinder{re}}, nil
	}
	return nil, fmt.Errorf("pattern has neither String nor Regex")
}

// splitBehavior is SplitDelimiterBehavior.
type splitBehavior int

const (
	behaviorRemoved splitBehavior = iota
	behaviorIsolated
	behaviorMergedWithPrevious
	behaviorMergedWithNext
	behaviorContiguous
)

func parseBehavior(s string) (splitBehavior, error) {
	switch s {
	case "Removed", "removed":
		return behaviorRemoved, nil
	case "Isolated", "isolated":
		return behaviorIsolated, nil
	case "MergedWithPrevious", "merged_with_previous":
		return behaviorMergedWithPrevious, nil
	case "MergedWithNext", "merged_with_next":
		return behaviorMergedWithNext, nil
	case "Contiguous", "contiguous":
		return behaviorContiguous, nil
	}
	return 0, fmt.Errorf("unknown split behavior %q", s)
}

// splitBy is NormalizedString::split: cut n at the pattern's matches and treat the matches as
// the behavior says.
func splitBy(n *normString, p pattern, b splitBehavior, out []normString) []normString {
	var buf [32]matchSpan
	ms := p.findMatches(n.s, buf[:0])
	type piece struct {
		start, end int
		remove     bool
	}
	var pieces []piece
	switch b {
	case behaviorIsolated:
		for _, m := range ms {
			pieces = append(pieces, piece{m.start, m.end, false})
		}
	case behaviorRemoved:
		for _, m := range ms {
			pieces = append(pieces, piece{m.start, m.end, m.match})
		}
	case behaviorContiguous:
		prev := false
		for _, m := range ms {
			if m.match == prev && len(pieces) > 0 {
				pieces[len(pieces)-1].end = m.end
			} else {
				pieces = append(pieces, piece{m.start, m.end, false})
			}
			prev = m.match
		}
	case behaviorMergedWithPrevious:
		prev := false
		for _, m := range ms {
			if m.match && !prev && len(pieces) > 0 {
				pieces[len(pieces)-1].end = m.end
			} else {
				pieces = append(pieces, piece{m.start, m.end, false})
			}
			prev = m.match
		}
	case behaviorMergedWithNext:
		prev := false
		for i := len(ms) - 1; i >= 0; i-- {
			m := ms[i]
			if m.match && !prev && len(pieces) > 0 {
				pieces[len(pieces)-1].start = m.start
			} else {
				pieces = append(pieces, piece{m.start, m.end, false})
			}
			prev = m.match
		}
		for i, j := 0, len(pieces)-1; i < j; i, j = i+1, j-1 {
			pieces[i], pieces[j] = pieces[j], pieces[i]
		}
	}
	for _, p := range pieces {
		if !p.remove {
			out = append(out, n.slice(p.start, p.end))
		}
	}
	return out
}

// spaceClass is \s of the library's regex engines (the White_Space property), for use inside [].
const spaceClass = `\t\n\x0B\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}`

// wordClass is \w of the Rust regex crate (Alphabetic, marks, decimal digits, connector
// punctuation, joiners), for use inside [].
var wordClass = func() string {
	var b strings.Builder
	b.WriteString(`\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}`)
	add := func(lo, hi, stride uint32) {
		if stride == 1 {
			fmt.Fprintf(&b, `\x{%X}-\x{%X}`, lo, hi)
			return
		}
		for r := lo; r <= hi; r += stride {
			fmt.Fprintf(&b, `\x{%X}`, r)
		}
	}
	for _, r := range unicode.Other_Alphabetic.R16 {
		add(uint32(r.Lo), uint32(r.Hi), uint32(r.Stride))
	}
	for _, r := range unicode.Other_Alphabetic.R32 {
		add(r.Lo, r.Hi, r.Stride)
	}
	return b.String()
}()

// unicodeClasses rewrites \d, \w and \s to their Unicode meaning, which the library's regex
// engine gives them and Go's gives only with explicit classes.
func unicodeClasses(re string) string {
	word := wordClass
	var b strings.Builder
	inClass := false
	for i := 0; i < len(re); i++ {
		c := re[i]
		if c == '\\' && i+1 < len(re) {
			n := re[i+1]
			i++
			var class string
			negated := false
			switch n {
			case 'd':
				class = `\p{Nd}`
			case 'D':
				class, negated = `\p{Nd}`, true
			case 'w':
				class = word
			case 'W':
				class, negated = word, true
			case 's':
				class = spaceClass
			case 'S':
				class, negated = spaceClass, true
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
				continue
			}
			switch {
			case inClass && !negated:
				b.WriteString(class)
			case inClass:
				// A negated class inside a class cannot be spelled out; keep Go's meaning.
				b.WriteByte('\\')
				b.WriteByte(n)
			case negated:
				b.WriteString("[^" + class + "]")
			default:
				b.WriteString("[" + class + "]")
			}
			continue
		}
		if c == '[' && !inClass {
			inClass = true
		} else if c == ']' && inClass {
			inClass = false
		}
		b.WriteByte(c)
	}
	return b.String()
}
