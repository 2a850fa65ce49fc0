package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func admitted(t *testing.T, maxConcurrent int, timeout time.Duration, h http.HandlerFunc) http.Handler {
	t.Helper()
	a, err := newAdmission(maxConcurrent, timeout)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{Logger: slog.New(slog.DiscardHandler)}}
	return a.admit(s.writeError)(h)
}

func TestRequestsBeyondTheLimitGet429AtOnce(t *testing.T) {
	release := make(chan struct{})
	var started sync.WaitGroup
	h := admitted(t, 2, 0, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/slow" {
			started.Done()
			<-release
		}
		w.WriteHeader(http.StatusOK)
	})
	var done sync.WaitGroup
	for range 2 {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/slow", nil))
		}()
	}
	started.Wait()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/embed", nil))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("third request: %d, Retry-After %q; want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "overloaded" {
		t.Fatalf("body %s: want the overloaded error", rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET under load: %d, want 200 (probes are not limited)", rec.Code)
	}

	close(release)
	done.Wait()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/embed", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("after the others finished: %d, want 200 (slots are given back)", rec.Code)
	}
}

func TestPostRequestsGetTheDeadline(t *testing.T) {
	var deadline time.Time
	var has bool
	h := admitted(t, 0, time.Minute, func(w http.ResponseWriter, r *http.Request) {
		deadline, has = r.Context().Deadline()
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/v1/embed", nil))
	if !has || time.Until(deadline) > time.Minute || time.Until(deadline) < 50*time.Second {
		t.Fatalf("deadline %v (set: %v), want about a minute from now", deadline, has)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if has {
		t.Fatal("GET got a deadline")
	}
}

func TestZeroMeansUnlimited(t *testing.T) {
	h := admitted(t, 0, 0, func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Deadline(); ok {
			t.Error("deadline set with no timeout")
		}
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/embed", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestNegativeAdmissionSettingsFailAtConstruction(t *testing.T) {
	if _, err := newAdmission(-1, 0); err == nil {
		t.Error("negative limit accepted")
	}
	if _, err := newAdmission(1, -time.Second); err == nil {
		t.Error("negative timeout accepted")
	}
}
