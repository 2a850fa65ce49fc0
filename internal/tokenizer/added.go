package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// addedToken is one entry of tokenizer.json's added_tokens.
type addedToken struct {
	Content    string `json:"content"`
	ID         int    `json:"id"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized *bool  `json:"normalized"`
	Special    bool   `json:"special"`
}

func (a *addedToken) isNormalized() bool {
	if a.Normalized == nil {
		return !a.Special
	}
	return *a.Normalized
}

// addedVocab finds added tokens in text before the model sees it. Tokens with normalized=false
// are matched in the raw text, the others in the normalized text, as AddedVocabulary does.
type addedVocab struct {
	byID      map[int]*addedToken
	byContent map[string]int
	special   map[string]bool
	decodeAs  map[int]string // normalized form of normalized tokens, used when decoding
	raw       *matcher
	norm      *matcher
}

func newAddedVocab(tokens []addedToken, m model, n normalizer) *addedVocab {
	v := &addedVocab{
		byID:      map[int]*addedToken{},
		byContent: map[string]int{},
		special:   map[string]bool{},
		decodeAs:  map[int]string{},
	}
	nextID := m.vocabSize()
	for i := range tokens {
		t := &tokens[i]
		if t.Content == "" {
			continue
		}
		id, ok := v.byContent[t.Content]
		if !ok {
			id, ok = m.tokenToID(t.Content)
		}
		if !ok {
			id = nextID
			nextID++
		}
		v.byContent[t.Content] = id
		if t.Special {
			v.special[t.Content] = true
		}
		v.byID[id] = t
	}
	var rawPats, normPats []addedPattern
	for id, t := range v.byID {
		if !t.isNormalized() {
			rawPats = append(rawPats, addedPattern{t.Content, id})
			continue
		}
		content := t.Content
		if n != nil {
			ns := newNormString(t.Content, 0)
			n.normalize(&ns)
			if ns.s != t.Content {
				v.decodeAs[id] = ns.s
			}
			content = ns.s
		}
		normPats = append(normPats, addedPattern{content, id})
	}
	v.raw = newMatcher(rawPats)
	v.norm = newMatcher(normPats)
	return v
}

// extract splits text into added tokens and normalized pieces.
func (v *addedVocab) extract(text string, n normalizer, p *pretokenized) {
	p.splits = p.splits[:0]
	whole := newNormString(text, 0)
	p.original = text
	first := v.findMatches(whole.s, v.raw)
	for _, m := range first {
		piece := whole.slice(m.start, m.end)
		if m.id >= 0 {
			p.splits = append(p.splits, split{n: piece, tokens: []token{{id: m.id, value: piece.s, end: len(piece.s)}}, done: true})
			continue
		}
		if n != nil {
			n.normalize(&piece)
		}
		for _, m2 := range v.findMatches(piece.s, v.norm) {
			sub := piece.slice(m2.start, m2.end)
			if len(sub.s) == 0 {
				continue
			}
			if m2.id >= 0 {
				p.splits = append(p.splits, split{n: sub, tokens: []token{{id: m2.id, value: sub.s, end: len(sub.s)}}, done: true})
			} else {
				p.splits = append(p.splits, split{n: sub})
			}
		}
	}
}

type addedMatch struct {
	start, end, id int // id -1: plain text
}

// findMatches is AddedVocabulary::find_matches: the pieces covering s, with lstrip, rstrip and
// single_word applied to each leftmost-longest match.
func (v *addedVocab) findMatches(s string, m *matcher) []addedMatch {
	if s == "" {
		return []addedMatch{{0, 0, -1}}
	}
	if m == nil {
		return []addedMatch{{0, len(s), -1}}
	}
	var out []addedMatch
	startOffset := 0
	for pos := 0; pos < len(s); {
		start, end, id, ok := m.next(s, pos)
		if !ok {
			break
		}
		pos = end
		t := v.byID[id]
		if t.SingleWord {
			startSpace := start == 0 || !endsWithWord(s[:start])
			stopSpace := end == len(s) || !startsWithWord(s[end:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if t.LStrip {
			ns := spaceLeftmostAtEnd(s[:start])
			start = max(ns, startOffset)
		}
		if t.RStrip {
			end += spaceRightmostAtStart(s[end:])
		}
		if startOffset < start {
			out = append(out, addedMatch{startOffset, start, -1})
		}
		out = append(out, addedMatch{start, end, id})
		startOffset = end
	}
	if startOffset != len(s) {
		out = append(out, addedMatch{startOffset, len(s), -1})
	}
	return out
}

// isWordRune is the regex class \w of the Rust regex crate.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Nl, r) ||
		unicode.Is(unicode.M, r) || unicode.Is(unicode.Pc, r) || unicode.Is(unicode.Join_Control, r) ||
		unicode.Is(unicode.Other_Alphabetic, r)
}

func endsWithWord(s string) bool {
	r, size := utf8.DecodeLastRuneInString(s)
	return size > 0 && isWordRune(r)
}

func startsWithWord(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	return size > 0 && isWordRune(r)
}

// spaceLeftmostAtEnd is where the run of whitespace that ends s starts.
func spaceLeftmostAtEnd(s string) int {
	i := len(s)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if !isWhitespace(r) {
			break
		}
		i -= size
	}
	return i
}

// spaceRightmostAtStart is the length of the run of whitespace that starts s.
func spaceRightmostAtStart(s string) int {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWhitespace(r) {
			break
		}
		i += size
	}
	return i
}

type addedPattern struct {
	s  string
	id int
}

// matcher finds the leftmost-longest occurrence of any of a set of patterns, with a byte trie.
type matcher struct {
	nodes []trieNode
	first [256]bool
}

type trieNode struct {
	next map[byte]int32
	id   int // -1 when no pattern ends here
}

func newMatcher(pats []addedPattern) *matcher {
	if len(pats) == 0 {
		return nil
	}
	m := &matcher{nodes: []trieNode{{id: -1}}}
	for _, p := range pats {
		if p.s == "" {
			continue
		}
		cur := int32(0)
		for i := 0; i < len(p.s); i++ {
			c := p.s[i]
			nx, ok := m.nodes[cur].next[c]
			if !ok {
				if m.nodes[cur].next == nil {
					m.nodes[cur].next = map[byte]int32{}
				}
				m.nodes = append(m.nodes, trieNode{id: -1})
				nx = int32(len(m.nodes) - 1)
				m.nodes[cur].next[c] = nx
			}
			cur = nx
		}
		m.nodes[cur].id = p.id
		m.first[p.s[0]] = true
	}
	return m
}

// next returns the leftmost-longest match starting at or after pos.
func (m *matcher) next(s string, pos int) (start, end, id int, ok bool) {
	for i := pos; i < len(s); i++ {
		if !m.first[s[i]] {
			continue
		}
		cur := int32(0)
		bestEnd, bestID := -1, -1
		for j := i; j < len(s); j++ {
			nx, found := m.nodes[cur].next[s[j]]
			if !found {
				break
			}
			cur = nx
			if m.nodes[cur].id >= 0 {
				bestEnd, bestID = j+1, m.nodes[cur].id
			}
		}
		if bestEnd >= 0 {
			return i, bestEnd, bestID, true
		}
	}
	return 0, 0, 0, false
}
