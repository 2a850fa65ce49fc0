package tokenizer

// postProcessor adds the special tokens a model expects around one or two encodings.
type postProcessor interface {
	addedTokens(pair bool) int
	// processEncodings is PostProcessor::process_encodings.
	processEncodings(encs []*Encoding, addSpecial bool) ([]*Encoding, error)
}

// piece is one element of a template: a sequence (seq 0 for $A, 1 for $B) or a special token.
type piece struct {
	seq     int // -1 for a special token
	special string
	typeID  int
}

type specialTokens struct {
	ids    []int
	tokens []string
}

// templateProcessing is TemplateProcessing; BertProcessing and RobertaProcessing are built as
// templates too since they produce the same encodings.
type templateProcessing struct {
	single, pair []piece
	specials     map[string]specialTokens
}

func (t *templateProcessing) count(tpl []piece) int {
	n := 0
	for _, p := range tpl {
		if p.seq < 0 {
			n += len(t.specials[p.special].ids)
		}
	}
	return n
}

func (t *templateProcessing) addedTokens(pair bool) int {
	if pair {
		return t.count(t.pair)
	}
	return t.count(t.single)
}

func (t *templateProcessing) processEncodings(encs []*Encoding, addSpecial bool) ([]*Encoding, error) {
	tpl := t.single
	if len(encs) == 2 {
		tpl = t.pair
	}
	out := make([]*Encoding, 0, len(tpl))
	for _, p := range tpl {
		if p.seq >= 0 {
			e := encs[p.seq]
			e.setTypeIDs(p.typeID)
			e.setSequenceID(p.seq)
			out = append(out, e.clone())
			continue
		}
		if !addSpecial {
			continue
		}
		sp := t.specials[p.special]
		e := &Encoding{}
		for i, id := range sp.ids {
			e.appendToken(id, p.typeID, sp.tokens[i], Offset{}, -1, 1, -1)
		}
		out = append(out, e)
	}
	return out, nil
}

// process is PostProcessor::process: mark each encoding with its sequence and type, let the
// processor wrap them, and merge the result.
func process(pp postProcessor, encs []*Encoding, addSpecial bool) (*Encoding, error) {
	if t, ok := pp.(*templateProcessing); ok && t.simple(encs) {
		return t.build(encs, addSpecial), nil
	}
	for i, e := range encs {
		e.setSequenceID(i)
		for _, o := range e.Overflowing {
			o.setSequenceID(i)
		}
		e.setTypeIDs(i)
	}
	out, err := pp.processEncodings(encs, addSpecial)
	if err != nil {
		return nil, err
	}
	return merge(out), nil
}

// defaultProcess is what happens without a post-processor.
func defaultProcess(encs []*Encoding) *Encoding {
	if len(encs) == 1 {
		return encs[0]
	}
	out := &Encoding{}
	for i, e := range encs {
		e.setSequenceID(i)
		out.mergeWith(e)
	}
	return out
}

// simple reports whether build can stand in for the general path: nothing overflowed and each
// sequence appears once in the template, so no copies are needed.
func (t *templateProcessing) simple(encs []*Encoding) bool {
	tpl := t.single
	if len(encs) == 2 {
		tpl = t.pair
	}
	seen := [2]bool{}
	for _, p := range tpl {
		if p.seq >= 0 {
			if p.seq >= len(encs) || seen[p.seq] {
				return false
			}
			seen[p.seq] = true
		}
	}
	for _, e := range encs {
		if len(e.Overflowing) > 0 {
			return false
		}
	}
	return true
}

// build applies the template straight into one encoding; it produces what process would.
func (t *templateProcessing) build(encs []*Encoding, addSpecial bool) *Encoding {
	tpl := t.single
	if len(encs) == 2 {
		tpl = t.pair
	}
	n := 0
	for _, e := range encs {
		n += e.Len()
	}
	if addSpecial {
		n += t.count(tpl)
	}
	out := &Encoding{
		IDs: make([]int, 0, n), TypeIDs: make([]int, 0, n), AttentionMask: make([]int, 0, n),
		SpecialTokensMask: make([]int, 0, n), WordIDs: make([]int, 0, n), Tokens: make([]string, 0, n),
		Offsets: make([]Offset, 0, n), source: make([]int, 0, n),
	}
	for _, p := range tpl {
		if p.seq < 0 {
			if addSpecial {
				sp := t.specials[p.special]
				for i, id := range sp.ids {
					out.appendToken(id, p.typeID, sp.tokens[i], Offset{}, -1, 1, -1)
				}
			}
			continue
		}
		e := encs[p.seq]
		base := out.Len()
		out.IDs = append(out.IDs, e.IDs...)
		for range e.IDs {
			out.TypeIDs = append(out.TypeIDs, p.typeID)
		}
		out.AttentionMask = append(out.AttentionMask, e.AttentionMask...)
		out.SpecialTokensMask = append(out.SpecialTokensMask, e.SpecialTokensMask...)
		out.WordIDs = append(out.WordIDs, e.WordIDs...)
		out.Tokens = append(out.Tokens, e.Tokens...)
		out.Offsets = append(out.Offsets, e.Offsets...)
		out.source = append(out.source, e.source...)
		out.setRange(p.seq, base, base+e.Len())
	}
	return out
}
