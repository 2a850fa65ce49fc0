package tokenizer

import (
	"errors"
	"fmt"
)

// Offset is a byte range [Start, End) of the text a token came from.
type Offset struct{ Start, End int }

// Encoding is the result of encoding one input (a text or a pair of texts).
//
// Offsets are byte offsets into the text the token came from: the first text for tokens whose
// SequenceIDs entry is 0 and the pair for 1. Tokens added by post-processing or padding have
// Offset{0, 0}. WordIDs and SequenceIDs hold -1 where the library reports None.
type Encoding struct {
	IDs               []int
	TypeIDs           []int
	AttentionMask     []int
	SpecialTokensMask []int
	WordIDs           []int
	SequenceIDs       []int
	Tokens            []string
	Offsets           []Offset
	// Overflowing holds the windows cut off by truncation, each encoded like the main one.
	Overflowing []*Encoding

	ranges []seqRange // which positions belong to which input, as the library tracks them
	source []int      // which input each token's offsets refer to: 0, 1, or -1 for none
	text   string     // the input of a single-sequence encoding, for offset trimming
}

type seqRange struct{ seq, start, end int }

// Len is the number of tokens.
func (e *Encoding) Len() int { return len(e.IDs) }

func (e *Encoding) appendToken(id, typeID int, tok string, off Offset, word, special, source int) {
	e.source = append(e.source, source)
	e.IDs = append(e.IDs, id)
	e.TypeIDs = append(e.TypeIDs, typeID)
	e.Tokens = append(e.Tokens, tok)
	e.Offsets = append(e.Offsets, off)
	e.WordIDs = append(e.WordIDs, word)
	e.SpecialTokensMask = append(e.SpecialTokensMask, special)
	e.AttentionMask = append(e.AttentionMask, 1)
}

func (e *Encoding) setSequenceID(seq int) {
	e.setRange(seq, 0, e.Len())
}

func (e *Encoding) setRange(seq, start, end int) {
	for i := range e.ranges {
		if e.ranges[i].seq == seq {
			e.ranges[i] = seqRange{seq, start, end}
			return
		}
	}
	e.ranges = append(e.ranges, seqRange{seq, start, end})
}

func (e *Encoding) setTypeIDs(typeID int) {
	for i := range e.TypeIDs {
		e.TypeIDs[i] = typeID
	}
}

func (e *Encoding) clone() *Encoding {
	c := &Encoding{
		IDs:               append([]int(nil), e.IDs...),
		TypeIDs:           append([]int(nil), e.TypeIDs...),
		AttentionMask:     append([]int(nil), e.AttentionMask...),
		SpecialTokensMask: append([]int(nil), e.SpecialTokensMask...),
		WordIDs:           append([]int(nil), e.WordIDs...),
		Tokens:            append([]string(nil), e.Tokens...),
		Offsets:           append([]Offset(nil), e.Offsets...),
		ranges:            append([]seqRange(nil), e.ranges...),
		source:            append([]int(nil), e.source...),
		text:              e.text,
	}
	for _, o := range e.Overflowing {
		c.Overflowing = append(c.Overflowing, o.clone())
	}
	return c
}

// mergeWith appends pair to e, combining their overflowing windows as Encoding::merge_with does.
func (e *Encoding) mergeWith(pair *Encoding) {
	var overflowing []*Encoding
	for _, so := range e.Overflowing {
		n := so.clone()
		n.mergeWith(pair.clone())
		overflowing = append(overflowing, n)
		for _, po := range pair.Overflowing {
			n := so.clone()
			n.mergeWith(po.clone())
			overflowing = append(overflowing, n)
		}
	}
	for _, po := range pair.Overflowing {
		n := e.clone()
		n.mergeWith(po.clone())
		overflowing = append(overflowing, n)
	}
	base := e.Len()
	for _, r := range pair.ranges {
		e.setRange(r.seq, base+r.start, base+r.end)
	}
	e.IDs = append(e.IDs, pair.IDs...)
	e.TypeIDs = append(e.TypeIDs, pair.TypeIDs...)
	e.Tokens = append(e.Tokens, pair.Tokens...)
	e.WordIDs = append(e.WordIDs, pair.WordIDs...)
	e.Offsets = append(e.Offsets, pair.Offsets...)
	e.SpecialTokensMask = append(e.SpecialTokensMask, pair.SpecialTokensMask...)
	e.AttentionMask = append(e.AttentionMask, pair.AttentionMask...)
	e.source = append(e.source, pair.source...)
	e.Overflowing = overflowing
}

func merge(encs []*Encoding) *Encoding {
	out := &Encoding{}
	for _, e := range encs {
		out.mergeWith(e)
	}
	return out
}

var errStride = errors.New("truncation: stride must be strictly less than the maximum length left for the sequence")

// truncate keeps maxLen tokens and moves the rest into overflowing windows that overlap by stride,
// or drops the rest when keep is false.
func (e *Encoding) truncate(maxLen, stride int, left, keep bool) error {
	n := e.Len()
	if maxLen >= n {
		return nil
	}
	if maxLen == 0 {
		old := *e
		*e = Encoding{text: old.text}
		if keep {
			e.Overflowing = []*Encoding{&old}
		}
		return nil
	}
	if stride >= maxLen {
		return fmt.Errorf("%w (stride %d, max length %d)", errStride, stride, maxLen)
	}
	step := maxLen - stride
	type part struct{ start, stop int }
	var parts []part
	if !left {
		for start := 0; start < n; start += step {
			stop := min(start+maxLen, n)
			parts = append(parts, part{start, stop})
			if stop == n {
				break
			}
		}
	} else {
		for s := n - 1; s >= 0; s -= step {
			stop := s + 1
			start := 0
			if stop >= maxLen {
				start = stop - maxLen
			}
			if start < stop {
				parts = append(parts, part{start, stop})
				if start == 0 {
					break
				}
			}
		}
	}
	window := func(p part) *Encoding {
		return &Encoding{
			IDs:               append([]int(nil), e.IDs[p.start:p.stop]...),
			TypeIDs:           append([]int(nil), e.TypeIDs[p.start:p.stop]...),
			AttentionMask:     append([]int(nil), e.AttentionMask[p.start:p.stop]...),
			SpecialTokensMask: append([]int(nil), e.SpecialTokensMask[p.start:p.stop]...),
			WordIDs:           append([]int(nil), e.WordIDs[p.start:p.stop]...),
			Tokens:            append([]string(nil), e.Tokens[p.start:p.stop]...),
			Offsets:           append([]Offset(nil), e.Offsets[p.start:p.stop]...),
			source:            append([]int(nil), e.source[p.start:p.stop]...),
			text:              e.text,
		}
	}
	first := window(parts[0])
	if !keep {
		parts = parts[:1]
	}
	for _, p := range parts[1:] {
		first.Overflowing = append(first.Overflowing, window(p))
	}
	*e = *first
	return nil
}

// pad pads e (and its overflowing windows) to target tokens.
func (e *Encoding) pad(target int, p *Padding) {
	for _, o := range e.Overflowing {
		o.pad(target, p)
	}
	n := e.Len()
	if n >= target {
		return
	}
	k := target - n
	if p.Direction == "left" {
		e.IDs = prepend(e.IDs, k, p.PadID)
		e.TypeIDs = prepend(e.TypeIDs, k, p.PadTypeID)
		e.Tokens = prepend(e.Tokens, k, p.PadToken)
		e.WordIDs = prepend(e.WordIDs, k, -1)
		e.AttentionMask = prepend(e.AttentionMask, k, 0)
		e.SpecialTokensMask = prepend(e.SpecialTokensMask, k, 1)
		e.Offsets = prepend(e.Offsets, k, Offset{})
		e.source = prepend(e.source, k, -1)
		for i := range e.ranges {
			e.ranges[i].start += k
			e.ranges[i].end += k
		}
		return
	}
	e.IDs = extend(e.IDs, k, p.PadID)
	e.TypeIDs = extend(e.TypeIDs, k, p.PadTypeID)
	e.Tokens = extend(e.Tokens, k, p.PadToken)
	e.WordIDs = extend(e.WordIDs, k, -1)
	e.AttentionMask = extend(e.AttentionMask, k, 0)
	e.SpecialTokensMask = extend(e.SpecialTokensMask, k, 1)
	e.Offsets = extend(e.Offsets, k, Offset{})
	e.source = extend(e.source, k, -1)
}

func prepend[T any](s []T, k int, v T) []T {
	out := make([]T, k, k+len(s))
	for i := range out {
		out[i] = v
	}
	return append(out, s...)
}

func extend[T any](s []T, k int, v T) []T {
	for i := 0; i < k; i++ {
		s = append(s, v)
	}
	return s
}

// finish fills SequenceIDs from the tracked ranges, as Encoding::get_sequence_ids does.
func (e *Encoding) finish() {
	n := e.Len()
	e.SequenceIDs = make([]int, n)
	for i := range e.SequenceIDs {
		e.SequenceIDs[i] = -1
	}
	count := len(e.ranges)
	if count == 0 {
		count = 1
	}
	for seq := 0; seq < count; seq++ {
		start, end := 0, n
		for _, r := range e.ranges {
			if r.seq == seq {
				start, end = r.start, r.end
			}
		}
		for i := start; i < end && i < n; i++ {
			e.SequenceIDs[i] = seq
		}
	}
	for _, o := range e.Overflowing {
		o.finish()
	}
}
