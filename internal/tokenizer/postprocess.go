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
