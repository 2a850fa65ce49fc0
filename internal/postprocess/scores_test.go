package postprocess

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestApply(t *testing.T) {
	logits := []float32{1, 2, 3}
	tests := []struct {
		f    Function
		want []float64
	}{
		// numpy: softmax([1,2,3]) and 1/(1+exp(-x)).
		{FuncSoftmax, []float64{0.09003057317038046, 0.24472847105479767, 0.6652409557748219}},
		{FuncSigmoid, []float64{0.7310585786300049, 0.8807970779778823, 0.9525741268224334}},
		{FuncNone, []float64{1, 2, 3}},
	}
	for _, tc := range tests {
		got := Apply(tc.f, logits)
		for i := range got {
			if !near(got[i], tc.want[i]) {
				t.Errorf("%s: got %v, want %v", tc.f, got, tc.want)
				break
			}
		}
	}
}

func TestSoftmaxIsStableForHugeLogits(t *testing.T) {
	got := Softmax([]float32{1000, 1000})
	if !near(got[0], 0.5) || !near(got[1], 0.5) {
		t.Errorf("got %v", got)
	}
}

func TestDefaultFunctionFollowsHuggingFace(t *testing.T) {
	tests := []struct {
		problem string
		labels  int
		want    Function
	}{
		{"regression", 1, FuncNone},
		{"multi_label_classification", 5, FuncSigmoid},
		{"", 1, FuncSigmoid},
		{"single_label_classification", 2, FuncSoftmax},
		{"", 3, FuncSoftmax},
	}
	for _, tc := range tests {
		if got := DefaultFunction(tc.problem, tc.labels); got != tc.want {
			t.Errorf("%q/%d: %s, want %s", tc.problem, tc.labels, got, tc.want)
		}
	}
}

func TestTopLabelsSortsStablyAndCuts(t *testing.T) {
	got := TopLabels([]float64{0.2, 0.5, 0.2, 0.1}, []string{"a", "b", "c", "d"}, 3)
	want := []string{"b", "a", "c"}
	if len(got) != 3 {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].Label != want[i] {
			t.Fatalf("got %v, want order %v", got, want)
		}
	}
	if all := TopLabels([]float64{0.2, 0.5}, []string{"a", "b"}, 0); len(all) != 2 {
		t.Errorf("k=0 kept %d", len(all))
	}
}

func TestArgmaxTakesTheFirstOnTies(t *testing.T) {
	if got := Argmax([]float64{1, 3, 3}); got != 1 {
		t.Errorf("got %d", got)
	}
}
