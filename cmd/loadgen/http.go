package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
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
	pid         int // server process whose RSS is sampled; 0: none
	seed        uint64
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
		var data []byte
		if h.clientBatch == 1 {
			data, _ = json.Marshal(map[string]any{"inputs": texts[0]})
		} else {
			data, _ = json.Marshal(map[string]any{"inputs": texts})
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
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: h.concurrency * 2, MaxIdleConnsPerHost: h.concurrency * 2,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}, Timeout: 5 * time.Minute}
	endpoint := strings.TrimRight(h.url, "/") + "/v1/embed"

	if h.warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, h.warmup)
		h.drive(wctx, client, endpoint, bodies, 0, nil)
		cancel()
	}

	rep := &Report{Name: name, Mode: "http", Concurrency: h.concurrency, ClientBatch: h.clientBatch, LongFrac: h.longFrac}
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
	start := time.Now()
	h.drive(rctx, client, endpoint, bodies, h.requests, &res)
	rep.Seconds = time.Since(start).Seconds()
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

// drive runs the clients until ctx ends or, with limit > 0, until limit requests have been sent.
func (h *httpRun) drive(ctx context.Context, client *http.Client, endpoint string, bodies []body, limit int, res *results) {
	var sent atomic.Int64
	var wg sync.WaitGroup
	for w := range h.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []sample
			var seqs, toks, errs, rejected int
			firstErr := ""
			buf := make([]byte, 0, 64<<10)
			for i := w; ctx.Err() == nil; i += h.concurrency {
				if limit > 0 && sent.Add(1) > int64(limit) {
					break
				}
				b := bodies[i%len(bodies)]
				t0 := time.Now()
				status, tokens, err := post(ctx, client, endpoint, b.data, &buf)
				took := time.Since(t0)
				switch {
				case ctx.Err() != nil && limit == 0:
					// The run ended while this request was in flight; it is not counted.
				case err != nil:
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				case status == http.StatusTooManyRequests:
					rejected++
				case status != http.StatusOK:
					errs++
					if firstErr == "" {
						firstErr = fmt.Sprintf("HTTP %d: %.200s", status, buf)
					}
				default:
					local = append(local, sample{took: took, long: b.long})
					seqs += b.n
					toks += tokens
				}
			}
			if res == nil {
				return
			}
			res.mu.Lock()
			res.samples = append(res.samples, local...)
			res.sequences += seqs
			res.tokens += toks
			res.errors += errs
			res.rejected += rejected
			if res.firstErr == "" {
				res.firstErr = firstErr
			}
			res.mu.Unlock()
		}()
	}
	wg.Wait()
}

var promptTokens = []byte(`"prompt_tokens":`)

// post sends one request and reads the whole answer into *buf, returning the status and the
// answer's usage.prompt_tokens (found by a byte search rather than decoding the embeddings).
func post(ctx context.Context, client *http.Client, endpoint string, data []byte, buf *[]byte) (int, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(data))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	b := bytes.NewBuffer((*buf)[:0])
	if _, err := io.Copy(b, resp.Body); err != nil {
		return 0, 0, err
	}
	*buf = b.Bytes()
	tokens := 0
	if i := bytes.LastIndex(*buf, promptTokens); i >= 0 {
		rest := bytes.TrimLeft((*buf)[i+len(promptTokens):], " ")
		end := bytes.IndexAny(rest, ",}")
		if end > 0 {
			tokens, _ = strconv.Atoi(string(bytes.TrimSpace(rest[:end])))
		}
	}
	return resp.StatusCode, tokens, nil
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
