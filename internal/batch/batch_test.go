package batch

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bertserve/bertserve/internal/errs"
)

// fakeRunner is a Runner of function fields. By default its per-token output (width 2) holds
// (id, mask) of every position, and its per-sequence output (width 1) the row's sum of ids, so tests
// can see exactly what each row received.
type fakeRunner struct {
	mu      sync.Mutex
	batches [][2]int // size, seqLen of every run
	before  func()
}

func (f *fakeRunner) Run(_ context.Context, batch, seqLen int, feeds [][]int64, out [][]float32) error {
	if f.before != nil {
		f.before()
	}
	f.mu.Lock()
	f.batches = append(f.batches, [2]int{batch, seqLen})
	f.mu.Unlock()
	ids, mask := feeds[0], feeds[1]
	for r := range batch {
		var sum float32
		for t := range seqLen {
			i := r*seqLen + t
			out[0][2*i], out[0][2*i+1] = float32(ids[i]), float32(mask[i])
			sum += float32(ids[i])
		}
		out[1][r] = sum
	}
	return nil
}

var layout = []Output{{PerToken: true, Width: 2}, {Width: 1}}

func item(ids ...int64) Item {
	mask := make([]int64, len(ids))
	for i := range mask {
		mask[i] = 1
	}
	return Item{Feeds: [][]int64{ids, mask}}
}

func newBatcher(t *testing.T, r Runner, cfg Config) *Batcher {
	t.Helper()
	b, err := New(r, layout, []int64{-1, 0}, cfg, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// waitFor blocks until the batcher holds queued sequences in its queue and running batches taken
// by its workers. Tests wait for that state rather than sleep a guessed time, which a loaded
// machine can outlast: a worker that has not yet taken its batch when a gate opens takes another.
func waitFor(t *testing.T, b *Batcher, queued, running int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.mu.Lock()
		q, r := len(b.queue), b.running
		b.mu.Unlock()
		if q == queued && r == running {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the batcher has %d sequences queued and %d batches running; want %d and %d", q, r, queued, running)
		}
		time.Sleep(time.Millisecond)
	}
}

var roomy = Config{MaxBatchTokens: 1000, MaxBatchSize: 32, Workers: 1, MaxQueued: 100}

func TestRunReturnsEachItemsRowsWithoutPadding(t *testing.T) {
	b := newBatcher(t, &fakeRunner{}, roomy)
	res, err := b.Run(context.Background(), []Item{item(5, 6, 7, 8, 9, 1), item(9, 2, 2, 1, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res[0][0], []float32{5, 1, 6, 1, 7, 1, 8, 1, 9, 1, 1, 1}; !equal(got, want) {
		t.Errorf("item 0 tokens = %v, want %v", got, want)
	}
	if got, want := res[1][0], []float32{9, 1, 2, 1, 2, 1, 1, 1, 1, 1}; !equal(got, want) {
		t.Errorf("item 1 tokens = %v, want %v (padding must be cut)", got, want)
	}
	// The short row was padded with the pad id -1 once: its sum shows it.
	if res[0][1][0] != 36 || res[1][1][0] != 14 {
		t.Errorf("sums = %v %v, want 36 and 15-1=14", res[0][1], res[1][1])
	}
}

// queuedTogether holds the only worker on a one-item batch while items queue up behind it, then
// lets it go and returns the shapes (size, seqLen) of the batches the items ran in.
func queuedTogether(t *testing.T, cfg Config, items []Item) [][2]int {
	t.Helper()
	r := &fakeRunner{}
	block := make(chan struct{})
	var once sync.Once
	r.before = func() { once.Do(func() { <-block }) }
	b := newBatcher(t, r, cfg)
	go b.Run(context.Background(), []Item{item(1)})
	waitFor(t, b, 0, 1)
	done := make(chan error)
	go func() { _, err := b.Run(context.Background(), items); done <- err }()
	waitFor(t, b, len(items), 1)
	close(block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.batches[1:]
}

func TestBatchesStayWithinTheTokenBudget(t *testing.T) {
	items := []Item{item(make([]int64, 30)...)}
	for range 12 {
		items = append(items, item(1, 2, 3))
	}
	items = append(items, item(make([]int64, 30)...))
	batches := queuedTogether(t, Config{MaxBatchTokens: 40, MaxBatchSize: 8, Workers: 1, MaxQueued: 100}, items)
	for _, bt := range batches {
		if bt[0] > 1 && bt[0]*bt[1] > 40 {
			t.Errorf("batch %d×%d exceeds the 40-token budget", bt[0], bt[1])
		}
		if bt[0] > 8 {
			t.Errorf("batch of %d exceeds max size 8", bt[0])
		}
	}
	// The two long items cannot share one batch (30×2 > 40), so they run alone; the shorts fill
	// batches of 8 and 4 without being padded to 30.
	if got := len(batches); got != 4 {
		t.Errorf("ran %d batches %v after the first, want 4", got, batches)
	}
}

func TestShortSequencesDoNotJoinALongBatch(t *testing.T) {
	items := []Item{item(make([]int64, 100)...), item(make([]int64, 90)...)}
	for range 6 {
		items = append(items, item(1, 2, 3, 4))
	}
	batches := queuedTogether(t, Config{MaxBatchTokens: 1000, MaxBatchSize: 32, Workers: 1, MaxQueued: 100}, items)
	// The budget would let all eight share one 8×100 batch; the padding bound keeps the two long
	// ones together and the six short ones in a batch of their own length.
	if want := [][2]int{{2, 100}, {6, 4}}; len(batches) != 2 || batches[0] != want[0] || batches[1] != want[1] {
		t.Errorf("batches %v, want %v", batches, want)
	}
}

func TestPaddingStaysUnderATenth(t *testing.T) {
	var items []Item
	for range 6 {
		items = append(items, item(make([]int64, 10)...))
	}
	items = append(items, item(make([]int64, 12)...))
	batches := queuedTogether(t, roomy, items)
	// Padding the six 10-token items to 12 would add 12 tokens to 72; the 12-token one runs alone.
	if want := [][2]int{{6, 10}, {1, 12}}; len(batches) != 2 || batches[0] != want[0] || batches[1] != want[1] {
		t.Errorf("batches %v, want %v", batches, want)
	}
}

func TestPassedDeadlineIsATimeout(t *testing.T) {
	block := make(chan struct{})
	b := newBatcher(t, &fakeRunner{before: func() { <-block }}, roomy)
	defer close(block)
	go b.Run(context.Background(), []Item{item(1)}) // occupies the only worker
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Run(ctx, []Item{item(2)}); errs.CodeOf(err) != errs.Timeout {
		t.Fatalf("err = %v, want a timeout", err)
	}
}

func TestFullQueueFailsAtOnce(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	b := newBatcher(t, &fakeRunner{before: func() { <-block }}, Config{MaxBatchTokens: 100, MaxBatchSize: 1, Workers: 1, MaxQueued: 2})
	go b.Run(context.Background(), []Item{item(1)}) // taken by the worker, which blocks
	waitFor(t, b, 0, 1)
	go b.Run(context.Background(), []Item{item(1), item(2)}) // fills the queue
	waitFor(t, b, 2, 1)
	_, err := b.Run(context.Background(), []Item{item(3)})
	if errs.CodeOf(err) != errs.Overloaded {
		t.Fatalf("err = %v, want overloaded", err)
	}
}

func TestCancelledItemsNeverReachTheModel(t *testing.T) {
	block := make(chan struct{})
	r := &fakeRunner{}
	r.before = func() { <-block }
	b := newBatcher(t, r, Config{MaxBatchTokens: 100, MaxBatchSize: 1, Workers: 1, MaxQueued: 10})
	go b.Run(context.Background(), []Item{item(1)})
	waitFor(t, b, 0, 1)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := b.Run(ctx, []Item{item(7), item(8)}); done <- err }()
	waitFor(t, b, 2, 1)
	cancel()
	if err := <-done; errs.CodeOf(err) != errs.Canceled {
		t.Fatalf("err = %v", err)
	}
	close(block)
	if _, err := b.Run(context.Background(), []Item{item(2)}); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.batches) != 2 {
		t.Fatalf("ran %d batches, want 2 (the cancelled items dropped)", len(r.batches))
	}
}

func TestRunnerErrorsReachEveryItem(t *testing.T) {
	r := &failingRunner{}
	b, err := New(r, layout, []int64{0, 0}, roomy, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Run(context.Background(), []Item{item(1), item(2)}); err == nil || errs.CodeOf(err) != errs.Internal {
		t.Fatalf("err = %v", err)
	}
}

type failingRunner struct{}

func (failingRunner) Run(context.Context, int, int, [][]int64, [][]float32) error {
	return errors.New("boom")
}

func TestConcurrentRequestsEachGetTheirOwnRows(t *testing.T) {
	b := newBatcher(t, &fakeRunner{}, Config{MaxBatchTokens: 64, MaxBatchSize: 8, Workers: 2, MaxQueued: 1000})
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 20 {
				n := 1 + (g+k)%7
				ids := make([]int64, n)
				for i := range ids {
					ids[i] = int64(g*100 + k)
				}
				res, err := b.Run(context.Background(), []Item{item(ids...)})
				if err != nil {
					t.Error(err)
					return
				}
				want := make([]float32, 0, 2*n)
				for range n {
					want = append(want, float32(g*100+k), 1)
				}
				if !equal(res[0][0], want) {
					t.Errorf("request %d/%d got another's rows: %v", g, k, res[0])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestClosedBatcherRefusesWork(t *testing.T) {
	b, err := New(&fakeRunner{}, layout, []int64{0, 0}, roomy, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := b.Run(context.Background(), []Item{item(1)}); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []Config{
		{MaxBatchTokens: 0, MaxBatchSize: 1, Workers: 1, MaxQueued: 1},
		{MaxBatchTokens: 1, MaxBatchSize: 0, Workers: 1, MaxQueued: 1},
		{MaxBatchTokens: 1, MaxBatchSize: 1, Workers: 0, MaxQueued: 1},
		{MaxBatchTokens: 1, MaxBatchSize: 1, Workers: 1, MaxQueued: 0},
	} {
		if _, err := New(&fakeRunner{}, layout, nil, c, "m", nil); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestABatchsCallersRunBeforeTheWorkersNextBatch(t *testing.T) {
	// One P: the callers a batch answers can only run when the worker lets them. The scheduler
	// now and then runs a yielded goroutine first for fairness, so this counts over rounds.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const rounds = 40
	ahead := 0
	for range rounds {
		if callerRanFirst(t) {
			ahead++
		}
	}
	if ahead < rounds*3/4 {
		t.Errorf("the worker let the caller it had answered run before its next batch in %d of %d rounds", ahead, rounds)
	}
}

// callerRanFirst answers one request while a second waits, and says whether the first request's
// caller ran before the worker started the second request's batch.
func callerRanFirst(t *testing.T) bool {
	release := make(chan struct{})
	var runs atomic.Int32
	var answered, answeredFirst atomic.Bool
	r := &fakeRunner{before: func() {
		switch runs.Add(1) {
		case 1:
			<-release
		case 2:
			answeredFirst.Store(answered.Load())
		}
	}}
	b := newBatcher(t, r, Config{MaxBatchTokens: 64, MaxBatchSize: 1, Workers: 1, MaxQueued: 8})
	errc := make(chan error, 2)
	go func() {
		_, err := b.Run(context.Background(), []Item{item(1)})
		answered.Store(true)
		errc <- err
	}()
	waitFor(t, b, 0, 1)
	go func() {
		_, err := b.Run(context.Background(), []Item{item(2)})
		errc <- err
	}()
	waitFor(t, b, 1, 1)
	close(release)
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	return answeredFirst.Load()
}
