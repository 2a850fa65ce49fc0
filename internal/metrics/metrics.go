// Package metrics defines the server's Prometheus collectors: one registry per server, one histogram
// per stage (tokenize, queue, inference) in seconds with explicit buckets, and batch shape
// histograms. Methods are nil-safe so that packages can be used without metrics in tests.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds every collector, registered on its own Registry.
type Metrics struct {
	Registry *prometheus.Registry

	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	stage       *prometheus.HistogramVec
	queueDepth  *prometheus.GaugeVec
	batchSize   *prometheus.HistogramVec
	batchTokens *prometheus.HistogramVec
	inputTokens *prometheus.CounterVec
}

var (
	latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	stageBuckets   = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
)

// New builds the collectors, with the Go and process collectors, on a fresh registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bertserve_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bertserve_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: latencyBuckets,
		}, []string{"route"}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bertserve_stage_duration_seconds", Help: "Time spent per stage (tokenize, queue, inference) by model.",
			Buckets: stageBuckets,
		}, []string{"model", "stage"}),
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bertserve_queue_depth", Help: "Sequences waiting for a batch, by model.",
		}, []string{"model"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bertserve_batch_size", Help: "Sequences per inference batch, by model.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}, []string{"model"}),
		batchTokens: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bertserve_batch_tokens", Help: "Padded tokens (longest × size) per inference batch, by model.",
			Buckets: []float64{16, 64, 256, 1024, 2048, 4096, 8192, 16384, 32768},
		}, []string{"model"}),
		inputTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bertserve_input_tokens_total", Help: "Tokens of accepted inputs, by model.",
		}, []string{"model"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.stage, m.queueDepth, m.batchSize, m.batchTokens, m.inputTokens)
	return m
}

// Stage names, the label values of bertserve_stage_duration_seconds.
const (
	StageTokenize  = "tokenize"
	StageQueue     = "queue"
	StageInference = "inference"
)

// ObserveRequest counts one HTTP request.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// ObserveStage records time spent in one stage for one model.
func (m *Metrics) ObserveStage(model, stage string, d time.Duration) {
	if m == nil {
		return
	}
	m.stage.WithLabelValues(model, stage).Observe(d.Seconds())
}

// ObserveBatch records one inference batch's shape.
func (m *Metrics) ObserveBatch(model string, size, paddedTokens int) {
	if m == nil {
		return
	}
	m.batchSize.WithLabelValues(model).Observe(float64(size))
	m.batchTokens.WithLabelValues(model).Observe(float64(paddedTokens))
}

// SetQueueDepth reports the sequences waiting for a model.
func (m *Metrics) SetQueueDepth(model string, n int) {
	if m == nil {
		return
	}
	m.queueDepth.WithLabelValues(model).Set(float64(n))
}

// AddInputTokens counts the tokens of accepted inputs.
func (m *Metrics) AddInputTokens(model string, n int) {
	if m == nil {
		return
	}
	m.inputTokens.WithLabelValues(model).Add(float64(n))
}
