package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/model"
	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/pipeline"
)

// inprocRun drives the server's embedding pipeline in this process, without HTTP: tokenizer,
// batcher and session.Run as the server sets them up, fed by a fixed number of goroutines that each
// embed one text and then the next (closed loop). Set beside http and bare mode it splits the gap
// between the server and bare session.Run into what batching costs and what HTTP and JSON cost.
type inprocRun struct {
	modelDir    string
	concurrency int
	workers     int
	threads     int
	busyThreads int
	noSpin      bool
	packing     bool
	duration    time.Duration
	warmup      time.Duration
	longFrac    float64
	seed        uint64
	batch       batch.Config
}

func (r *inprocRun) run(ctx context.Context, c *corpus, name string) (*Report, error) {
	met := metrics.New()
	m, err := model.Load(r.modelDir, model.Options{
		Metrics:     met,
		Session:     ort.Options{IntraOpThreads: r.threads, InterOpThreads: 1, DisableSpinning: r.noSpin},
		BusyThreads: r.busyThreads,
		Batch:       r.batch,
		Packing:     r.packing,
	})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	if m.Embedder == nil {
		return nil, fmt.Errorf("%s: inproc mode needs an embedding model", r.modelDir)
	}
	if err := m.Warmup(ctx); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(r.seed, 1))
	texts := make([]string, 4096)
	for i := range texts {
		t, _ := c.draw(rng, 1, r.longFrac)
		texts[i] = t[0]
	}

	if r.warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, r.warmup)
		r.drive(wctx, m.Embedder, texts, nil)
		cancel()
	}
	rep := &Report{Name: name, Mode: "inproc", Concurrency: r.concurrency, ClientBatch: 1, LongFrac: r.longFrac,
		Workers: r.workers, Threads: r.threads}
	rctx, cancel := context.WithTimeout(ctx, r.duration)
	defer cancel()
	var res results
	s0, err := readBatchStats(met)
	if err != nil {
		return nil, err
	}
	cpu := startCPU(0)
	start := time.Now()
	r.drive(rctx, m.Embedder, texts, &res)
	rep.Seconds = time.Since(start).Seconds()
	rep.CPUMSPerSeq, rep.CPUCores = cpu.perSequence(res.sequences, rep.Seconds)
	s1, err := readBatchStats(met)
	if err != nil {
		return nil, err
	}
	s1.describe(s0, rep)
	rep.Requests, rep.Sequences, rep.Tokens, rep.Errors = len(res.samples), res.sequences, res.tokens, res.errors
	all := make([]time.Duration, len(res.samples))
	for i, s := range res.samples {
		all[i] = s.took
	}
	rep.Latency = summarize(all)
	rep.rates()
	if res.firstErr != "" {
		return nil, fmt.Errorf("inproc: %s", res.firstErr)
	}
	return rep, nil
}

// drive runs the goroutines until ctx ends; a nil res discards what they measure (warm-up).
func (r *inprocRun) drive(ctx context.Context, e *pipeline.Embedder, texts []string, res *results) {
	var wg sync.WaitGroup
	for w := range r.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i += r.concurrency {
				k := i % len(texts)
				t0 := time.Now()
				out, err := e.Embed(ctx, pipeline.EmbedRequest{Inputs: texts[k : k+1], Normalize: true, Truncate: true})
				if res == nil || ctx.Err() != nil {
					continue
				}
				res.record(time.Since(t0), out, err)
			}
		}()
	}
	wg.Wait()
}

// record counts one in-process answer.
func (res *results) record(took time.Duration, out *pipeline.Embeddings, err error) {
	res.mu.Lock()
	defer res.mu.Unlock()
	if err != nil {
		res.errors++
		if res.firstErr == "" {
			res.firstErr = err.Error()
		}
		return
	}
	res.samples = append(res.samples, sample{took: took})
	res.sequences++
	res.tokens += out.PromptTokens
}
