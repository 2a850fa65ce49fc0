package postprocess

import (
	"math"
	"testing"
)

func TestPool(t *testing.T) {
	// Three tokens of two dimensions.
	states := []float32{1, -2, 3, 4, 5, 0}
	tests := []struct {
		pool Pooling
		want []float32
	}{
		{PoolMean, []float32{3, 2.0 / 3}},
		{PoolCLS, []float32{1, -2}},
		{PoolLast, []float32{5, 0}},
		{PoolMax, []float32{5, 4}},
		{PoolMeanSqrtLen, []float32{float32(9 / math.Sqrt(3)), float32(2 / math.Sqrt(3))}},
	}
	for _, tc := range tests {
		t.Run(string(tc.pool), func(t *testing.T) {
			got := Pool(tc.pool, states, 3, 2)
			for i := range got {
				if math.Abs(float64(got[i]-tc.want[i])) > 1e-6 {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestPoolOfNoTokensIsZero(t *testing.T) {
	for _, p := range []Pooling{PoolMean, PoolCLS, PoolMax, PoolLast} {
		if got := Pool(p, nil, 0, 3); len(got) != 3 || got[0] != 0 {
			t.Errorf("%s: %v", p, got)
		}
	}
}

func TestParsePoolingRejectsUnknownNames(t *testing.T) {
	if _, err := ParsePooling("weightedmean"); err == nil {
		t.Fatal("no error")
	}
	if p, err := ParsePooling("cls"); err != nil || p != PoolCLS {
		t.Fatal(p, err)
	}
}

func TestNormalize(t *testing.T) {
	v := []float32{3, 4}
	Normalize(v)
	if v[0] != 0.6 || v[1] != 0.8 {
		t.Errorf("got %v", v)
	}
	zero := []float32{0, 0}
	Normalize(zero)
	if zero[0] != 0 || zero[1] != 0 {
		t.Errorf("zero vector became %v", zero)
	}
}
