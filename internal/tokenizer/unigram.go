package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// unigram is the Unigram model: the segmentation with the best total log-probability, found by
// Viterbi over the vocabulary trie, as SentencePiece's optimized encoder does.
type unigram struct {
	pieces       []string
	scores       []float64
	ids          map[string]int
	trie         byteTrie
	unkID        int // -1 when none
	minScore     float64
	byteFallback bool
	byteTokens   [256]int
	cache        *wordCache
}

// unkPenalty is how much worse than the worst piece an unknown character scores.
const unkPenalty = 10.0

func parseUnigram(raw json.RawMessage) (model, error) {
	var c struct {
		UnkID        *int              `json:"unk_id"`
		Vocab        []json.RawMessage `json:"vocab"`
		ByteFallback bool              `json:"byte_fallback"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	u := &unigram{ids: map[string]int{}, unkID: -1, cache: &wordCache{}, byteFallback: c.ByteFallback, minScore: math.Inf(1)}
	if c.UnkID != nil {
		if len(c.Vocab) == 0 {
			return nil, errors.New("unigram: empty vocabulary")
		}
		if *c.UnkID < 0 || *c.UnkID >= len(c.Vocab) {
			return nil, errors.New("unigram: unk_id is not in the vocabulary")
		}
		u.unkID = *c.UnkID
	}
	for i, item := range c.Vocab {
		var pair [2]json.RawMessage
		if err := json.Unmarshal(item, &pair); err != nil {
			return nil, fmt.Errorf("unigram vocab entry %d: %w", i, err)
		}
		var piece string
		if err := json.Unmarshal(pair[0], &piece); err != nil {
			return nil, fmt.Errorf("unigram vocab entry %d: %w", i, err)
		}
		score, err := parseSerdeFloat(strings.TrimSpace(string(pair[1])))
		if err != nil {
			return nil, fmt.Errorf("unigram vocab entry %d: %w", i, err)
		}
		u.pieces = append(u.pieces, piece)
		u.scores = append(u.scores, score)
		u.ids[piece] = i
		u.trie.insert(piece)
		u.minScore = math.Min(u.minScore, score)
	}
	for i := range u.byteTokens {
		id, ok := u.ids[fmt.Sprintf("<0x%02X>", i)]
		if !ok {
			id = -1
		}
		u.byteTokens[i] = id
	}
	return u, nil
}

func (u *unigram) tokenToID(t string) (int, bool) {
	id, ok := u.ids[t]
	return id, ok
}

func (u *unigram) idToToken(id int) (string, bool) {
	if id < 0 || id >= len(u.pieces) {
		return "", false
	}
	return u.pieces[id], true
}

func (u *unigram) vocabSize() int { return len(u.pieces) }

type bestPath struct {
	id     int
	score  float64
	start  int
	filled bool
}

func (u *unigram) tokenize(s string, dst []token) ([]token, error) {
	if s == "" {
		return dst, nil
	}
	if toks, ok := u.cache.get(s); ok {
		return append(dst, toks...), nil
	}
	first := len(dst)
	dst, err := u.viterbi(s, dst)
	if err == nil {
		u.cache.put(s, dst[first:])
	}
	return dst, err
}

func (u *unigram) viterbi(s string, dst []token) ([]token, error) {
	unkScore := u.minScore - unkPenalty
	best := make([]bestPath, len(s)+1)
	for start := 0; start < len(s); {
		here := best[start].score
		_, mblen := utf8.DecodeRuneInString(s[start:])
		single := false
		node := int32(0)
		for k := start; k < len(s); k++ {
			node = u.trie.child(node, s[k])
			if node < 0 {
				break
			}
			if u.trie.nodes[node].terminal {
				end := k + 1
				id := u.ids[s[start:end]]
				cand := u.scores[id] + here
				if t := &best[end]; !t.filled || cand > t.score {
					*t = bestPath{id: id, score: cand, start: start, filled: true}
				}
				if end-start == mblen {
					single = true
				}
			}
		}
		if !single {
			if u.unkID < 0 {
				return dst, errors.New("unigram: a character is not in the vocabulary and there is no unk_id")
			}
			cand := unkScore + here
			if t := &best[start+mblen]; !t.filled || cand > t.score {
				*t = bestPath{id: u.unkID, score: cand, start: start, filled: true}
			}
		}
		start += mblen
	}
	// Walk back along the best path; consecutive unknowns become one piece.
	type seg struct {
		start, end int
		unk        bool
	}
	var segs []seg
	for end := len(s); end > 0; {
		n := best[end]
		isUnk := n.id == u.unkID
		if isUnk && len(segs) > 0 && segs[len(segs)-1].unk {
			segs[len(segs)-1].start = n.start
		} else {
			segs = append(segs, seg{n.start, end, isUnk})
		}
		end = n.start
	}
	for i := len(segs) - 1; i >= 0; i-- {
		start, end := segs[i].start, segs[i].end
		piece := s[start:end]
		id, ok := u.ids[piece]
		if !ok {
			if u.byteFallback && u.bytesKnown(piece) {
				for k := 0; k < len(piece); k++ {
					b := u.byteTokens[piece[k]]
					dst = append(dst, token{id: b, value: u.pieces[b], start: start, end: end})
				}
				continue
			}
			if u.unkID < 0 {
				return dst, errors.New("unigram: a piece is not in the vocabulary and there is no unk_id")
			}
			id = u.unkID
		}
		dst = append(dst, token{id: id, value: piece, start: start, end: end})
	}
	return dst, nil
}

func (u *unigram) bytesKnown(piece string) bool {
	for k := 0; k < len(piece); k++ {
		if u.byteTokens[piece[k]] < 0 {
			return false
		}
	}
	return true
}

// byteTrie is a trie over bytes with children in a hash map.
type byteTrie struct {
	nodes []trieNodeU
	edges map[uint64]int32
}

type trieNodeU struct{ terminal bool }

func (t *byteTrie) child(node int32, c byte) int32 {
	if id, ok := t.edges[uint64(node)<<8|uint64(c)]; ok {
		return id
	}
	return -1
}

func (t *byteTrie) insert(s string) {
	if t.nodes == nil {
		t.nodes = []trieNodeU{{}}
		t.edges = map[uint64]int32{}
	}
	if s == "" {
		return
	}
	cur := int32(0)
	for i := 0; i < len(s); i++ {
		key := uint64(cur)<<8 | uint64(s[i])
		nx, ok := t.edges[key]
		if !ok {
			t.nodes = append(t.nodes, trieNodeU{})
			nx = int32(len(t.nodes) - 1)
			t.edges[key] = nx
		}
		cur = nx
	}
	t.nodes[cur].terminal = true
}
