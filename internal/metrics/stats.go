package metrics

import (
	"context"
	"sync"
	"time"
)

// RequestStats collects what one HTTP request cost, for its timing headers and access log line:
// the model that served it, the tokens it fed, and the time spent in each stage. The api package
// puts one in the request's context; pipelines and the batcher fill it in. Methods are safe for
// concurrent use and do nothing on a nil receiver, so code without a request stays unchanged.
type RequestStats struct {
	mu        sync.Mutex
	model     string
	tokens    int
	tokenize  time.Duration
	queue     time.Duration
	inference time.Duration
	ran       bool
}

// StageTimes is a snapshot of a RequestStats.
type StageTimes struct {
	Model                      string
	Tokens                     int
	Tokenize, Queue, Inference time.Duration
	// Ran says whether any batch ran for the request (Queue and Inference are meaningful).
	Ran bool
}

type statsKey struct{}

// WithStats returns ctx carrying s.
func WithStats(ctx context.Context, s *RequestStats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

// StatsFrom returns the RequestStats in ctx, or nil.
func StatsFrom(ctx context.Context) *RequestStats {
	s, _ := ctx.Value(statsKey{}).(*RequestStats)
	return s
}

// Tokenized records the model, the tokens fed to it and the time tokenizing took.
func (s *RequestStats) Tokenized(model string, tokens int, d time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.model = model
	s.tokens += tokens
	s.tokenize += d
}

// Ran records one of the request's sequences leaving the queue after queued and running in a
// batch that took inference. A request's sequences may share batches or run in several, so the
// longest wait and the longest batch are kept: together they bound what the request waited for.
func (s *RequestStats) Ran(queued, inference time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ran = true
	s.queue = max(s.queue, queued)
	s.inference = max(s.inference, inference)
}

// Snapshot returns what has been recorded so far.
func (s *RequestStats) Snapshot() StageTimes {
	if s == nil {
		return StageTimes{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return StageTimes{Model: s.model, Tokens: s.tokens, Tokenize: s.tokenize, Queue: s.queue, Inference: s.inference, Ran: s.ran}
}
