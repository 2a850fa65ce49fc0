package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// httpRun drives POST /v1/embed with a fixed number of clients, each sending its next request
// when the previous answer arrives (closed loop).
type httpRun struct {
	url         string
	concurrency int
	clientBatch int
	longFrac    float64
	requests    int           // stop after this many (0: use duration)
	duration    time.Duration // stop after this long
	warmup      time.Duration
	pid         int     // server process whose RSS is sampled; 0: none
	rate        float64 // requests per second on a fixed schedule (open loop); 0: closed loop
	seed        uint64
	api         string // apiBertserve or apiOpenAI
	modelName   string // the "model" field of OpenAI requests
	encoding    string // the "encoding_format" field of OpenAI requests; "": not sent
}

// The request formats http mode speaks: bertserve's own POST /v1/embed, or OpenAI's POST
// /v1/embeddings, which bertserve and other embedding servers (infinity, vLLM, ...) answer, so
// that the same load runs against them.
const (
	apiBertserve = "bertserve"
	apiOpenAI    = "openai"
)

// path is the route requests go to, after the base URL.
func (h *httpRun) path() string {
	if h.api == apiOpenAI {
		return "/v1/embeddings"
	}
	return "/v1/embed"
}

// body is one prepared request: bodies are built before the run so that the load generator spends
// as little CPU as possible while it measures (it shares the machine with the server).
type body struct {
	data []byte
	n    int
	long bool
}

func (h *httpRun) bodies(c *corpus, n int) []body {
	rng := rand.New(rand.NewPCG(h.seed, 1))
	out := make([]body, n)
	for i := range out {
		texts, long := c.draw(rng, h.clientBatch, h.longFrac)
		var input any = texts
		if h.clientBatch == 1 {
			input = texts[0]
		}
		var data []byte
		if h.api == apiOpenAI {
			req := map[string]any{"model": h.modelName, "input": input}
			if h.encoding != "" {
				req["encoding_format"] = h.encoding
			}
			data, _ = json.Marshal(req)
		} else {
			data, _ = json.Marshal(map[string]any{"inputs": input})
		}
		out[i] = body{data: data, n: len(texts), long: long}
	}
	return out
}

type sample struct {
	took time.Duration
	long bool
}

func (h *httpRun) run(ctx context.Context, c *corpus, name string) (*Report, error) {
	bodies := h.bodies(c, 4096)
	client, err := newClient(strings.TrimRight(h.url, "/")+h.path(), h.concurrency)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	defer client.close()

	// One request first, so that a wrong -url, a server that is down or a request it refuses
	// stops the run with the reason instead of filling it with errors.
	var probe []byte
	status, _, err := client.post(ctx, bodies[0].data, &probe)
	switch {
	case err != nil:
		return nil, fmt.Errorf("cannot reach the server at %s: %w", h.url, err)
	case status != http.StatusOK && status != http.StatusTooManyRequests:
		return nil, fmt.Errorf("the server at %s answered HTTP %d: %.300s", h.url, status, probe)
	}

	if h.warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, h.warmup)
		h.drive(wctx, client, bodies, 0, nil)
		cancel()
	}

	rep := &Report{Name: name, Mode: "http", Concurrency: h.concurrency, Rate: h.rate, ClientBatch: h.clientBatch, LongFrac: h.longFrac}
	var rssMax atomic.Int64
	stopRSS := make(chan struct{})
	var rssDone sync.WaitGroup
	if h.pid > 0 {
		rep.RSSStartKB = rssKB(h.pid)
		rssMax.Store(int64(rep.RSSStartKB))
		rssDone.Add(1)
		go func() {
			defer rssDone.Done()
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopRSS:
					return
				case <-t.C:
					if kb := int64(rssKB(h.pid)); kb > rssMax.Load() {
						rssMax.Store(kb)
					}
				}
			}
		}()
	}

	rctx, cancel := ctx, context.CancelFunc(func() {})
	if h.requests == 0 {
		rctx, cancel = context.WithTimeout(ctx, h.duration)
	}
	defer cancel()
	var res results
	own := startCPU(0)
	var server *cpuMeter
	if h.pid > 0 {
		server = startCPU(h.pid)
	}
	start := time.Now()
	h.drive(rctx, client, bodies, h.requests, &res)
	rep.Seconds = time.Since(start).Seconds()
	rep.CPUMSPerSeq, rep.CPUCores = own.perSequence(res.sequences, rep.Seconds)
	if server != nil {
		rep.ServerCPUMSPerSeq, rep.ServerCPUCores = server.perSequence(res.sequences, rep.Seconds)
	}
	close(stopRSS)
	rssDone.Wait()
	if h.pid > 0 {
		rep.RSSEndKB = rssKB(h.pid)
		rep.RSSMaxKB = int(max(rssMax.Load(), int64(rep.RSSEndKB)))
	}

	rep.Requests, rep.Sequences, rep.Tokens = len(res.samples), res.sequences, res.tokens
	rep.Errors, rep.Rejected = res.errors, res.rejected
	all := make([]time.Duration, 0, len(res.samples))
	var short, long []time.Duration
	for _, s := range res.samples {
		all = append(all, s.took)
		if s.long {
			long = append(long, s.took)
		} else {
			short = append(short, s.took)
		}
	}
	rep.Latency = summarize(all)
	if h.longFrac > 0 {
		s, l := summarize(short), summarize(long)
		rep.ShortLatency, rep.LongLatency = &s, &l
	}
	rep.rates()
	if res.firstErr != "" {
		fmt.Fprintln(os.Stderr, "loadgen: first error:", res.firstErr)
	}
	return rep, nil
}

// results gathers what the clients saw; a nil *results discards it (warm-up).
type results struct {
	mu        sync.Mutex
	samples   []sample
	sequences int
	tokens    int
	errors    int
	rejected  int
	firstErr  string
}

// add records one answer; a nil *results discards it (warm-up). Answers to requests cut short by
// the end of a timed run (ctx ended, no request limit) are not counted.
func (res *results) add(ctx context.Context, timed bool, b body, status, tokens int, took time.Duration, err error, answer []byte) {
	if res == nil || (timed && ctx.Err() != nil) {
		return
	}
	res.mu.Lock()
	defer res.mu.Unlock()
	switch {
	case err != nil:
		res.errors++
		if res.firstErr == "" {
			res.firstErr = err.Error()
		}
	case status == http.StatusTooManyRequests:
		res.rejected++
	case status != http.StatusOK:
		res.errors++
		if res.firstErr == "" {
			res.firstErr = fmt.Sprintf("HTTP %d: %.200s", status, answer)
		}
	default:
		res.samples = append(res.samples, sample{took: took, long: b.long})
		res.sequences += b.n
		res.tokens += tokens
	}
}

// drive runs the clients until ctx ends or, with limit > 0, until limit requests have been sent.
// With a rate it sends requests on a fixed schedule instead (see driveRate).
func (h *httpRun) drive(ctx context.Context, client *client, bodies []body, limit int, res *results) {
	if h.rate > 0 {
		h.driveRate(ctx, client, bodies, limit, res)
		return
	}
	var sent atomic.Int64
	var wg sync.WaitGroup
	for w := range h.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 64<<10)
			for i := w; ctx.Err() == nil; i += h.concurrency {
				if limit > 0 && sent.Add(1) > int64(limit) {
					break
				}
				b := bodies[i%len(bodies)]
				t0 := time.Now()
				status, tokens, err := client.post(ctx, b.data, &buf)
				res.add(ctx, limit == 0, b, status, tokens, time.Since(t0), err, buf)
				if err != nil {
					pause(ctx, errorPause)
				}
			}
		}()
	}
	wg.Wait()
}

// errorPause is how long a closed-loop client waits after a request that got no answer (the server
// went away or refused the connection) before it sends the next, instead of spinning on errors.
const errorPause = 50 * time.Millisecond

// pause sleeps for d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// driveRate sends h.rate requests a second on a fixed schedule (open loop), whatever the pace of
// the answers, with at most h.concurrency in flight. A request's latency counts from the moment it
// was due, so a server that falls behind is charged for the wait.
func (h *httpRun) driveRate(ctx context.Context, client *client, bodies []body, limit int, res *results) {
	interval := time.Duration(float64(time.Second) / h.rate)
	slots := make(chan struct{}, h.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
schedule:
	for i := 0; limit == 0 || i < limit; i++ {
		due := start.Add(time.Duration(i) * interval)
		select {
		case <-ctx.Done():
			break schedule
		case <-time.After(time.Until(due)):
		}
		select {
		case <-ctx.Done():
			break schedule
		case slots <- struct{}{}:
		}
		b := bodies[i%len(bodies)]
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			var buf []byte
			status, tokens, err := client.post(ctx, b.data, &buf)
			res.add(ctx, limit == 0, b, status, tokens, time.Since(due), err, buf)
		}()
	}
	wg.Wait()
}

// rssKB reads a process's resident set size from /proc.
func rssKB(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.Atoi(f[1])
				return kb
			}
		}
	}
	return 0
}
