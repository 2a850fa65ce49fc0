package tokenizer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// patternPreTokenizer splits every piece with one pattern and behavior; Whitespace,
// WhitespaceSplit, Punctuation, Split, Digits and CharDelimiterSplit are all of this kind.
type patternPreTokenizer struct {
	p pattern
	b splitBehavior
}

func (pt *patternPreTokenizer) preTokenize(p *pretokenized) {
	p.splitEach(func(_ int, n *normString, out []normString) []normString {
		return splitBy(n, pt.p, pt.b, out)
	})
}

// whitespacePattern is \w+|[^\w\s]+ of the Whitespace pre-tokenizer.
var whitespacePattern = regexp.MustCompile(`[` + wordClass + `]+|[^` + wordClass + spaceClass + `]+`)

type sequencePreTokenizer []preTokenizer

func (s sequencePreTokenizer) preTokenize(p *pretokenized) {
	for _, pt := range s {
		pt.preTokenize(p)
	}
}

// byteLevelPreTokenizer is ByteLevel: optionally add a leading space, split with the GPT-2
// regex, then map every byte to a printable character.
type byteLevelPreTokenizer struct {
	addPrefixSpace, useRegex bool
}

func (b *byteLevelPreTokenizer) preTokenize(p *pretokenized) {
	p.splitEach(func(_ int, n *normString, out []normString) []normString {
		if b.addPrefixSpace && !strings.HasPrefix(n.s, " ") {
			n.prepend(" ")
		}
		if b.useRegex {
			return splitBy(n, finderPattern{gpt2Finder{}}, behaviorIsolated, out)
		}
		return append(out, *n)
	})
	for i := range p.splits {
		if !p.splits[i].done {
			byteLevelEncode(&p.splits[i].n)
		}
	}
}

// byteLevelEncode maps each byte to its ByteLevel character; all the characters of one original
// rune keep that rune's alignment.
func byteLevelEncode(n *normString) {
	var b builder
	b.buf = make([]byte, 0, len(n.s)*2)
	b.align = make([]span, 0, len(n.s)*2)
	for i := 0; i < len(n.s); i++ {
		b.add(byteToRune[n.s[i]], n.align[i])
	}
	b.into(n)
}

var byteToRune, runeToByte = byteLevelAlphabet()

func byteLevelAlphabet() ([256]rune, map[rune]byte) {
	var fwd [256]rune
	rev := map[rune]byte{}
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			fwd[b] = rune(b)
		} else {
			fwd[b] = 256 + n
			n++
		}
		rev[fwd[b]] = byte(b)
	}
	return fwd, rev
}

// metaspacePreTokenizer is Metaspace: spaces become the replacement character, which may be
// prepended, and pieces split before it.
type metaspacePreTokenizer struct {
	replacement rune
	rep         string
	scheme      string // always, first or never
	split       bool
}

func (m *metaspacePreTokenizer) preTokenize(p *pretokenized) {
	p.splitEach(func(_ int, n *normString, out []normString) []normString {
		n.replace(finderPattern{literalFinder{" "}}, m.rep)
		switch m.scheme {
		case "always":
			if !strings.HasPrefix(n.s, m.rep) {
				n.prepend(m.rep)
			}
		case "first":
			if !strings.HasPrefix(n.s, m.rep) && n.orig.start == 0 {
				n.prepend(m.rep)
			}
		}
		if m.split {
			r := m.replacement
			return splitBy(n, runePattern(func(c rune) bool { return c == r }), behaviorMergedWithNext, out)
		}
		return append(out, *n)
	})
}

// unicodeScriptsPreTokenizer is UnicodeScripts: a new piece starts wherever the script changes.
// Spaces belong to no script, and Hiragana, Katakana and Han count as one. Like the library, it
// drops anything before the first character that has a script.
type unicodeScriptsPreTokenizer struct{}

func (unicodeScriptsPreTokenizer) preTokenize(p *pretokenized) {
	p.splitEach(func(_ int, n *normString, out []normString) []normString {
		var cuts []int
		last := ""
		for i, r := range n.s {
			script := fixedScript(r)
			if script != "Any" && last != "Any" && last != script {
				cuts = append(cuts, i)
			}
			if script != "Any" {
				last = script
			}
		}
		cuts = append(cuts, len(n.s))
		for i := 0; i+1 < len(cuts); i++ {
			out = append(out, n.slice(cuts[i], cuts[i+1]))
		}
		return out
	})
}

type scriptRange struct {
	lo, hi rune
	name   string
}

var scriptRanges = func() []scriptRange {
	var out []scriptRange
	for name, t := range unicode.Scripts {
		for _, r := range t.R16 {
			for lo := rune(r.Lo); lo <= rune(r.Hi); lo += rune(r.Stride) {
				hi := lo
				if r.Stride == 1 {
					hi = rune(r.Hi)
				}
				out = append(out, scriptRange{lo, hi, name})
				if r.Stride == 1 {
					break
				}
			}
		}
		for _, r := range t.R32 {
			for lo := rune(r.Lo); lo <= rune(r.Hi); lo += rune(r.Stride) {
				hi := lo
				if r.Stride == 1 {
					hi = rune(r.Hi)
				}
				out = append(out, scriptRange{lo, hi, name})
				if r.Stride == 1 {
					break
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	return out
}()

func fixedScript(r rune) string {
	if r == ' ' {
		return "Any"
	}
	if r == 0x30FC {
		return "Han"
	}
	if inRanges(r, scriptAny) {
		return "Any"
	}
	i := sort.Search(len(scriptRanges), func(i int) bool { return scriptRanges[i].hi >= r })
	if i == len(scriptRanges) || scriptRanges[i].lo > r {
		return "Any"
	}
	switch name := scriptRanges[i].name; name {
	case "Hiragana", "Katakana":
		return "Han"
	default:
		return name
	}
}

func parsePreTokenizerMore(typ string, raw json.RawMessage) (preTokenizer, error) {
	var c struct {
		Pretokenizers    []json.RawMessage `json:"pretokenizers"`
		Behavior         string            `json:"behavior"`
		Pattern          splitPatternJSON  `json:"pattern"`
		Invert           bool              `json:"invert"`
		AddPrefixSpace   *bool             `json:"add_prefix_space"`
		UseRegex         *bool             `json:"use_regex"`
		Replacement      string            `json:"replacement"`
		PrependScheme    string            `json:"prepend_scheme"`
		Split            *bool             `json:"split"`
		IndividualDigits bool              `json:"individual_digits"`
		Delimiter        string            `json:"delimiter"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	switch typ {
	case "Sequence":
		var seq sequencePreTokenizer
		for i, r := range c.Pretokenizers {
			pt, err := parsePreTokenizer(r)
			if err != nil {
				return nil, fmt.Errorf("sequence item %d: %w", i, err)
			}
			if pt != nil {
				seq = append(seq, pt)
			}
		}
		return seq, nil
	case "Whitespace":
		return &patternPreTokenizer{invertPattern{finderPattern{regexFinder{whitespacePattern}}}, behaviorRemoved}, nil
	case "WhitespaceSplit":
		return &patternPreTokenizer{runePattern(isWhitespace), behaviorRemoved}, nil
	case "Punctuation":
		b := behaviorIsolated
		if c.Behavior != "" {
			var err error
			if b, err = parseBehavior(c.Behavior); err != nil {
				return nil, err
			}
		}
		return &patternPreTokenizer{runePattern(isBertPunct), b}, nil
	case "Split":
		p, err := c.Pattern.compile()
		if err != nil {
			return nil, err
		}
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return nil, err
		}
		if c.Invert {
			p = invertPattern{p}
		}
		return &patternPreTokenizer{p, b}, nil
	case "Digits":
		b := behaviorContiguous
		if c.IndividualDigits {
			b = behaviorIsolated
		}
		return &patternPreTokenizer{runePattern(isNumeric), b}, nil
	case "CharDelimiterSplit":
		d, size := utf8.DecodeRuneInString(c.Delimiter)
		if size == 0 || size != len(c.Delimiter) {
			return nil, fmt.Errorf("CharDelimiterSplit delimiter %q is not one character", c.Delimiter)
		}
		return &patternPreTokenizer{runePattern(func(r rune) bool { return r == d }), behaviorRemoved}, nil
	case "ByteLevel":
		return &byteLevelPreTokenizer{addPrefixSpace: orTrue(c.AddPrefixSpace), useRegex: orTrue(c.UseRegex)}, nil
	case "Metaspace":
		rep := c.Replacement
		if rep == "" {
			rep = "▁"
		}
		r, size := utf8.DecodeRuneInString(rep)
		if size != len(rep) {
			return nil, fmt.Errorf("metaspace replacement %q is not one character", rep)
		}
		scheme := strings.ToLower(c.PrependScheme)
		if scheme == "" {
			scheme = "always"
		}
		if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
			scheme = "never"
		}
		if scheme != "always" && scheme != "first" && scheme != "never" {
			return nil, fmt.Errorf("unknown Metaspace prepend_scheme %q", c.PrependScheme)
		}
		return &metaspacePreTokenizer{replacement: r, rep: rep, scheme: scheme, split: orTrue(c.Split)}, nil
	case "UnicodeScripts":
		return unicodeScriptsPreTokenizer{}, nil
	}
	return nil, unsupported("pre-tokenizer", typ)
}

// isNumeric is Rust's char::is_numeric: general categories Nd, Nl and No.
func isNumeric(r rune) bool {
	return '0' <= r && r <= '9' || r >= utf8.RuneSelf && unicode.IsNumber(r)
}
