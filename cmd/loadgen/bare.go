package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// bareRun measures the model alone: the same corpus, tokenized beforehand, drawn at random into
// padded batches (or, with sorted, grouped by length: the least padding any batcher could reach),
// fed to session.Run by a fixed number of goroutines. Its best batch size is the limit the server
// is held against.
type bareRun struct {
	modelDir  string
	maxLength int
	batches   []int
	workers   int
	threads   int
	sessions  int // 1: the workers share one session; otherwise one session per worker
	noSpin    bool
	sorted    bool
	duration  time.Duration
	// gap is a pause after each run, not timed: the time a server spends outside session.Run
	// between one client's requests, after which a run starts on cores that went idle.
	gap      time.Duration
	longFrac float64
	seed     uint64
}

type padded struct {
	feeds  [][]int64
	size   int
	seqLen int
	tokens int
}

func (b *bareRun) run(ctx context.Context, c *corpus, name string) ([]*Report, error) {
	tok, err := tokenizer.FromFile(filepath.Join(b.modelDir, "tokenizer.json"))
	if err != nil {
		return nil, err
	}
	onnxPath := filepath.Join(b.modelDir, "model.onnx")
	graphIn, graphOut, err := ort.Inspect(onnxPath)
	if err != nil {
		return nil, err
	}
	var inputs []string
	for _, in := range graphIn {
		inputs = append(inputs, in.Name)
	}
	output := graphOut[0]
	sessions := make([]*ort.Session, max(1, min(b.sessions, b.workers)))
	for i := range sessions {
		s, err := ort.NewSession(onnxPath, inputs, []string{output.Name},
			ort.Options{IntraOpThreads: b.threads, InterOpThreads: 1, DisableSpinning: b.noSpin})
		if err != nil {
			return nil, err
		}
		defer s.Close()
		sessions[i] = s
	}

	rng := rand.New(rand.NewPCG(b.seed, 2))
	texts, _ := c.draw(rng, 2048, b.longFrac)
	opts := tokenizer.Options{AddSpecialTokens: true, Truncation: &tokenizer.Truncation{
		MaxLength: b.maxLength, Strategy: "longest_first", Direction: "right"}}
	var encs []*tokenizer.Encoding
	for _, t := range texts {
		enc, err := tok.Encode(t, opts)
		if err != nil {
			return nil, err
		}
		encs = append(encs, enc)
	}

	var reports []*Report
	for _, size := range b.batches {
		batches := makeBatches(encs, size, graphIn, b.sorted)
		// A run that ends part-way through its pass over the batches must not favour some lengths:
		// in sorted order the first batches hold the shortest texts.
		rng.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })
		rep, err := b.measure(ctx, sessions, batches, sessions[0].OutputShape(0, 1, 1))
		if err != nil {
			return nil, err
		}
		rep.Name, rep.Batch = name, size
		reports = append(reports, rep)
	}
	return reports, nil
}

// makeBatches cuts encs (sorted by length first, with byLength) into padded batches of size
// sequences.
func makeBatches(encs []*tokenizer.Encoding, size int, graphIn []ort.TensorInfo, byLength bool) []padded {
	sorted := slices.Clone(encs)
	if byLength {
		slices.SortStableFunc(sorted, func(a, b *tokenizer.Encoding) int { return len(a.IDs) - len(b.IDs) })
	}
	var out []padded
	for i := 0; i+size <= len(sorted); i += size {
		group := sorted[i : i+size]
		seqLen := 0
		for _, enc := range group {
			seqLen = max(seqLen, len(enc.IDs))
		}
		p := padded{size: size, seqLen: seqLen}
		for _, in := range graphIn {
			feed := make([]int64, size*seqLen)
			for r, enc := range group {
				src := enc.IDs
				switch in.Name {
				case "attention_mask":
					src = enc.AttentionMask
				case "token_type_ids":
					src = enc.TypeIDs
				}
				for k, v := range src {
					feed[r*seqLen+k] = int64(v)
				}
			}
			p.feeds = append(p.feeds, feed)
		}
		for _, enc := range group {
			p.tokens += len(enc.IDs)
		}
		out = append(out, p)
	}
	return out
}

func (b *bareRun) measure(ctx context.Context, sessions []*ort.Session, batches []padded, unitShape []int64) (*Report, error) {
	perToken := len(unitShape) == 3
	width := int(unitShape[len(unitShape)-1])
	rep := &Report{Mode: "bare", Workers: b.workers, Threads: b.threads, Sessions: len(sessions), LongFrac: b.longFrac,
		GapMS: float64(b.gap.Microseconds()) / 1000}
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	rctx, cancel := context.WithTimeout(ctx, b.duration)
	defer cancel()
	// One warm-up pass over a few batches, outside the measurement.
	for i := range min(3, len(batches)) {
		p := batches[i]
		out := make([]float32, outSize(p, perToken, width))
		if err := sessions[0].Run(ctx, p.size, p.seqLen, p.feeds, [][]float32{out}); err != nil {
			return nil, err
		}
	}
	var wg sync.WaitGroup
	cpu := startCPU(0)
	start := time.Now()
	for w := range b.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := sessions[w%len(sessions)]
			var local []time.Duration
			var seqs, toks int
			out := []float32{}
			for rctx.Err() == nil {
				p := batches[int(next.Add(1))%len(batches)]
				if n := outSize(p, perToken, width); cap(out) < n {
					out = make([]float32, n)
				} else {
					out = out[:n]
				}
				t0 := time.Now()
				if err := s.Run(context.Background(), p.size, p.seqLen, p.feeds, [][]float32{out}); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				local = append(local, time.Since(t0))
				if b.gap > 0 {
					time.Sleep(b.gap)
				}
				seqs += p.size
				toks += p.tokens
			}
			mu.Lock()
			lat = append(lat, local...)
			rep.Requests += len(local)
			rep.Sequences += seqs
			rep.Tokens += toks
			mu.Unlock()
		}()
	}
	wg.Wait()
	rep.Seconds = time.Since(start).Seconds()
	rep.CPUMSPerSeq, rep.CPUCores = cpu.perSequence(rep.Sequences, rep.Seconds)
	if firstErr != nil {
		return nil, fmt.Errorf("bare run: %w", firstErr)
	}
	rep.Latency = summarize(lat)
	rep.rates()
	return rep, nil
}

func outSize(p padded, perToken bool, width int) int {
	if perToken {
		return p.size * p.seqLen * width
	}
	return p.size * width
}
