package main

import (
	"github.com/bertserve/bertserve/internal/metrics"
)

// batchStats is what the batcher's histograms add up to at one moment: how many batches ran, the
// sequences in them, and the seconds spent in the queue and in session.Run.
type batchStats struct {
	batches, sequences  float64
	queued, queueSecs   float64
	runs, inferenceSecs float64
}

// readBatchStats sums the batcher's histograms in m over every model.
func readBatchStats(m *metrics.Metrics) (batchStats, error) {
	var s batchStats
	families, err := m.Registry.Gather()
	if err != nil {
		return s, err
	}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			h := mt.GetHistogram()
			if h == nil {
				continue
			}
			switch f.GetName() {
			case "bertserve_batch_size":
				s.batches += float64(h.GetSampleCount())
				s.sequences += h.GetSampleSum()
			case "bertserve_stage_duration_seconds":
				for _, l := range mt.GetLabel() {
					if l.GetName() != "stage" {
						continue
					}
					switch l.GetValue() {
					case metrics.StageQueue:
						s.queued += float64(h.GetSampleCount())
						s.queueSecs += h.GetSampleSum()
					case metrics.StageInference:
						s.runs += float64(h.GetSampleCount())
						s.inferenceSecs += h.GetSampleSum()
					}
				}
			}
		}
	}
	return s, nil
}

// describe fills r's batch fields with what happened between s0 and s (over r.Seconds).
func (s batchStats) describe(s0 batchStats, r *Report) {
	if n := s.batches - s0.batches; n > 0 {
		r.MeanBatch = (s.sequences - s0.sequences) / n
	}
	if n := s.queued - s0.queued; n > 0 {
		r.MeanQueueMS = 1000 * (s.queueSecs - s0.queueSecs) / n
	}
	if n := s.runs - s0.runs; n > 0 {
		r.MeanRunMS = 1000 * (s.inferenceSecs - s0.inferenceSecs) / n
	}
	if r.Seconds > 0 {
		r.RunningBatches = (s.inferenceSecs - s0.inferenceSecs) / r.Seconds
	}
}
