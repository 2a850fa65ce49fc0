package batch

import (
	"context"
	"slices"
	"sync"
	"testing"
)

func TestPackRowsPlacesEverySequenceOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lens    []int
		maxRows int // at most this many rows
	}{
		{"one", []int{7}, 1},
		{"short sentences share rows", []int{10, 9, 8, 12, 11, 7, 6, 10}, 4},
		{"many short sentences", slices.Repeat([]int{9, 14, 6, 11}, 16), 32},
		{"a long one and short ones", []int{200, 10, 12, 9}, 2},
		{"full rows stay apart", []int{128, 128, 128}, 3},
		{"long ones that cannot share a row", []int{100, 60, 60, 60}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, seqLen := packRows(tc.lens)
			seen := make([]bool, len(tc.lens))
			longest, fullest := 0, 0
			for _, row := range rows {
				sum := 0
				for _, i := range row {
					if seen[i] {
						t.Fatalf("sequence %d placed twice: %v", i, rows)
					}
					seen[i] = true
					sum += tc.lens[i]
				}
				fullest = max(fullest, sum)
			}
			for i, ok := range seen {
				if !ok {
					t.Fatalf("sequence %d not placed: %v", i, rows)
				}
				longest = max(longest, tc.lens[i])
			}
			if seqLen != fullest {
				t.Errorf("row length %d, but the fullest row holds %d tokens", seqLen, fullest)
			}
			if seqLen > max(longest, packedRowTokens) {
				t.Errorf("row length %d exceeds max(longest %d, %d)", seqLen, longest, packedRowTokens)
			}
			if len(rows) > tc.maxRows {
				t.Errorf("%d rows %v, want at most %d", len(rows), rows, tc.maxRows)
			}
		})
	}
}

// packedRunner stands in for a packed graph: for every token it outputs its id, its position
// within its segment and the sum of its segment's ids, so a test sees whether each sequence kept
// to itself and started at position 0.
type packedRunner struct {
	mu   sync.Mutex
	runs [][2]int // rows, seqLen
	gate chan struct{}
}

func (f *packedRunner) Run(_ context.Context, rows, seqLen int, feeds [][]int64, out [][]float32) error {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	f.runs = append(f.runs, [2]int{rows, seqLen})
	f.mu.Unlock()
	ids, segs := feeds[0], feeds[1]
	for r := range rows {
		row := r * seqLen
		sums := map[int64]int64{}
		for t := range seqLen {
			sums[segs[row+t]] += ids[row+t]
		}
		start := map[int64]int{}
		for t := range seqLen {
			s := segs[row+t]
			if _, ok := start[s]; !ok {
				start[s] = t
			}
			o := out[0][3*(row+t):]
			o[0], o[1], o[2] = float32(ids[row+t]), float32(t-start[s]), float32(sums[s])
		}
	}
	return nil
}

// newPackedBatcher starts a packed batcher on a packedRunner and a first request that holds its
// one worker until r.gate is closed, so that what is queued meanwhile is packed together.
func newPackedBatcher(t *testing.T, maxTokens, maxSize int) (*Batcher, *packedRunner) {
	t.Helper()
	r := &packedRunner{gate: make(chan struct{})}
	cfg := Config{MaxBatchTokens: maxTokens, MaxBatchSize: maxSize, Workers: 1, MaxQueued: 100, Packed: true, Segments: 1}
	b, err := New(r, []Output{{PerToken: true, Width: 3}}, []int64{0, 0}, cfg, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	go b.Run(context.Background(), []Item{item(1)})
	waitFor(t, b, 0, 1)
	return b, r
}

func TestPackedBatchesGiveEachSequenceItsOwnTokens(t *testing.T) {
	b, r := newPackedBatcher(t, 1000, 64)
	var items [][]int64
	for i := range 12 {
		ids := make([]int64, 3+i%5)
		for k := range ids {
			ids[k] = int64(100*i + k + 1)
		}
		items = append(items, ids)
	}
	results := make([][]Result, len(items))
	var wg sync.WaitGroup
	for i, ids := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := b.Run(context.Background(), []Item{item(ids...)})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	waitFor(t, b, len(items), 1)
	close(r.gate)
	wg.Wait()

	for i, ids := range items {
		var sum int64
		for _, id := range ids {
			sum += id
		}
		var want []float32
		for k, id := range ids {
			want = append(want, float32(id), float32(k), float32(sum))
		}
		if got := results[i][0][0]; !equal(got, want) {
			t.Errorf("sequence %d: got %v, want %v", i, got, want)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.runs) != 2 || r.runs[1][0] >= len(items) {
		t.Errorf("runs (rows, length) = %v; want the 12 queued sequences in one run of fewer rows", r.runs)
	}
}

func TestPackingNeedsPerTokenOutputs(t *testing.T) {
	cfg := Config{MaxBatchTokens: 100, MaxBatchSize: 8, Workers: 1, MaxQueued: 10, Packed: true, Segments: 1}
	if _, err := New(&fakeRunner{}, layout, []int64{0, 0}, cfg, "test", nil); err == nil {
		t.Fatal("New packed a model with a per-sequence output")
	}
	cfg.Segments = 2
	if _, err := New(&fakeRunner{}, []Output{{PerToken: true, Width: 2}}, []int64{0, 0}, cfg, "test", nil); err == nil {
		t.Fatal("New took a segments feed the model does not have")
	}
}

func TestPackedBatchesStayWithinTheTokenBudget(t *testing.T) {
	b, r := newPackedBatcher(t, 100, 8)
	var items []Item
	for _, n := range []int{40, 35, 30, 25, 38, 27} {
		items = append(items, item(make([]int64, n)...))
	}
	done := make(chan error)
	go func() { _, err := b.Run(context.Background(), items); done <- err }()
	waitFor(t, b, len(items), 1)
	close(r.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, run := range r.runs[1:] {
		if run[0]*run[1] > 100 {
			t.Errorf("run of %d rows × %d tokens exceeds the 100-token budget (runs %v)", run[0], run[1], r.runs)
		}
	}
}
