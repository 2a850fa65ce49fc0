package postprocess

import (
	"reflect"
	"strings"
	"testing"
)

var nerLabels = []string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}

// wordPieceJoin is what the WordPiece decoder does to tokens: join with spaces, glue "##" pieces.
func wordPieceJoin(toks []string) string {
	return strings.ReplaceAll(strings.Join(toks, " "), " ##", "")
}

// one-hot-ish scores: p on label i, the rest shared.
func sc(i int, p float64) []float64 {
	s := make([]float64, len(nerLabels))
	for k := range s {
		s[k] = (1 - p) / float64(len(s)-1)
	}
	s[i] = p
	return s
}

// "Jean Dupont lives in Paris" with "Dupont" as "du ##pont".
var nerTokens = []NERToken{
	{Index: 1, Word: "jean", Start: 0, End: 4, Scores: sc(1, 0.9)},
	{Index: 2, Word: "du", Start: 5, End: 7, Scores: sc(2, 0.8)},
	{Index: 3, Word: "##pont", Start: 7, End: 11, IsSubword: true, Scores: sc(3, 0.6)},
	{Index: 4, Word: "lives", Start: 12, End: 17, Scores: sc(0, 0.99)},
	{Index: 5, Word: "in", Start: 18, End: 20, Scores: sc(0, 0.99)},
	{Index: 6, Word: "paris", Start: 21, End: 26, Scores: sc(3, 0.7)},
}

func TestEntities(t *testing.T) {
	tests := []struct {
		agg  Aggregation
		want []Entity
	}{
		{AggNone, []Entity{
			{Label: "B-PER", Score: 0.9, Word: "jean", Start: 0, End: 4, Index: 1},
			{Label: "I-PER", Score: 0.8, Word: "du", Start: 5, End: 7, Index: 2},
			{Label: "B-LOC", Score: 0.6, Word: "##pont", Start: 7, End: 11, Index: 3},
			{Label: "B-LOC", Score: 0.7, Word: "paris", Start: 21, End: 26, Index: 6},
		}},
		// simple groups per token: "##pont" is B-LOC so it starts its own group.
		{AggSimple, []Entity{
			{Group: "PER", Score: 0.85, Word: "jean du", Start: 0, End: 7},
			{Group: "LOC", Score: 0.6, Word: "##pont", Start: 7, End: 11},
			{Group: "LOC", Score: 0.7, Word: "paris", Start: 21, End: 26},
		}},
		// first: "dupont" takes I-PER from "du" and joins "jean".
		{AggFirst, []Entity{
			{Group: "PER", Score: 0.85, Word: "jean dupont", Start: 0, End: 11},
			{Group: "LOC", Score: 0.7, Word: "paris", Start: 21, End: 26},
		}},
		// max: "##pont" (0.6) loses to "du" (0.8), so the same as first.
		{AggMax, []Entity{
			{Group: "PER", Score: 0.85, Word: "jean dupont", Start: 0, End: 11},
			{Group: "LOC", Score: 0.7, Word: "paris", Start: 21, End: 26},
		}},
	}
	for _, tc := range tests {
		t.Run(string(tc.agg), func(t *testing.T) {
			got := Entities(nerTokens, tc.agg, nerLabels, []string{"O"}, wordPieceJoin)
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v", got)
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if !near(g.Score, w.Score) {
					t.Errorf("entity %d score %v, want %v", i, g.Score, w.Score)
				}
				g.Score, w.Score = 0, 0
				if !reflect.DeepEqual(g, w) {
					t.Errorf("entity %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestAverageAggregationAveragesScoresOverTheWord(t *testing.T) {
	toks := []NERToken{
		{Word: "du", Start: 0, End: 2, Scores: []float64{0.1, 0.5, 0.4, 0, 0}},
		{Word: "##pont", Start: 2, End: 6, IsSubword: true, Scores: []float64{0.1, 0.1, 0.8, 0, 0}},
	}
	got := Entities(toks, AggAverage, nerLabels, nil, wordPieceJoin)
	// average = [0.1, 0.3, 0.6, 0, 0] → I-PER 0.6, grouped alone.
	if len(got) != 1 || got[0].Group != "PER" || !near(got[0].Score, 0.6) || got[0].Word != "dupont" {
		t.Errorf("got %+v", got)
	}
}

func TestIgnoreLabelsDropsOnlyThoseLabels(t *testing.T) {
	got := Entities(nerTokens, AggSimple, nerLabels, []string{"O", "LOC"}, wordPieceJoin)
	if len(got) != 1 || got[0].Group != "PER" {
		t.Errorf("got %+v", got)
	}
	all := Entities(nerTokens, AggNone, nerLabels, nil, wordPieceJoin)
	if len(all) != len(nerTokens) {
		t.Errorf("no ignore: %d entities, want %d", len(all), len(nerTokens))
	}
}

func TestMergeOverlappingPrefersLongerThenHigherScoring(t *testing.T) {
	got := MergeOverlapping([]Entity{
		{Group: "PER", Start: 10, End: 15, Score: 0.9},
		{Group: "PER", Start: 0, End: 4, Score: 0.5},
		{Group: "PER", Start: 10, End: 20, Score: 0.6}, // the same entity seen whole in the next window
		{Group: "LOC", Start: 0, End: 4, Score: 0.7},   // same span, higher score
	})
	want := []Entity{{Group: "LOC", Start: 0, End: 4, Score: 0.7}, {Group: "PER", Start: 10, End: 20, Score: 0.6}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
}

func TestParseAggregation(t *testing.T) {
	if _, err := ParseAggregation("mean"); err == nil {
		t.Error("mean accepted")
	}
}
