package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	bertserve "github.com/bertserve/bertserve"
	"github.com/bertserve/bertserve/internal/api"
	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/model"
	"github.com/bertserve/bertserve/internal/ort"
)

// Main is the program: ParseFlags, then Run. Tests drive it the same way main does.
type Main struct {
	Config Config
	Stdout io.Writer
	Stderr io.Writer

	// addr receives the bound address once the listener is open (tests listen on port 0).
	addr chan string
}

// NewMain returns a Main writing to the process's stdout and stderr.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, addr: make(chan string, 1)}
}

// Run loads the models, serves until ctx ends, then drains in-flight requests and releases
// everything.
func (m *Main) Run(ctx context.Context) error {
	c := &m.Config
	log := c.logger(m.Stderr)
	keys, err := c.apiKeys()
	if err != nil {
		return err
	}

	lib := c.ORTLib
	if lib == "" {
		var err error
		if lib, err = ort.FindLibrary(); err != nil {
			return err
		}
	}
	if err := checkDevice(c.Device, lib); err != nil {
		return err
	}
	if err := ort.Init(lib); err != nil {
		return err
	}
	defer ort.Shutdown()
	log.Info("onnxruntime loaded", "library", lib, "version", ort.Version())

	// GOMAXPROCS follows a container's CPU limit (docker run --cpus), which NumCPU does not see.
	cpus, memLimit := runtime.GOMAXPROCS(0), memoryLimit(os.DirFS("/"))
	if c.MaxBatchTokens == 0 {
		c.MaxBatchTokens = model.DefaultBatchTokens(c.Device, cpus, c.Workers)
	}
	log.Info("resources", "cpus", cpus, "memory_limit_bytes", memLimit, "max_batch_tokens", c.MaxBatchTokens)

	met := metrics.New()
	start := time.Now()
	reg, err := model.LoadAll(c.ModelsDir, model.Options{
		Session:     ort.Options{IntraOpThreads: c.Threads, InterOpThreads: 1, Device: c.Device, DisableSpinning: !c.ORTSpin},
		BusyThreads: c.BusyThreads,
		CPUs:        cpus,
		MemoryLimit: memLimit,
		Batch: batch.Config{
			MaxBatchTokens: c.MaxBatchTokens, MaxBatchSize: c.MaxBatchSize,
			Workers: c.Workers, MaxQueued: c.MaxQueued, FillWait: c.FillWait,
		},
		Metrics: met,
		Packing: c.Packing,
	})
	if err != nil {
		return deviceError(c.Device, err)
	}
	defer reg.Close()
	for _, mod := range reg.Models() {
		log.Info("model loaded", "name", mod.Config.Name, "task", mod.Config.Task, "dir", mod.Dir,
			"max_length", mod.Config.MaxLength, "dimension", mod.Dimension, "packed", mod.Packed,
			"threads_alone", mod.AloneThreads, "threads_busy", mod.BusyThreads)
		if mod.PackingOff != "" {
			log.Info("model runs padded batches", "name", mod.Config.Name, "why", mod.PackingOff)
		}
	}
	log.Info("models ready", "count", len(reg.Models()), "seconds", time.Since(start).Seconds())

	srv, err := api.New(reg, api.Config{
		MaxInputs: c.MaxClientBatch, MaxBodyBytes: c.MaxBodyBytes,
		Spec: bertserve.OpenAPI, Logger: log, Metrics: met,
		APIKeys: keys, AuthMetrics: c.AuthMetrics, CORSOrigins: splitList(c.CORSOrigins),
		Version: version, MaxBatchTokens: c.MaxBatchTokens, MaxBatchRequests: c.MaxBatchSize, MaxQueued: c.MaxQueued,
		MaxConcurrent: c.MaxConcurrent, RequestTimeout: c.RequestTimeout,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.Addr, err)
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	if m.addr != nil {
		m.addr <- ln.Addr().String()
	}

	// Readiness waits for one forward pass per model, so the first real request is not the slow one.
	go func() {
		if err := reg.Warmup(ctx); err != nil {
			log.Error("warm-up failed; staying unready", "err", err)
			return
		}
		srv.SetReady(true)
		log.Info("ready")
	}()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", c.ShutdownTimeout.String())
	srv.SetReady(false)
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
