package tokenizer

import (
	"encoding/binary"
	"errors"
	"unicode"
	"unicode/utf8"
)

// precompiled is SentencePiece's precompiled character map: a darts-clone double-array trie
// from byte sequences to offsets in a blob of NUL-terminated replacement strings.
type precompiled struct {
	array      []uint32
	normalized string
}

func newPrecompiled(blob []byte) (*precompiled, error) {
	if len(blob) < 4 {
		return nil, errors.New("precompiled_charsmap is too short")
	}
	size := binary.LittleEndian.Uint32(blob)
	if uint64(size)+4 > uint64(len(blob)) || size%4 != 0 {
		return nil, errors.New("precompiled_charsmap has a bad trie size")
	}
	p := &precompiled{array: make([]uint32, size/4)}
	for i := range p.array {
		p.array[i] = binary.LittleEndian.Uint32(blob[4+4*i:])
	}
	p.normalized = string(blob[4+size:])
	return p, nil
}

// firstPrefixValue is the value of the shortest key that is a prefix of key.
func (p *precompiled) firstPrefixValue(key string) (int, bool) {
	a := p.array
	if len(a) == 0 {
		return 0, false
	}
	offset := func(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }
	pos := offset(a[0])
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == 0 {
			break
		}
		pos ^= uint32(c)
		if int(pos) >= len(a) {
			return 0, false
		}
		u := a[pos]
		if u&((1<<31)|0xFF) != uint32(c) {
			return 0, false
		}
		pos ^= offset(u)
		if (u>>8)&1 == 1 {
			if int(pos) >= len(a) {
				return 0, false
			}
			return int(a[pos] & ((1 << 31) - 1)), true
		}
	}
	return 0, false
}

// transform returns the replacement for chunk, if its trie has one for a prefix of it.
func (p *precompiled) transform(chunk string) (string, bool) {
	v, ok := p.firstPrefixValue(chunk)
	if !ok || v > len(p.normalized) {
		return "", false
	}
	end := v
	for end < len(p.normalized) && p.normalized[end] != 0 {
		end++
	}
	return p.normalized[v:end], true
}

// normalize follows the library: whole grapheme clusters shorter than 6 bytes are looked up
// first, then their characters one by one.
func (p *precompiled) normalize(n *normString) {
	var changes []change
	modified := false
	replace := func(old, repl string) {
		oldCount := utf8.RuneCountInString(old)
		first := len(changes)
		for _, r := range repl {
			changes = append(changes, change{r, 0})
		}
		newCount := len(changes) - first
		switch diff := newCount - oldCount; {
		case diff > 0:
			for i := len(changes) - diff; i < len(changes); i++ {
				changes[i].d = 1
			}
		case diff < 0:
			if len(changes) > 0 {
				changes[len(changes)-1].d += diff
			}
		}
	}
	s := n.s
	for i := 0; i < len(s); {
		j := nextGrapheme(s, i)
		g := s[i:j]
		if len(g) < 6 {
			if repl, ok := p.transform(g); ok {
				modified = true
				replace(g, repl)
				i = j
				continue
			}
		}
		for k := 0; k < len(g); {
			r, size := utf8.DecodeRuneInString(g[k:])
			part := g[k : k+size]
			if repl, ok := p.transform(part); ok {
				modified = true
				replace(part, repl)
			} else {
				changes = append(changes, change{r, 0})
			}
			k += size
		}
		i = j
	}
	if modified {
		n.transform(changes, 0)
	}
}

// nextGrapheme returns the end of the extended grapheme cluster starting at i. It implements the
// rules that can matter for clusters shorter than 6 bytes (the only ones the charsmap looks up
// whole): CR LF, no break after controls, and no break before extending or spacing marks and
// ZWJ. Longer clusters are looked up character by character anyway, so the remaining rules
// (Hangul syllables, emoji sequences, regional indicators) do not change the result.
func nextGrapheme(s string, i int) int {
	r, size := utf8.DecodeRuneInString(s[i:])
	j := i + size
	if r == '\r' {
		if j < len(s) && s[j] == '\n' {
			return j + 1
		}
		return j
	}
	if isGraphemeControl(r) {
		return j
	}
	prepend := isPrepend(r)
	for j < len(s) {
		next, size := utf8.DecodeRuneInString(s[j:])
		if prepend && !isGraphemeControl(next) && next != '\r' && next != '\n' {
			prepend = isPrepend(next)
			j += size
			continue
		}
		if !isGraphemeExtend(next) {
			break
		}
		j += size
	}
	return j
}

func isGraphemeControl(r rune) bool {
	if r == '\n' || r == '\r' {
		return true
	}
	if r == 0x200C || r == 0x200D {
		return false
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) ||
		(unicode.Is(unicode.Cf, r) && !isPrepend(r))
}

func isGraphemeExtend(r rune) bool {
	if r < 0x300 {
		return false
	}
	if r == 0x200D || r == 0x200C {
		return true
	}
	if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Mc, r) ||
		unicode.Is(unicode.Other_Grapheme_Extend, r) {
		return true
	}
	return r == 0x0E33 || r == 0x0EB3 || (r >= 0x1F3FB && r <= 0x1F3FF)
}

func isPrepend(r rune) bool {
	return (r >= 0x600 && r <= 0x605) || r == 0x6DD || r == 0x70F || r == 0x890 || r == 0x891 ||
		r == 0x8E2 || r == 0xD4E || r == 0x110BD || r == 0x110CD || r == 0x111C2 || r == 0x111C3 ||
		r == 0x1193F || r == 0x11941 || r == 0x11A3A || (r >= 0x11A84 && r <= 0x11A89) || r == 0x11D46
}
