package model

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/pipeline"
)

func TestThreadLayout(t *testing.T) {
	small, large := int64(90<<20), int64(busySessionMaxBytes+1)
	for _, tc := range []struct {
		name        string
		threads     int
		busy        int
		workers     int
		cpus        int
		memory      int64
		device      string
		graph       int64
		alone, want int
	}{
		{"default: a core per worker when busy", 4, 0, 2, 4, 0, "", small, 4, 2},
		{"default threads are one per core", 0, 0, 1, 6, 0, "", small, 6, 6},
		{"a container's CPUs divided among the workers", 0, 0, 2, 2, 0, "", small, 2, 1},
		{"never below one thread", 2, 0, 4, 2, 0, "", small, 2, 1},
		{"busy threads as asked", 4, 3, 2, 4, 0, "", small, 4, 3},
		{"a large graph keeps one session", 4, 0, 2, 4, 0, "", large, 4, 4},
		{"a large graph gets what is asked", 4, 1, 2, 4, 0, "", large, 4, 1},
		{"a graph over an eighth of the memory limit keeps one session", 0, 0, 2, 2, 512 << 20, "", small, 2, 2},
		{"a graph within an eighth of the memory limit gets two", 0, 0, 2, 2, 1 << 30, "", small, 2, 1},
		{"under a memory limit busy threads are still as asked", 0, 1, 2, 2, 512 << 20, "", small, 2, 1},
		{"a GPU runs one session", 4, 1, 2, 4, 0, "cuda", small, 4, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{
				Session:     ort.Options{IntraOpThreads: tc.threads, Device: tc.device},
				BusyThreads: tc.busy,
				CPUs:        tc.cpus,
				MemoryLimit: tc.memory,
				Batch:       batch.Config{Workers: tc.workers},
			}
			alone, busy := threadLayout(o, tc.graph)
			if alone != tc.alone || busy != tc.want {
				t.Errorf("threadLayout = %d alone, %d busy; want %d, %d", alone, busy, tc.alone, tc.want)
			}
		})
	}
}

// Without Options.CPUs the default threads follow GOMAXPROCS, which Go sets from a container's CPU
// limit: runtime.NumCPU would give a container limited to 2 of 16 cores 16 threads per session.
func TestDefaultThreadsFollowGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	o := Options{Batch: batch.Config{Workers: 2}}
	if alone, busy := threadLayout(o, 90<<20); alone != 1 || busy != 1 {
		t.Errorf("with GOMAXPROCS 1: %d alone, %d busy; want 1, 1", alone, busy)
	}
}

// Batches that have the model to themselves run on one session and busy batches on another; both
// must give the same embeddings, packed or padded.
func TestAloneAndBusySessionsGiveTheSameEmbeddings(t *testing.T) {
	dir := modelFolder(t, goodConfig)
	for _, packing := range []bool{true, false} {
		t.Run(fmt.Sprintf("packing=%v", packing), func(t *testing.T) {
			o := testOptions
			o.Session.IntraOpThreads, o.Batch.Workers, o.Packing = 2, 2, packing
			m, err := Load(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if m.alone == nil || m.AloneThreads != 2 || m.BusyThreads != 1 {
				t.Fatalf("sessions: alone %v, threads %d alone and %d busy; want two sessions, 2 and 1",
					m.alone != nil, m.AloneThreads, m.BusyThreads)
			}
			if err := m.Warmup(context.Background()); err != nil {
				t.Fatal(err)
			}
			// All texts in one request: the two idle workers share them, on the busy session.
			together := embedAll(t, m)
			for i, text := range packingTexts {
				// One text on an idle model runs alone.
				out, err := m.Embedder.Embed(context.Background(), pipeline.EmbedRequest{Inputs: []string{text}, Normalize: true})
				if err != nil {
					t.Fatal(err)
				}
				d := 0.0
				for k, v := range out.Sentence[0] {
					d = max(d, math.Abs(float64(v-together[i][k])))
				}
				if d > 1e-5 {
					t.Errorf("text %d: alone and busy embeddings differ by %g", i, d)
				}
			}
		})
	}
}

func TestEqualThreadsKeepOneSession(t *testing.T) {
	o := testOptions
	o.Session.IntraOpThreads, o.BusyThreads, o.Batch.Workers = 2, 2, 2
	m, err := Load(modelFolder(t, goodConfig), o)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.alone != nil {
		t.Error("opened a second session for busy batches with the same threads")
	}
}

func TestDefaultBatchTokens(t *testing.T) {
	for _, tc := range []struct {
		device        string
		cpus, workers int
		want          int
	}{
		{"cpu", 2, 2, 512},
		{"cpu", 16, 2, 4096},
		{"cpu", 1, 4, 512},
		{"cuda", 2, 2, 16384},
	} {
		if got := DefaultBatchTokens(tc.device, tc.cpus, tc.workers); got != tc.want {
			t.Errorf("DefaultBatchTokens(%s, %d cpus, %d workers) = %d, want %d", tc.device, tc.cpus, tc.workers, got, tc.want)
		}
	}
}
