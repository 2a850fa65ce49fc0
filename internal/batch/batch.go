package batch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/metrics"
)

// Runner runs one padded batch: feeds[i] holds batch×seqLen values of model input i, and output j is
// written into outputs[j], sized from the Outputs given to New. *ort.Session satisfies it.
type Runner interface {
	Run(ctx context.Context, batch, seqLen int, feeds [][]int64, outputs [][]float32) error
}

// Output describes one model output's shape after the batch axis.
type Output struct {
	PerToken bool // the output has a sequence axis: [batch, seq, Width]
	Width    int  // values per token (PerToken) or per sequence; 1 for [batch, seq]
}

// Config bounds batches and the queue.
type Config struct {
	MaxBatchTokens int // padded tokens (longest × size) per batch; a longer lone sequence still runs
	MaxBatchSize   int // sequences per batch
	Workers        int // batches running at once
	MaxQueued      int // sequences waiting; beyond it Run fails with errs.Overloaded

	// Packed says the runner's graph takes several sequences per row (see onnxgraph.Pack): a
	// batch's sequences are then laid end to end in a few rows instead of each padded to the
	// longest, and the feed at index Segments carries, for each token, the number (from 1) of its
	// sequence within the row. Every output must be PerToken.
	Packed   bool
	Segments int

	// Spread shares the waiting sequences out between the idle workers instead of giving them all
	// to the first worker that wakes: each takes about its share of the waiting tokens. That is
	// right when every run gets only its share of the cores (one thread each on two cores), where
	// two half batches side by side finish well before one whole batch; it is wrong on a GPU, where
	// a bigger batch costs hardly more than a small one.
	Spread bool
	// FillWait holds back a worker that comes free while another batch runs, for at most this
	// long, until as many sequences (or tokens) are waiting as its last batch ran. With clients
	// that send their next request when an answer arrives, those sequences are on their way
	// back, and a worker that took the first arrival alone would split one batch into a tiny one
	// and a smaller one: on a CPU every run has a fixed cost (it reads all the weights: on one
	// core all-MiniLM-L6-v2 spends about 2 ms on any batch, and 2.4 ms more per short sentence),
	// and with 16 such clients on two workers a quarter of the batches held one sentence. A batch
	// that would have the model to itself never waits. 0: never wait.
	FillWait time.Duration
	// Alone, when set, runs the batches that have the model to themselves: nothing else running
	// and nothing left waiting when the batch is taken, as for a lone request on an idle server.
	// It is a session with more threads per run than the one given to New, so a lone request gets
	// every core, while batches that run side by side use one thread each and do not fight over
	// the cores. Nil: the Runner given to New runs every batch.
	Alone Runner
}

// Validate checks the configuration; New calls it.
func (c Config) Validate() error {
	switch {
	case c.MaxBatchTokens < 1:
		return fmt.Errorf("max batch tokens %d: must be at least 1", c.MaxBatchTokens)
	case c.MaxBatchSize < 1:
		return fmt.Errorf("max batch size %d: must be at least 1", c.MaxBatchSize)
	case c.Workers < 1:
		return fmt.Errorf("workers %d: must be at least 1", c.Workers)
	case c.MaxQueued < 1:
		return fmt.Errorf("max queued %d: must be at least 1", c.MaxQueued)
	case c.FillWait < 0:
		return fmt.Errorf("fill wait %v: must not be negative", c.FillWait)
	case c.Packed && c.Segments < 0:
		return fmt.Errorf("segments feed %d: must be an input index", c.Segments)
	}
	return nil
}

// Item is one unpadded sequence: Feeds[i] is its values for model input i, all of one length.
type Item struct {
	Feeds [][]int64
}

// Len is the item's sequence length.
func (it Item) Len() int { return len(it.Feeds[0]) }

// Result holds one item's rows, one per output: Len×Width values for a PerToken output (padding
// removed), Width values otherwise.
type Result [][]float32

// ErrClosed is returned by Run after Close.
var ErrClosed = errs.New(errs.Unavailable, "the server is shutting down")

// Batcher queues items for one model. It is safe for concurrent use.
type Batcher struct {
	runner  Runner
	outputs []Output
	pads    []int64
	cfg     Config
	model   string
	metrics *metrics.Metrics

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*pending
	running int // batches taken and not yet finished
	closed  bool
	wg      sync.WaitGroup
}

type pending struct {
	item   Item
	req    *request
	index  int
	queued time.Time
}

// request collects the results of one Run call.
type request struct {
	ctx     context.Context
	results []Result
	mu      sync.Mutex
	left    int
	err     error
	done    chan struct{}
}

func (r *request) finish(index int, res Result, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && r.err == nil {
		r.err = err
	}
	if err == nil {
		r.results[index] = res
	}
	r.left--
	if r.left == 0 {
		close(r.done)
	}
}

// New starts cfg.Workers workers feeding runner. pads[i] is the padding value of model input i
// (the tokenizer's pad id for input ids, 0 for masks and type ids). model labels metrics.
func New(runner Runner, outputs []Output, pads []int64, cfg Config, model string, m *metrics.Metrics) (*Batcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Packed {
		if cfg.Segments >= len(pads) {
			return nil, fmt.Errorf("segments feed %d: the model takes %d inputs", cfg.Segments, len(pads))
		}
		for _, o := range outputs {
			if !o.PerToken {
				return nil, errors.New("packed batches need per-token outputs only")
			}
		}
	}
	b := &Batcher{runner: runner, outputs: outputs, pads: pads, cfg: cfg, model: model, metrics: m}
	b.cond = sync.NewCond(&b.mu)
	for range cfg.Workers {
		b.wg.Add(1)
		go b.work()
	}
	return b, nil
}

// Run queues items and waits for their results, in order. It fails at once with errs.Overloaded
// when the queue cannot take them all, and with ctx's error if ctx ends first (items not yet run
// are then dropped).
func (b *Batcher) Run(ctx context.Context, items []Item) ([]Result, error) {
	if len(items) == 0 {
		return nil, nil
	}
	for i, it := range items {
		if len(it.Feeds) != len(b.pads) {
			return nil, fmt.Errorf("batch: item %d has %d feeds, model takes %d", i, len(it.Feeds), len(b.pads))
		}
	}
	req := &request{ctx: ctx, results: make([]Result, len(items)), left: len(items), done: make(chan struct{})}
	now := time.Now()

	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	if len(b.queue)+len(items) > b.cfg.MaxQueued {
		b.mu.Unlock()
		return nil, errs.New(errs.Overloaded, "the model %s has %d sequences queued; retry later", b.model, b.cfg.MaxQueued)
	}
	for i, it := range items {
		b.queue = append(b.queue, &pending{item: it, req: req, index: i, queued: now})
	}
	b.metrics.SetQueueDepth(b.model, len(b.queue))
	b.mu.Unlock()
	b.cond.Broadcast()

	select {
	case <-req.done:
		if req.err != nil {
			return nil, contextError(req.err)
		}
		return req.results, nil
	case <-ctx.Done():
		// Workers drop the rest of this request's items when they reach them.
		return nil, contextError(ctx.Err())
	}
}

// contextError turns a passed deadline into errs.Timeout, which clients see as 504, and a client
// that went away into errs.Canceled, which is not a server failure.
func contextError(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return errs.New(errs.Timeout, "the request's deadline passed before its inputs ran; retry, or send fewer inputs")
	case errors.Is(err, context.Canceled):
		return errs.New(errs.Canceled, "the client closed the request")
	}
	return err
}

// Close stops accepting work, lets the workers finish what is queued, and waits for them.
func (b *Batcher) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.cond.Broadcast()
	b.wg.Wait()
}

func (b *Batcher) work() {
	defer b.wg.Done()
	bufs := newBuffers(len(b.pads), len(b.outputs))
	var last fill
	for {
		batch := b.next(last)
		if batch == nil {
			return
		}
		last = fill{sequences: len(batch.items)}
		for _, it := range batch.items {
			last.tokens += it.item.Len()
		}
		b.execute(batch, bufs)
		// The results just handed out made their callers runnable on this goroutine's P (the Go
		// scheduler's processor), and the next session.Run is a cgo call, which keeps that P until
		// the runtime's monitor thread takes it back. Yielding first lets the callers pool,
		// answer and send their next sequences now instead of a millisecond later, so the batches
		// that follow are fuller. On two cores, int8, 16 clients: 1.04× the throughput in process
		// and 1.06× over HTTP (docs/benchmarks.md, "Yielding after a batch").
		runtime.Gosched()
	}
}

// similar says whether sequences of lengths shortest and longest may share a batch: padding the
// shorter to at most twice its length, or by at most a few tokens. A sequence that is not similar
// to the batch (a short one next to a long anchor) waits for a batch of its own length instead,
// which costs less than running its padding through the model.
func similar(shortest, longest int) bool {
	const factor, slack = 2, 16
	return longest <= max(factor*shortest, shortest+slack)
}

// lowPadding says whether a batch of real tokens padded to padded tokens wastes little enough:
// at most a tenth of the real tokens. Padding costs as much as real tokens, while a batch a few
// sequences smaller costs little more per token, so a tight bound pays: with 16 clients sending
// short sentences on two cores it gave about a tenth more throughput than a bound of a quarter
// (docs/benchmarks.md).
func lowPadding(padded, real int) bool {
	return 10*padded <= 11*real
}

// selectWindow bounds how many waiting sequences a worker considers for one batch, so that forming
// a batch stays cheap however long the queue is.
const selectWindow = 1024

// plan is a batch laid out for the runner: rows × seqLen tokens, each sequence at its place.
type plan struct {
	items  []placed
	rows   int
	seqLen int
	alone  bool // nothing else ran or waited when it was taken
}

// placed is a sequence's place in a batch: its row, the token it starts at, and (packed
// batches) its segment number within the row.
type placed struct {
	*pending
	row, offset, segment int
}

// fill is what a worker's last batch ran, which it waits for before it takes a smaller batch
// (Config.FillWait).
type fill struct{ sequences, tokens int }

// next blocks until it can take a batch off the queue; nil means closed and drained. last is
// what the worker's previous batch ran.
func (b *Batcher) next(last fill) *plan {
	b.mu.Lock()
	defer b.mu.Unlock()
	// The fill wait ends at deadline; its timer wakes the worker then, taking the lock so that the
	// wake-up cannot fall between the check of the time and Wait.
	var deadline time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		b.dropCancelled()
		if len(b.queue) > 0 {
			if !b.filling(last) {
				break
			}
			now := time.Now()
			if timer == nil {
				deadline = now.Add(b.cfg.FillWait)
				timer = time.AfterFunc(b.cfg.FillWait, func() {
					b.mu.Lock()
					defer b.mu.Unlock()
					b.cond.Broadcast()
				})
			} else if !now.Before(deadline) {
				break
			}
		} else {
			if b.closed {
				return nil
			}
			if timer != nil {
				// Another worker took what this one waited for: the next arrival starts a new wait.
				timer.Stop()
				timer = nil
			}
		}
		b.cond.Wait()
	}

	window := b.queue[1:min(len(b.queue), selectWindow)]
	share := b.share(window)
	var p *plan
	var taken []bool
	if b.cfg.Packed {
		p, taken = b.selectPacked(window, share)
	} else {
		p, taken = b.selectPadded(window, share)
	}

	rest := b.queue[:0]
	for i, q := range window {
		if !taken[i] {
			rest = append(rest, q)
		}
	}
	rest = append(rest, b.queue[1+len(window):]...)
	clear(b.queue[len(rest):])
	b.queue = rest
	b.metrics.SetQueueDepth(b.model, len(b.queue))
	p.alone = b.running == 0 && len(b.queue) == 0
	b.running++
	if len(b.queue) > 0 {
		b.cond.Signal() // what is left is an idle worker's share
	}
	return p
}

// filling says whether a free worker whose last batch ran last should wait for more sequences
// before it takes a batch (Config.FillWait): another batch is running, and fewer sequences and
// fewer tokens are waiting than the last batch ran.
func (b *Batcher) filling(last fill) bool {
	if b.cfg.FillWait <= 0 || b.running == 0 || b.closed || len(b.queue) >= last.sequences {
		return false
	}
	tokens := 0
	for _, q := range b.queue {
		tokens += q.item.Len()
	}
	return tokens < last.tokens
}

// share is how many tokens (not counting padding) the worker taking a batch may take when
// Config.Spread asks to leave the rest of the waiting sequences to the idle workers: the queue's
// tokens divided among this worker and the idle ones. Without Spread, or with no idle worker, it
// is unbounded.
func (b *Batcher) share(window []*pending) int {
	idle := b.cfg.Workers - b.running - 1
	if !b.cfg.Spread || idle < 1 || len(window) == 0 {
		return math.MaxInt
	}
	total := b.queue[0].item.Len()
	for _, q := range window {
		total += q.item.Len()
	}
	return (total + idle) / (idle + 1)
}

// selectPadded forms a padded batch, one sequence per row: the oldest waiting sequence (the
// queue's head) anchors it and the waiting sequences closest to it in length join while the
// batch stays within its limits, similar lengths and low padding.
func (b *Batcher) selectPadded(window []*pending, share int) (*plan, []bool) {
	anchor := b.queue[0]
	order := make([]int, len(window))
	for i := range order {
		order[i] = i
	}
	n := anchor.item.Len()
	slices.SortStableFunc(order, func(i, j int) int {
		return abs(window[i].item.Len()-n) - abs(window[j].item.Len()-n)
	})

	batch := []*pending{anchor}
	longest, shortest, real := n, n, n
	taken := make([]bool, len(window))
	for _, i := range order {
		if len(batch) == b.cfg.MaxBatchSize {
			break
		}
		m := window[i].item.Len()
		l, s := max(longest, m), min(shortest, m)
		padded := l * (len(batch) + 1)
		if padded > b.cfg.MaxBatchTokens || real+m > share || !similar(s, l) || !lowPadding(padded, real+m) {
			continue
		}
		batch, longest, shortest, real, taken[i] = append(batch, window[i]), l, s, real+m, true
	}
	p := &plan{rows: len(batch), seqLen: longest}
	for r, q := range batch {
		p.items = append(p.items, placed{pending: q, row: r})
	}
	return p, taken
}

// selectPacked forms a packed batch: the oldest waiting sequence anchors it and the others join
// in the order they came while the batch fits its limits and their lengths are similar to the
// batch's (a short sequence does not wait for a long one's run), then packRows lays them out.
// Padding costs next to nothing here, so unlike selectPadded it does not pick by length.
func (b *Batcher) selectPacked(window []*pending, share int) (*plan, []bool) {
	anchor := b.queue[0]
	batch := []*pending{anchor}
	longest, shortest, total := anchor.item.Len(), anchor.item.Len(), anchor.item.Len()
	taken := make([]bool, len(window))
	for i, q := range window {
		if len(batch) == b.cfg.MaxBatchSize {
			break
		}
		m := q.item.Len()
		l, s := max(longest, m), min(shortest, m)
		if total+m > min(b.cfg.MaxBatchTokens, share) || !similar(s, l) {
			continue
		}
		batch, longest, shortest, total, taken[i] = append(batch, q), l, s, total+m, true
	}
	for {
		lens := make([]int, len(batch))
		for i, q := range batch {
			lens[i] = q.item.Len()
		}
		rows, seqLen := packRows(lens)
		if len(rows)*seqLen > b.cfg.MaxBatchTokens && len(batch) > 1 {
			// Rows rarely come out perfectly even: give back the newest sequence and lay out again.
			last := batch[len(batch)-1]
			batch = batch[:len(batch)-1]
			for i, q := range window {
				if q == last {
					taken[i] = false
				}
			}
			continue
		}
		p := &plan{rows: len(rows), seqLen: seqLen}
		for r, row := range rows {
			offset := 0
			for k, i := range row {
				p.items = append(p.items, placed{pending: batch[i], row: r, offset: offset, segment: k + 1})
				offset += lens[i]
			}
		}
		return p, taken
	}
}

// dropCancelled finishes, with their context's error, queued items whose request has ended.
func (b *Batcher) dropCancelled() {
	kept := b.queue[:0]
	for _, p := range b.queue {
		if err := p.req.ctx.Err(); err != nil {
			p.req.finish(p.index, nil, err)
			continue
		}
		kept = append(kept, p)
	}
	clear(b.queue[len(kept):])
	b.queue = kept
}

func (b *Batcher) execute(p *plan, bufs *buffers) {
	start := time.Now()
	for _, it := range p.items {
		b.metrics.ObserveStage(b.model, metrics.StageQueue, start.Sub(it.queued))
	}
	rows, seqLen := p.rows, p.seqLen
	b.metrics.ObserveBatch(b.model, len(p.items), rows*seqLen)

	feeds := bufs.feeds
	for i, pad := range b.pads {
		feeds[i] = grow(feeds[i], rows*seqLen)
		buf := feeds[i]
		for k := range buf {
			buf[k] = pad
		}
		segments := b.cfg.Packed && i == b.cfg.Segments
		for _, it := range p.items {
			at := buf[it.row*seqLen+it.offset:][:it.item.Len()]
			if segments {
				for k := range at {
					at[k] = int64(it.segment)
				}
				continue
			}
			copy(at, it.item.Feeds[i])
		}
	}
	outputs := bufs.outputs
	for j, o := range b.outputs {
		outputs[j] = grow(outputs[j], rows*b.rowSize(o, seqLen))
	}

	// The batch mixes requests, so no single request's context may cancel it; cancelled items were
	// dropped before the batch was formed.
	runner := b.runner
	if p.alone && b.cfg.Alone != nil {
		runner = b.cfg.Alone
	}
	err := runner.Run(context.Background(), rows, seqLen, feeds, outputs)
	took := time.Since(start)
	// The batch stops counting as running before its results are handed out: a caller woken by its
	// result may send its next input at once, and that input should find the model free.
	b.mu.Lock()
	b.running--
	b.mu.Unlock()

	b.metrics.ObserveStage(b.model, metrics.StageInference, took)
	for _, it := range p.items {
		metrics.StatsFrom(it.req.ctx).Ran(start.Sub(it.queued), took)
	}
	if err != nil {
		err = fmt.Errorf("inference on %s (%d sequences in %d×%d): %w", b.model, len(p.items), rows, seqLen, err)
	}
	for _, it := range p.items {
		if err != nil {
			it.req.finish(it.index, nil, err)
			continue
		}
		// The worker reuses its output buffers for the next batch, so each item gets a copy of its
		// own rows: the only allocation left on this path is the result the caller keeps.
		res := make(Result, len(b.outputs))
		for j, o := range b.outputs {
			from := it.row * b.rowSize(o, seqLen)
			n := o.Width
			if o.PerToken {
				from += it.offset * o.Width
				n = it.item.Len() * o.Width
			}
			res[j] = append([]float32(nil), outputs[j][from:from+n]...)
		}
		it.req.finish(it.index, res, nil)
	}
}

func (b *Batcher) rowSize(o Output, seqLen int) int {
	if o.PerToken {
		return seqLen * o.Width
	}
	return o.Width
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
