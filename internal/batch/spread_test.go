package batch

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// gatedRunner records the shape of every run and holds each run until the gate opens, so that a
// test can see which batches were taken while they all were still running.
type gatedRunner struct {
	fakeRunner
	gate chan struct{}
}

func newGatedRunner() *gatedRunner {
	r := &gatedRunner{gate: make(chan struct{})}
	r.before = func() { <-r.gate }
	return r
}

// shapes returns the (size, length) of every run so far, sorted.
func (r *fakeRunner) shapes() [][2]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.batches)
	slices.SortFunc(out, func(a, b [2]int) int { return a[0]*1000 + a[1] - b[0]*1000 - b[1] })
	return out
}

// runGated sends one request of items to a batcher whose workers are all idle, opens the gates
// once the workers have taken the batches they will (batches of them), and waits for the answer.
func runGated(t *testing.T, b *Batcher, gates []*gatedRunner, batches int, items []Item) {
	t.Helper()
	done := make(chan error)
	go func() { _, err := b.Run(context.Background(), items); done <- err }()
	waitFor(t, b, 0, batches)
	for _, g := range gates {
		close(g.gate)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func equalItems(n, length int) []Item {
	items := make([]Item, n)
	for i := range items {
		items[i] = item(make([]int64, length)...)
	}
	return items
}

func TestIdleWorkersShareTheWaitingWork(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spread bool
		want   [][2]int // (size, length) of each batch, sorted
	}{
		{"spread: each worker takes half", true, [][2]int{{4, 4}, {4, 4}}},
		{"not spread: the first worker takes all", false, [][2]int{{8, 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newGatedRunner()
			b := newBatcher(t, r, Config{MaxBatchTokens: 1000, MaxBatchSize: 32, Workers: 2, MaxQueued: 100, Spread: tc.spread})
			runGated(t, b, []*gatedRunner{r}, len(tc.want), equalItems(8, 4))
			if got := r.shapes(); !slices.Equal(got, tc.want) {
				t.Errorf("batches %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPackedWorkIsSharedByTokens(t *testing.T) {
	r := &packedRunner{gate: make(chan struct{})}
	cfg := Config{MaxBatchTokens: 1000, MaxBatchSize: 64, Workers: 2, MaxQueued: 100, Packed: true, Segments: 1, Spread: true}
	b, err := New(r, []Output{{PerToken: true, Width: 3}}, []int64{0, 0}, cfg, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	var items []Item
	for _, n := range []int{12, 10, 10, 8, 10, 10} { // 60 tokens: the first worker takes 12+10+8
		items = append(items, item(make([]int64, n)...))
	}
	done := make(chan error)
	go func() { _, err := b.Run(context.Background(), items); done <- err }()
	waitFor(t, b, 0, 2)
	close(r.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.runs) != 2 {
		t.Fatalf("runs (rows, length) = %v; want two, one per worker", r.runs)
	}
	for _, run := range r.runs {
		if run[0]*run[1] != 30 {
			t.Errorf("runs (rows, length) = %v; want 30 tokens each", r.runs)
		}
	}
}

func TestBusyWorkersTakeWhatIsWaiting(t *testing.T) {
	// Both workers busy: the first to finish finds no idle worker and takes all that waits.
	// Each run holds until its own gate opens, so that one worker finishes while the other runs.
	gates := []chan struct{}{make(chan struct{}), make(chan struct{}), make(chan struct{})}
	var runs atomic.Int32
	r := &fakeRunner{}
	r.before = func() { <-gates[runs.Add(1)-1] }
	b := newBatcher(t, r, Config{MaxBatchTokens: 1000, MaxBatchSize: 32, Workers: 2, MaxQueued: 100, Spread: true})
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); b.Run(context.Background(), []Item{item(1, 2)}) }()
		waitFor(t, b, 0, i+1)
	}
	done := make(chan error)
	go func() { _, err := b.Run(context.Background(), equalItems(6, 4)); done <- err }()
	waitFor(t, b, 6, 2)
	close(gates[0])
	waitFor(t, b, 0, 2) // the six were taken while the second single still ran
	close(gates[1])
	close(gates[2])
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, want := r.shapes(), [][2]int{{1, 2}, {1, 2}, {6, 4}}; !slices.Equal(got, want) {
		t.Errorf("batches %v, want %v", got, want)
	}
}

func TestOnlyABatchWithTheModelToItselfRunsAlone(t *testing.T) {
	for _, tc := range []struct {
		name      string
		items     []Item
		wantAlone int // batches run by Config.Alone
		wantBusy  int // batches run by the main runner
	}{
		{"one sequence on an idle model", equalItems(1, 5), 1, 0},
		{"work shared between two workers", equalItems(4, 5), 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			busy, alone := newGatedRunner(), newGatedRunner()
			b := newBatcher(t, busy, Config{MaxBatchTokens: 1000, MaxBatchSize: 32, Workers: 2, MaxQueued: 100, Spread: true, Alone: alone})
			runGated(t, b, []*gatedRunner{busy, alone}, tc.wantAlone+tc.wantBusy, tc.items)
			if got := len(alone.shapes()); got != tc.wantAlone {
				t.Errorf("%d batches ran alone, want %d", got, tc.wantAlone)
			}
			if got := len(busy.shapes()); got != tc.wantBusy {
				t.Errorf("%d batches ran on the busy runner, want %d", got, tc.wantBusy)
			}
		})
	}
}

func TestABatchTakenWhileAnotherRunsIsNotAlone(t *testing.T) {
	busy, alone := newGatedRunner(), newGatedRunner()
	b := newBatcher(t, busy, Config{MaxBatchTokens: 1000, MaxBatchSize: 32, Workers: 2, MaxQueued: 100, Spread: true, Alone: alone})
	first := make(chan error)
	go func() { _, err := b.Run(context.Background(), equalItems(1, 3)); first <- err }()
	waitFor(t, b, 0, 1) // the first runs alone and holds its worker
	second := make(chan error)
	go func() { _, err := b.Run(context.Background(), equalItems(1, 7)); second <- err }()
	waitFor(t, b, 0, 2)
	close(alone.gate)
	close(busy.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if got, want := alone.shapes(), [][2]int{{1, 3}}; !slices.Equal(got, want) {
		t.Errorf("alone ran %v, want %v", got, want)
	}
	if got, want := busy.shapes(), [][2]int{{1, 7}}; !slices.Equal(got, want) {
		t.Errorf("busy runner ran %v, want %v", got, want)
	}
}

func TestALoneClientsNextRequestRunsAlone(t *testing.T) {
	busy, alone := &fakeRunner{}, &fakeRunner{}
	b := newBatcher(t, busy, Config{MaxBatchTokens: 1000, MaxBatchSize: 32, Workers: 2, MaxQueued: 100, Spread: true, Alone: alone})
	// Each request is sent the moment the previous answer arrives, as one client in a loop does:
	// the batch that answered must already have stopped counting as running.
	const requests = 300
	for range requests {
		if _, err := b.Run(context.Background(), equalItems(1, 4)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(busy.batches); n > 0 {
		t.Errorf("%d of %d lone requests ran on the busy runner", n, requests)
	}
}
