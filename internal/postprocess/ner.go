package postprocess

import (
	"fmt"
	"sort"
	"strings"
)

// Aggregation is how token predictions become entities, as the token-classification pipeline's
// aggregation_strategy.
type Aggregation string

const (
	AggNone    Aggregation = "none"    // one entity per token
	AggSimple  Aggregation = "simple"  // adjacent tokens of one type grouped
	AggFirst   Aggregation = "first"   // a word takes its first token's label
	AggAverage Aggregation = "average" // a word takes the label of its tokens' average scores
	AggMax     Aggregation = "max"     // a word takes the label of its highest-scoring token
)

// ParseAggregation validates a strategy name.
func ParseAggregation(s string) (Aggregation, error) {
	switch a := Aggregation(s); a {
	case AggNone, AggSimple, AggFirst, AggAverage, AggMax:
		return a, nil
	}
	return "", fmt.Errorf("unknown aggregation strategy %q (want none, simple, first, average or max)", s)
}

// NERToken is one non-special token of a window: its vocabulary string (Word), character offsets
// into the text, whether it continues the previous token's word, and its label probabilities.
type NERToken struct {
	Index     int
	Word      string
	Start     int
	End       int
	IsSubword bool
	Scores    []float64
}

// Entity is one recognised token (AggNone: Label, Index) or group of tokens (Group).
type Entity struct {
	Label string // AggNone: the token's label
	Group string // other strategies: the label without its B-/I- prefix
	Score float64
	Word  string
	Start int
	End   int
	Index int
}

// Entities turns a window's tokens into entities. decode joins token strings into text (the
// tokenizer's decoder), labels are the model's id2label, and entities labelled in ignore are dropped.
func Entities(tokens []NERToken, agg Aggregation, labels []string, ignore []string, decode func([]string) string) []Entity {
	var ents []Entity
	switch agg {
	case AggNone, AggSimple:
		for _, t := range tokens {
			best := Argmax(t.Scores)
			ents = append(ents, Entity{Label: labels[best], Score: t.Scores[best], Word: t.Word, Start: t.Start, End: t.End, Index: t.Index})
		}
	default:
		ents = aggregateWords(tokens, agg, labels, decode)
	}
	if agg != AggNone {
		ents = groupEntities(ents, decode)
	}
	kept := ents[:0]
	for _, e := range ents {
		name := e.Label
		if agg != AggNone {
			name = e.Group
		}
		if !contains(ignore, name) {
			kept = append(kept, e)
		}
	}
	return kept
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// aggregateWords makes one entity per word, forcing its tokens to agree.
func aggregateWords(tokens []NERToken, agg Aggregation, labels []string, decode func([]string) string) []Entity {
	var words []Entity
	var group []NERToken
	flush := func() {
		if len(group) > 0 {
			words = append(words, aggregateWord(group, agg, labels, decode))
		}
	}
	for _, t := range tokens {
		if len(group) > 0 && !t.IsSubword {
			flush()
			group = nil
		}
		group = append(group, t)
	}
	flush()
	return words
}

func aggregateWord(group []NERToken, agg Aggregation, labels []string, decode func([]string) string) Entity {
	words := make([]string, len(group))
	for i, t := range group {
		words[i] = t.Word
	}
	var scores []float64
	switch agg {
	case AggFirst:
		scores = group[0].Scores
	case AggMax:
		best, bestMax := 0, group[0].Scores[Argmax(group[0].Scores)]
		for i, t := range group[1:] {
			if m := t.Scores[Argmax(t.Scores)]; m > bestMax {
				best, bestMax = i+1, m
			}
		}
		scores = group[best].Scores
	case AggAverage:
		scores = make([]float64, len(group[0].Scores))
		for _, t := range group {
			for i, s := range t.Scores {
				scores[i] += s / float64(len(group))
			}
		}
	}
	idx := Argmax(scores)
	return Entity{Label: labels[idx], Score: scores[idx], Word: decode(words), Start: group[0].Start, End: group[len(group)-1].End}
}

// tag splits "B-PER" into ("B", "PER"); a label without a B-/I- prefix counts as a continuation.
func tag(label string) (bi, name string) {
	switch {
	case strings.HasPrefix(label, "B-"):
		return "B", label[2:]
	case strings.HasPrefix(label, "I-"):
		return "I", label[2:]
	}
	return "I", label
}

// groupEntities merges adjacent entities of one type; a B- label always starts a new group.
func groupEntities(ents []Entity, decode func([]string) string) []Entity {
	var groups []Entity
	var run []Entity
	flush := func() {
		if len(run) == 0 {
			return
		}
		// The group is named after its first label without the prefix ("B-PER" and "PER" → "PER").
		name := run[0].Label
		if i := strings.Index(name, "-"); i >= 0 {
			name = name[i+1:]
		}
		words := make([]string, len(run))
		var sum float64
		for i, e := range run {
			words[i] = e.Word
			sum += e.Score
		}
		groups = append(groups, Entity{Group: name, Score: sum / float64(len(run)), Word: decode(words),
			Start: run[0].Start, End: run[len(run)-1].End})
	}
	for _, e := range ents {
		if len(run) > 0 {
			bi, name := tag(e.Label)
			_, lastName := tag(run[len(run)-1].Label)
			if name != lastName || bi == "B" {
				flush()
				run = nil
			}
		}
		run = append(run, e)
	}
	flush()
	return groups
}

// MergeOverlapping keeps, among entities of overlapping windows whose spans overlap, the longest
// (then the highest-scoring) one, as the pipeline does when it reads a long text in strides.
func MergeOverlapping(ents []Entity) []Entity {
	if len(ents) == 0 {
		return ents
	}
	sorted := append([]Entity(nil), ents...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var out []Entity
	prev := sorted[0]
	for _, e := range sorted {
		if prev.Start <= e.Start && e.Start < prev.End {
			cur, old := e.End-e.Start, prev.End-prev.Start
			if cur > old || cur == old && e.Score > prev.Score {
				prev = e
			}
			continue
		}
		out = append(out, prev)
		prev = e
	}
	return append(out, prev)
}
