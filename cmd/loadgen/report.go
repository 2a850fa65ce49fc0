package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// Report is one measurement, printed as text and, with -json, as one JSON object per line so that
// scripts/bench.sh can tabulate runs.
type Report struct {
	Name        string  `json:"name"`
	Mode        string  `json:"mode"` // http or bare
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"` // requests a second, open loop
	ClientBatch int     `json:"client_batch"`
	LongFrac    float64 `json:"long_frac"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	Sequences   int     `json:"sequences"`
	Tokens      int     `json:"tokens"`
	Errors      int     `json:"errors"`
	Rejected    int     `json:"rejected"` // 429 answers
	ReqPerSec   float64 `json:"req_per_s"`
	SeqPerSec   float64 `json:"seq_per_s"`
	TokPerSec   float64 `json:"tokens_per_s"`
	Latency     Latency `json:"latency_ms"`
	// ShortLatency covers the requests made only of short texts, when some requests were long.
	ShortLatency *Latency `json:"short_latency_ms,omitempty"`
	LongLatency  *Latency `json:"long_latency_ms,omitempty"`
	RSSStartKB   int      `json:"rss_start_kb,omitempty"`
	RSSEndKB     int      `json:"rss_end_kb,omitempty"`
	RSSMaxKB     int      `json:"rss_max_kb,omitempty"`
	// CPU time, user and system, per sequence and the cores it kept busy: this process's (for an
	// http run, the load generator's own) and, for an http run with -pid, the server's.
	CPUMSPerSeq       float64 `json:"cpu_ms_per_seq,omitempty"`
	CPUCores          float64 `json:"cpu_cores,omitempty"`
	ServerCPUMSPerSeq float64 `json:"server_cpu_ms_per_seq,omitempty"`
	ServerCPUCores    float64 `json:"server_cpu_cores,omitempty"`
	// In-process runs only: the batches the server's batcher formed.
	MeanBatch      float64 `json:"mean_batch,omitempty"`      // sequences per batch
	MeanQueueMS    float64 `json:"mean_queue_ms,omitempty"`   // a sequence's wait for its batch
	MeanRunMS      float64 `json:"mean_run_ms,omitempty"`     // one session.Run
	RunningBatches float64 `json:"running_batches,omitempty"` // batches running at once, on average
	// Bare ORT runs only.
	Batch    int `json:"batch,omitempty"`
	Workers  int `json:"workers,omitempty"`
	Threads  int `json:"threads,omitempty"`
	Sessions int `json:"sessions,omitempty"`
	// GapMS is the pause after each run (-gap), not counted in its latency.
	GapMS float64 `json:"gap_ms,omitempty"`
}

// Latency summarises request latencies in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

func summarize(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	at := func(q float64) float64 { return ms(s[min(len(s)-1, int(q*float64(len(s))))]) }
	var sum time.Duration
	for _, x := range s {
		sum += x
	}
	return Latency{P50: at(.50), P95: at(.95), P99: at(.99), Mean: ms(sum / time.Duration(len(s))), Max: ms(s[len(s)-1])}
}

func (r *Report) rates() {
	if r.Seconds > 0 {
		r.ReqPerSec = float64(r.Requests) / r.Seconds
		r.SeqPerSec = float64(r.Sequences) / r.Seconds
		r.TokPerSec = float64(r.Tokens) / r.Seconds
	}
}

func (r *Report) print(w io.Writer, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintln(w, string(b))
		return
	}
	fmt.Fprintf(w, "%s [%s] c=%d batch=%d long=%.0f%%: %.1f req/s, %.1f seq/s, %.0f tokens/s over %.1fs; "+
		"latency p50 %.2f p95 %.2f p99 %.2f ms; errors %d, 429s %d\n",
		r.Name, r.Mode, r.Concurrency, max(r.ClientBatch, r.Batch), 100*r.LongFrac, r.ReqPerSec, r.SeqPerSec, r.TokPerSec,
		r.Seconds, r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Errors, r.Rejected)
	if r.GapMS > 0 {
		fmt.Fprintf(w, "  a pause of %.2f ms after each run, not timed\n", r.GapMS)
	}
	if r.ShortLatency != nil {
		fmt.Fprintf(w, "  short-only requests: p50 %.2f p95 %.2f p99 %.2f ms\n", r.ShortLatency.P50, r.ShortLatency.P95, r.ShortLatency.P99)
	}
	if r.LongLatency != nil {
		fmt.Fprintf(w, "  requests with a long text: p50 %.2f p95 %.2f p99 %.2f ms\n", r.LongLatency.P50, r.LongLatency.P95, r.LongLatency.P99)
	}
	if r.MeanBatch > 0 {
		fmt.Fprintf(w, "  batches: %.2f sequences each, %.2f ms in session.Run, %.2f running at once; %.2f ms queued\n",
			r.MeanBatch, r.MeanRunMS, r.RunningBatches, r.MeanQueueMS)
	}
	switch {
	case r.ServerCPUMSPerSeq > 0:
		fmt.Fprintf(w, "  CPU a sequence: server %.3f ms (%.2f cores), load generator %.3f ms (%.2f cores)\n",
			r.ServerCPUMSPerSeq, r.ServerCPUCores, r.CPUMSPerSeq, r.CPUCores)
	case r.CPUMSPerSeq > 0:
		fmt.Fprintf(w, "  CPU a sequence: %.3f ms (%.2f cores)\n", r.CPUMSPerSeq, r.CPUCores)
	}
	if r.RSSStartKB > 0 {
		fmt.Fprintf(w, "  server RSS: start %d MiB, end %d MiB, max %d MiB\n", r.RSSStartKB>>10, r.RSSEndKB>>10, r.RSSMaxKB>>10)
	}
}
