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
	cores := runtime.NumCPU()
	small, large := int64(90<<20), int64(busySessionMaxBytes+1)
	for _, tc := range []struct {
		name        string
		threads     int
		busy        int
		workers     int
		device      string
		graph       int64
		alone, want int
	}{
		{"default: a core per worker when busy", 4, 0, 2, "", small, 4, 2},
		{"default threads are one per core", 0, 0, 1, "", small, cores, cores},
		{"never below one thread", 2, 0, 4, "", small, 2, 1},
		{"busy threads as asked", 4, 3, 2, "", small, 4, 3},
		{"a large graph keeps one session", 4, 0, 2, "", large, 4, 4},
		{"a large graph gets what is asked", 4, 1, 2, "", large, 4, 1},
		{"a GPU runs one session", 4, 1, 2, "cuda", small, 4, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{
				Session:     ort.Options{IntraOpThreads: tc.threads, Device: tc.device},
				BusyThreads: tc.busy,
				Batch:       batch.Config{Workers: tc.workers},
			}
			alone, busy := threadLayout(o, tc.graph)
			if alone != tc.alone || busy != tc.want {
				t.Errorf("threadLayout = %d alone, %d busy; want %d, %d", alone, busy, tc.alone, tc.want)
			}
		})
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
