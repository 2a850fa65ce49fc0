package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/bertserve/bertserve/internal/metrics"
)

// stageTimes gives each request a metrics.RequestStats that the pipeline and the batcher fill in,
// and turns it into response headers (milliseconds, as TEI names them) when the handler writes
// its status: X-Tokenization-Time, X-Queue-Time, X-Inference-Time, X-Total-Time and
// X-Compute-Tokens. Requests that run no model get none of them.
func stageTimes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stats := &metrics.RequestStats{}
		tw := &timingWriter{ResponseWriter: w, stats: stats, start: time.Now()}
		next.ServeHTTP(tw, r.WithContext(metrics.WithStats(r.Context(), stats)))
	})
}

type timingWriter struct {
	http.ResponseWriter
	stats   *metrics.RequestStats
	start   time.Time
	written bool
}

func (w *timingWriter) WriteHeader(status int) {
	if !w.written {
		w.written = true
		st := w.stats.Snapshot()
		if st.Model != "" {
			h := w.Header()
			h.Set("X-Compute-Tokens", strconv.Itoa(st.Tokens))
			h.Set("X-Tokenization-Time", millis(st.Tokenize))
			if st.Ran {
				h.Set("X-Queue-Time", millis(st.Queue))
				h.Set("X-Inference-Time", millis(st.Inference))
			}
			h.Set("X-Total-Time", millis(time.Since(w.start)))
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *timingWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *timingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func millis(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 3, 64)
}
