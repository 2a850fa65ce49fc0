package main

import "testing"

// The expected values are what scripts/gen_pipeline_goldens.py (SQuAD's own normalisation)
// answers, so that both sides of the figures test score alike.
func TestNormalizeAnswerAsSQuAD(t *testing.T) {
	tests := []struct{ in, want string }{
		{"The Eiffel Tower", "eiffel tower"},
		{"a  b", "b"},
		{"An apple, the pear.", "apple pear"},
		{"théa the", "théa"},
		{"Denver Broncos!", "denver broncos"},
		{"the’s", "’s"},
		{"éa a", "éa"},
		{"  ", ""},
		{"Anne (an) THE_end", "anne theend"},
		{"1,000 $ per-year", "1000 peryear"},
		{"a_the an_ a", "athe"},
		{"Ünïcode — the Café", "ünïcode — café"},
	}
	for _, tc := range tests {
		if got := normalizeAnswer(tc.in); got != tc.want {
			t.Errorf("normalizeAnswer(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSQuADScoreTakesTheBestGoldAnswer(t *testing.T) {
	tests := []struct {
		pred    string
		answers []string
		em, f1  float64
	}{
		{"the Broncos", []string{"Denver Broncos"}, 0, 2.0 / 3},
		{"Denver Broncos", []string{"Denver Broncos", "Broncos"}, 1, 1},
		{"", []string{"x"}, 0, 0},
		{"Santa Clara, California", []string{"Levi's Stadium", "Santa Clara"}, 0, 0.8},
	}
	for _, tc := range tests {
		em, f1 := squadScore(tc.pred, tc.answers)
		if em != tc.em || f1-tc.f1 > 1e-12 || tc.f1-f1 > 1e-12 {
			t.Errorf("squadScore(%q, %q) = %v, %v, want %v, %v", tc.pred, tc.answers, em, f1, tc.em, tc.f1)
		}
	}
}

func TestSpansFromTagsChunksIOB2(t *testing.T) {
	got := spansFromTags([]string{"B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG", "I-ORG", "O"})
	want := map[span]bool{{"PER", 0, 1}: true, {"LOC", 3, 3}: true, {"LOC", 4, 4}: true, {"ORG", 5, 6}: true}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for s := range want {
		if !got[s] {
			t.Errorf("missing %v in %v", s, got)
		}
	}
	if iob := iob1ToIOB2([]string{"I-PER", "I-PER", "O", "I-LOC", "I-ORG", "B-ORG"}); iob[0] != "B-PER" || iob[1] != "I-PER" || iob[3] != "B-LOC" || iob[4] != "B-ORG" || iob[5] != "B-ORG" {
		t.Errorf("iob1ToIOB2 = %v", iob)
	}
}
