package tokenizer

import "unicode/utf8"

// span is a byte range [start, end) of the original input.
type span struct{ start, end int }

// normString is a piece of text being normalized together with, for each of its bytes, the span
// of the original input that byte came from. It mirrors the library's NormalizedString with
// absolute original offsets, so slicing never has to shift anything.
type normString struct {
	s     string
	align []span // len(align) == len(s)
	orig  span   // the part of the original input this piece covers
}

// newNormString wraps original text that starts at byte base of the input.
func newNormString(text string, base int) normString {
	align := make([]span, len(text))
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRuneInString(text[i:])
		sp := span{base + i, base + i + size}
		for k := 0; k < size; k++ {
			align[i+k] = sp
		}
		i += size
	}
	return normString{s: text, align: align, orig: span{base, base + len(text)}}
}

// toOriginal converts a byte range of the normalized text to the original input, as
// NormalizedString::convert_offsets followed by the original shift does.
func (n *normString) toOriginal(start, end int) span {
	if start == end {
		return span{n.orig.start + start, n.orig.start + end}
	}
	if start > end || end > len(n.align) {
		return span{start, end}
	}
	return span{n.align[start].start, n.align[end-1].end}
}

// slice returns the normalized byte range [start, end) as its own piece.
func (n *normString) slice(start, end int) normString {
	o := n.toOriginal(start, end)
	return normString{s: n.s[start:end], align: n.align[start:end:end], orig: o}
}

// builder accumulates a new normalized string rune by rune, each with its alignment.
type builder struct {
	buf   []byte
	align []span
}

func (b *builder) add(r rune, sp span) {
	if r < utf8.RuneSelf {
		b.buf = append(b.buf, byte(r))
		b.align = append(b.align, sp)
		return
	}
	n := len(b.buf)
	b.buf = utf8.AppendRune(b.buf, r)
	for i := n; i < len(b.buf); i++ {
		b.align = append(b.align, sp)
	}
}

func (b *builder) into(n *normString) {
	n.s = string(b.buf)
	n.align = b.align
}

// change is one step of a transformation, as the library's transform_range takes them: the new
// rune, and 0 to replace the next old rune, +1 to insert, or -k to replace the next old rune and
// drop the k after it.
type change struct {
	r rune
	d int
}

// transform rewrites the whole string from a list of changes, skipping initialOffset old runes
// first. Its alignment rules are transform_range's: replacing runes keep the alignment of the rune
// they replace, inserted runes take the one of the byte just before.
func (n *normString) transform(changes []change, initialOffset int) {
	old := n.s
	pos := 0
	for i := 0; i < initialOffset && pos < len(old); i++ {
		_, size := utf8.DecodeRuneInString(old[pos:])
		pos += size
	}
	var b builder
	b.buf = make([]byte, 0, len(old))
	b.align = make([]span, 0, len(old))
	for _, c := range changes {
		var sp span
		if c.d > 0 {
			if pos < 1 {
				sp = span{n.orig.start, n.orig.start}
			} else {
				sp = n.align[pos-1]
			}
		} else if pos < len(n.align) {
			sp = n.align[pos]
		}
		if c.d <= 0 && pos < len(old) {
			_, size := utf8.DecodeRuneInString(old[pos:])
			pos += size
		}
		for k := 0; k < -c.d && pos < len(old); k++ {
			_, size := utf8.DecodeRuneInString(old[pos:])
			pos += size
		}
		b.add(c.r, sp)
	}
	b.into(n)
}

// mapRunes applies f to every rune; each output rune keeps the alignment of the rune it came from,
// which is what filter, map, lowercase and decompositions all amount to in the library.
func (n *normString) mapRunes(f func(dst []rune, r rune) []rune) {
	var b builder
	b.buf = make([]byte, 0, len(n.s)+8)
	b.align = make([]span, 0, len(n.s)+8)
	var tmp [8]rune
	for i, r := range n.s {
		sp := n.align[i]
		for _, o := range f(tmp[:0], r) {
			b.add(o, sp)
		}
	}
	b.into(n)
}

// prepend adds s in front; the new runes take the alignment of the first rune, as
// NormalizedString::prepend does. Nothing is added to an empty string.
func (n *normString) prepend(s string) {
	if n.s == "" || s == "" {
		return
	}
	sp := n.align[0]
	align := make([]span, len(s), len(s)+len(n.align))
	for i := range align {
		align[i] = sp
	}
	n.align = append(align, n.align...)
	n.s = s + n.s
}

// replace substitutes content for every match of p. The new runes take the alignment of the last
// byte of what they replace, as NormalizedString::replace does.
func (n *normString) replace(p pattern, content string) {
	var buf [32]matchSpan
	ms := p.findMatches(n.s, buf[:0])
	changed := false
	for _, m := range ms {
		if m.match {
			changed = true
			break
		}
	}
	if !changed {
		return
	}
	var b builder
	b.buf = make([]byte, 0, len(n.s)+8)
	b.align = make([]span, 0, len(n.s)+8)
	for _, m := range ms {
		if !m.match {
			b.buf = append(b.buf, n.s[m.start:m.end]...)
			b.align = append(b.align, n.align[m.start:m.end]...)
			continue
		}
		sp := span{n.orig.start, n.orig.start}
		if m.end >= 1 {
			sp = n.align[m.end-1]
		}
		for _, r := range content {
			b.add(r, sp)
		}
	}
	b.into(n)
}
