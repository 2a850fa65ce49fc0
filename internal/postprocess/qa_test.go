package postprocess

import (
	"math"
	"testing"
)

func TestSelectSpansRanksProductsWithinTheAllowedTokens(t *testing.T) {
	// [CLS] q [SEP] c1 c2 c3 [SEP]: only c1..c3 (and CLS) may answer.
	start := []float32{5, 9, 0, 2, 1, 0, 9}
	end := []float32{5, 9, 0, 0, 1, 3, 9}
	allowed := []bool{true, false, false, true, true, true, false}
	spans, null := SelectSpans(start, end, allowed, 2, 15, true, InitialNullScore)
	if len(spans) != 2 || spans[0].Start != 3 || spans[0].End != 5 {
		t.Fatalf("spans %+v, want (3,5) first", spans)
	}
	// softmax over CLS, c1..c3 (others at -10000): P(start=CLS)·P(end=CLS).
	ps := Softmax([]float32{5, -10000, -10000, 2, 1, 0, -10000})
	pe := Softmax([]float32{5, -10000, -10000, 0, 1, 3, -10000})
	if math.Abs(null-ps[0]*pe[0]) > 1e-12 {
		t.Errorf("null score %v, want %v", null, ps[0]*pe[0])
	}
	if math.Abs(spans[0].Score-ps[3]*pe[5]) > 1e-12 {
		t.Errorf("score %v, want %v", spans[0].Score, ps[3]*pe[5])
	}
}

func TestSelectSpansRespectsMaxAnswerLen(t *testing.T) {
	start := []float32{0, 5, 0, 0, 0}
	end := []float32{0, 0, 0, 0, 5}
	allowed := []bool{true, true, true, true, true}
	spans, _ := SelectSpans(start, end, allowed, 1, 2, false, InitialNullScore)
	if spans[0].End-spans[0].Start >= 2 {
		t.Errorf("span %+v is longer than 2 tokens", spans[0])
	}
}

func TestAnswersMergeCaseInsensitivelyAndSort(t *testing.T) {
	var a []Answer
	a = AddAnswer(a, Answer{Answer: "Paris", Score: 0.3, Start: 5, End: 10})
	a = AddAnswer(a, Answer{Answer: "London", Score: 0.4})
	a = AddAnswer(a, Answer{Answer: "paris", Score: 0.2, Start: 50, End: 55})
	best := BestAnswers(a, 5, true, 0.1)
	if len(best) != 3 || best[0].Answer != "Paris" || math.Abs(best[0].Score-0.5) > 1e-12 || best[0].Start != 5 {
		t.Fatalf("got %+v", best)
	}
	if best[2].Answer != "" || best[2].Score != 0.1 {
		t.Errorf("no-answer entry %+v", best[2])
	}
	if got := BestAnswers(a, 1, false, 0); len(got) != 1 {
		t.Errorf("top 1: %+v", got)
	}
}
