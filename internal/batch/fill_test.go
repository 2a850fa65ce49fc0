package batch

import (
	"context"
	"slices"
	"testing"
	"time"
)

// fillSetup starts a two-worker batcher whose runs of length-9 sequences hold until release is
// called, puts one such run on a worker, and runs a batch of four length-4 sequences on the
// other: that worker's last batch ran four.
func fillSetup(t *testing.T, wait time.Duration) (b *Batcher, r *fakeRunner, release func()) {
	t.Helper()
	r = &fakeRunner{}
	gate, held := make(chan struct{}), make(chan struct{})
	holdLong := runnerFunc(func(ctx context.Context, batch, seqLen int, feeds [][]int64, out [][]float32) error {
		if seqLen == 9 {
			close(held)
			<-gate
		}
		return r.Run(ctx, batch, seqLen, feeds, out)
	})
	b = newBatcher(t, holdLong, Config{MaxBatchTokens: 1000, MaxBatchSize: 32, Workers: 2, MaxQueued: 100,
		Spread: true, FillWait: wait})
	blocked := make(chan error, 1)
	go func() { _, err := b.Run(context.Background(), equalItems(1, 9)); blocked <- err }()
	<-held
	if _, err := b.Run(context.Background(), equalItems(4, 4)); err != nil {
		t.Fatal(err)
	}
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		close(gate)
		if err := <-blocked; err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(release)
	return b, r, release
}

type runnerFunc func(ctx context.Context, batch, seqLen int, feeds [][]int64, out [][]float32) error

func (f runnerFunc) Run(ctx context.Context, batch, seqLen int, feeds [][]int64, out [][]float32) error {
	return f(ctx, batch, seqLen, feeds, out)
}

// sendSpaced sends n one-sequence requests of length 4, gap apart, and returns a channel that
// yields each one's error.
func sendSpaced(b *Batcher, n int, gap time.Duration) chan error {
	errc := make(chan error, n)
	for i := range n {
		if i > 0 {
			time.Sleep(gap)
		}
		go func() { _, err := b.Run(context.Background(), equalItems(1, 4)); errc <- err }()
	}
	return errc
}

func TestAFreeWorkerWaitsForAsManySequencesAsItsLastBatchRan(t *testing.T) {
	b, r, release := fillSetup(t, 5*time.Second)
	// The four come back one by one while the other batch runs: they make one batch, not four.
	errc := sendSpaced(b, 4, 20*time.Millisecond)
	for range 4 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	release()
	if got, want := r.shapes(), [][2]int{{1, 9}, {4, 4}, {4, 4}}; !slices.Equal(got, want) {
		t.Errorf("batches %v, want %v", got, want)
	}
}

func TestTheFillWaitEnds(t *testing.T) {
	const wait = 100 * time.Millisecond
	b, r, release := fillSetup(t, wait)
	start := time.Now()
	// Only two of the four come (in one request, so that a loaded machine cannot part them by
	// more than the wait): they run once the wait is over, while the other batch still runs.
	if _, err := b.Run(context.Background(), equalItems(2, 4)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < wait {
		t.Errorf("answered after %v, before the fill wait of %v ended", took, wait)
	}
	release()
	if got, want := r.shapes(), [][2]int{{1, 9}, {2, 4}, {4, 4}}; !slices.Equal(got, want) {
		t.Errorf("batches %v, want %v", got, want)
	}
}

func TestAWorkerWithNothingElseRunningDoesNotWait(t *testing.T) {
	r := newGatedRunner()
	b := newBatcher(t, r, Config{MaxBatchTokens: 1000, MaxBatchSize: 32, Workers: 2, MaxQueued: 100,
		Spread: true, FillWait: 5 * time.Second})
	// Both workers run a batch of four (idle workers share the waiting work), then one
	// sequence comes.
	runGated(t, b, []*gatedRunner{r}, 2, equalItems(8, 4))
	if got, want := r.shapes(), [][2]int{{4, 4}, {4, 4}}; !slices.Equal(got, want) {
		t.Fatalf("batches %v, want %v", got, want)
	}
	start := time.Now()
	if _, err := b.Run(context.Background(), equalItems(1, 4)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 4*time.Second { // far above a run, below the wait
		t.Errorf("a lone request took %v: it waited for a batch to fill", took)
	}
}

func TestFillWaitMustNotBeNegative(t *testing.T) {
	cfg := roomy
	cfg.FillWait = -time.Millisecond
	if err := cfg.Validate(); err == nil {
		t.Error("Validate accepted a negative fill wait")
	}
}
