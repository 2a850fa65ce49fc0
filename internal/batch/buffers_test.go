package batch

import (
	"context"
	"testing"
)

func TestGrowReusesCapacity(t *testing.T) {
	s := grow([]int64(nil), 8)
	if len(s) != 8 {
		t.Fatalf("len %d, want 8", len(s))
	}
	s[0] = 42
	smaller := grow(s, 3)
	if len(smaller) != 3 || &smaller[0] != &s[0] {
		t.Fatal("shrinking reallocated")
	}
	if bigger := grow(s, 9); len(bigger) != 9 || &bigger[0] == &s[0] {
		t.Fatal("growing past capacity did not reallocate")
	}
}

// Workers reuse their buffers across batches: a result handed out earlier must not change when
// later batches, of other shapes, run through the same buffers.
func TestResultsSurviveLaterBatches(t *testing.T) {
	b := newBatcher(t, &fakeRunner{}, roomy)
	first, err := b.Run(context.Background(), []Item{item(1, 2, 3, 4), item(5)})
	if err != nil {
		t.Fatal(err)
	}
	for _, items := range [][]Item{{item(9, 9, 9, 9, 9, 9)}, {item(7), item(8, 8)}, {item(6, 6, 6, 6)}} {
		if _, err := b.Run(context.Background(), items); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := first[0][0], []float32{1, 1, 2, 1, 3, 1, 4, 1}; !equal(got, want) {
		t.Errorf("first item tokens = %v, want %v", got, want)
	}
	if got, want := first[1][0], []float32{5, 1}; !equal(got, want) {
		t.Errorf("second item tokens = %v, want %v", got, want)
	}
	if first[0][1][0] != 10 || first[1][1][0] != 5 {
		t.Errorf("sums = %v %v, want 10 and 5", first[0][1], first[1][1])
	}
}

// Padding written into a reused feed buffer must replace what a longer earlier batch left there.
func TestReusedFeedsArePaddedAfresh(t *testing.T) {
	r := &fakeRunner{}
	b := newBatcher(t, r, roomy)
	threes, twos, ones := make([]int64, 10), make([]int64, 10), make([]int64, 9)
	for i := range threes {
		threes[i], twos[i] = 3, 2
	}
	for i := range ones {
		ones[i] = 1
	}
	if _, err := b.Run(context.Background(), []Item{item(threes...), item(threes...)}); err != nil {
		t.Fatal(err)
	}
	res, err := b.Run(context.Background(), []Item{item(twos...), item(ones...)})
	if err != nil {
		t.Fatal(err)
	}
	// The row of nine 1s is padded with one -1: its sum is 8, not 9+3 from the earlier batch's
	// leftovers.
	if len(r.batches) != 2 || r.batches[1] != [2]int{2, 10} {
		t.Fatalf("batches %v, want the two items run together, 2×10", r.batches)
	}
	if res[0][1][0] != 20 || res[1][1][0] != 8 {
		t.Errorf("sums = %v %v, want 20 and 8", res[0][1], res[1][1])
	}
}
