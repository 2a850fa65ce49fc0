package tokenizer

// token is what a model produces: an id, its string, and a byte range of the normalized piece.
type token struct {
	id         int
	value      string
	start, end int
}

// split is a piece of the input on its way to becoming tokens.
type split struct {
	n      normString
	tokens []token
	done   bool // tokens are final (an added token, or already tokenized)
}

// pretokenized is the library's PreTokenizedString: the input cut into pieces.
type pretokenized struct {
	original string
	splits   []split
	scratch  []normString
}

// preTokenizer cuts the pieces that are not done yet into smaller ones.
type preTokenizer interface {
	preTokenize(p *pretokenized)
}

// splitEach replaces every piece that is not done by the non-empty pieces f returns for it.
func (p *pretokenized) splitEach(f func(i int, n *normString, out []normString) []normString) {
	old := p.splits
	out := make([]split, 0, len(old)*2)
	for i := range old {
		if old[i].done {
			out = append(out, old[i])
			continue
		}
		p.scratch = f(i, &old[i].n, p.scratch[:0])
		for _, n := range p.scratch {
			if len(n.s) > 0 {
				out = append(out, split{n: n})
			}
		}
	}
	p.splits = out
}

// bertPreTokenizer is BertPreTokenizer: split on whitespace (removed), then isolate punctuation.
type bertPreTokenizer struct{}

func (bertPreTokenizer) preTokenize(p *pretokenized) {
	p.splitEach(func(_ int, n *normString, out []normString) []normString {
		s := n.s
		start := -1
		for i, r := range s {
			ws := isWhitespace(r)
			if !ws && !isBertPunct(r) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				out = append(out, n.slice(start, i))
				start = -1
			}
			if !ws {
				out = append(out, n.slice(i, i+runeLen(r)))
			}
		}
		if start >= 0 {
			out = append(out, n.slice(start, len(s)))
		}
		return out
	})
}

func runeLen(r rune) int {
	switch {
	case r < 0x80:
		return 1
	case r < 0x800:
		return 2
	case r < 0x10000:
		return 3
	default:
		return 4
	}
}
