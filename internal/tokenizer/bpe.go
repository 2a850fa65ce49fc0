package tokenizer

import (
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// bpe is the BPE model: a word starts as characters (or byte tokens) and the best-ranked
// adjacent pair is merged until no merge applies.
type bpe struct {
	vocab
	merges       map[[2]int]mergeRule
	unk          string
	hasUnk       bool
	prefix       string // continuing_subword_prefix
	suffix       string // end_of_word_suffix
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool
	byteTokens   [256]int // id of "<0xXX>", -1 if absent
	cache        *wordCache
}

type mergeRule struct{ rank, id int }

func parseBPE(raw json.RawMessage) (model, error) {
	var c struct {
		Vocab                   map[string]int  `json:"vocab"`
		Merges                  json.RawMessage `json:"merges"`
		UnkToken                *string         `json:"unk_token"`
		ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
		FuseUnk                 bool            `json:"fuse_unk"`
		ByteFallback            bool            `json:"byte_fallback"`
		IgnoreMerges            bool            `json:"ignore_merges"`
		Dropout                 *float64        `json:"dropout"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	if err := checkVocab(c.Vocab); err != nil {
		return nil, err
	}
	if c.Dropout != nil && *c.Dropout > 0 {
		return nil, errors.New("BPE dropout is not supported: it makes encoding random")
	}
	b := &bpe{vocab: newVocab(c.Vocab), merges: map[[2]int]mergeRule{}, fuseUnk: c.FuseUnk, cache: &wordCache{},
		byteFallback: c.ByteFallback, ignoreMerges: c.IgnoreMerges}
	if c.UnkToken != nil {
		b.unk, b.hasUnk = *c.UnkToken, true
	}
	if c.ContinuingSubwordPrefix != nil {
		b.prefix = *c.ContinuingSubwordPrefix
	}
	if c.EndOfWordSuffix != nil {
		b.suffix = *c.EndOfWordSuffix
	}
	for i := range b.byteTokens {
		id, ok := b.ids[fmt.Sprintf("<0x%02X>", i)]
		if !ok {
			id = -1
		}
		b.byteTokens[i] = id
	}
	pairs, err := parseMerges(c.Merges)
	if err != nil {
		return nil, err
	}
	for rank, p := range pairs {
		a, ok := b.ids[p[0]]
		if !ok {
			return nil, fmt.Errorf("merge token %q is not in the vocabulary", p[0])
		}
		bb, ok := b.ids[p[1]]
		if !ok {
			return nil, fmt.Errorf("merge token %q is not in the vocabulary", p[1])
		}
		second := p[1]
		if len(b.prefix) <= len(second) {
			second = second[len(b.prefix):]
		}
		id, ok := b.ids[p[0]+second]
		if !ok {
			return nil, fmt.Errorf("merged token %q is not in the vocabulary", p[0]+second)
		}
		b.merges[[2]int{a, bb}] = mergeRule{rank, id}
	}
	return b, nil
}

// parseMerges accepts both forms: ["a b", ...] and [["a", "b"], ...].
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		out := make([][2]string, 0, len(strs))
		for _, s := range strs {
			a, b, ok := strings.Cut(s, " ")
			if !ok {
				return nil, fmt.Errorf("merge %q is not two tokens", s)
			}
			out = append(out, [2]string{a, b})
		}
		return out, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("merges: %w", err)
	}
	return pairs, nil
}

// symbol is one piece of a word being merged, in a doubly linked list.
type symbol struct {
	id         int
	prev, next int
	len        int // bytes; 0 once merged away
}

type mergeItem struct{ pos, rank, id int }

type mergeQueue []mergeItem

func (q mergeQueue) Len() int { return len(q) }
func (q mergeQueue) Less(i, j int) bool {
	if q[i].rank != q[j].rank {
		return q[i].rank < q[j].rank
	}
	return q[i].pos < q[j].pos
}
func (q mergeQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *mergeQueue) Push(x any)   { *q = append(*q, x.(mergeItem)) }
func (q *mergeQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

func (b *bpe) tokenize(s string, dst []token) ([]token, error) {
	if s == "" {
		return dst, nil
	}
	if b.ignoreMerges {
		if id, ok := b.ids[s]; ok {
			return append(dst, token{id: id, value: s, start: 0, end: len(s)}), nil
		}
	}
	if toks, ok := b.cache.get(s); ok {
		return append(dst, toks...), nil
	}
	syms, err := b.initialSymbols(s)
	if err != nil {
		return dst, err
	}
	b.mergeAll(syms)
	first := len(dst)
	start := 0
	for _, sym := range syms {
		if sym.len == 0 {
			continue
		}
		dst = append(dst, token{id: sym.id, value: b.tokens[sym.id], start: start, end: start + sym.len})
		start += sym.len
	}
	b.cache.put(s, dst[first:])
	return dst, nil
}

// initialSymbols is merge_word before merging: characters, byte tokens or unknowns.
func (b *bpe) initialSymbols(w string) ([]symbol, error) {
	syms := make([]symbol, 0, len(w))
	add := func(id, n int) {
		syms = append(syms, symbol{id: id, prev: len(syms) - 1, next: len(syms) + 1, len: n})
	}
	unkID, unkLen := -1, 0
	var sb strings.Builder
	for i := 0; i < len(w); {
		_, size := utf8.DecodeRuneInString(w[i:])
		piece := w[i : i+size]
		isFirst, isLast := i == 0, i+size == len(w)
		key := piece
		if (!isFirst && b.prefix != "") || (isLast && b.suffix != "") {
			sb.Reset()
			if !isFirst {
				sb.WriteString(b.prefix)
			}
			sb.WriteString(piece)
			if isLast {
				sb.WriteString(b.suffix)
			}
			key = sb.String()
		}
		i += size
		if id, ok := b.ids[key]; ok {
			if unkID >= 0 {
				add(unkID, unkLen)
				unkID = -1
			}
			add(id, size)
			continue
		}
		if b.byteFallback {
			all := true
			for k := 0; k < len(key); k++ {
				if b.byteTokens[key[k]] < 0 {
					all = false
					break
				}
			}
			if all {
				for k := 0; k < len(key); k++ {
					add(b.byteTokens[key[k]], 1)
				}
				continue
			}
		}
		if b.hasUnk {
			id, ok := b.ids[b.unk]
			if !ok {
				return nil, fmt.Errorf("BPE: unk token %q is not in the vocabulary", b.unk)
			}
			switch {
			case unkID >= 0 && b.fuseUnk:
				unkLen += size
			case unkID >= 0:
				add(unkID, unkLen)
				unkID, unkLen = id, size
			default:
				unkID, unkLen = id, size
			}
		}
	}
	if unkID >= 0 {
		add(unkID, unkLen)
	}
	if len(syms) > 0 {
		syms[len(syms)-1].next = -1
	}
	return syms, nil
}

// mergeAll is Word::merge_all without dropout.
func (b *bpe) mergeAll(syms []symbol) {
	if len(syms) < 2 {
		return
	}
	q := make(mergeQueue, 0, len(syms))
	for i := 0; i+1 < len(syms); i++ {
		if m, ok := b.merges[[2]int{syms[i].id, syms[i+1].id}]; ok {
			q = append(q, mergeItem{i, m.rank, m.id})
		}
	}
	heap.Init(&q)
	for q.Len() > 0 {
		top := heap.Pop(&q).(mergeItem)
		cur := &syms[top.pos]
		if cur.len == 0 || cur.next == -1 {
			continue
		}
		nextPos := cur.next
		right := syms[nextPos]
		if m, ok := b.merges[[2]int{cur.id, right.id}]; !ok || m.id != top.id {
			continue
		}
		cur.id = top.id
		cur.len += right.len
		cur.next = right.next
		syms[nextPos].len = 0
		if right.next > -1 && right.next < len(syms) {
			syms[right.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if m, ok := b.merges[[2]int{syms[cur.prev].id, cur.id}]; ok {
				heap.Push(&q, mergeItem{cur.prev, m.rank, m.id})
			}
		}
		if cur.next >= 0 && cur.next < len(syms) {
			if m, ok := b.merges[[2]int{cur.id, syms[cur.next].id}]; ok {
				heap.Push(&q, mergeItem{top.pos, m.rank, m.id})
			}
		}
	}
}
