package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bertserve/bertserve/internal/testenv"
)

func TestDeviceCUDAWithACPULibraryFailsClearlyBeforeLoading(t *testing.T) {
	lib := testenv.ORTLib(t)
	m := NewMain()
	m.Stderr = io.Discard
	env := map[string]string{"BERTSERVE_ADDR": "127.0.0.1:0", "BERTSERVE_DEVICE": "cuda", "BERTSERVE_ORT_LIB": lib,
		"BERTSERVE_MODELS": filepath.Dir(testenv.ModelDir(t, "all-MiniLM-L6-v2"))}
	if err := m.ParseFlags(nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	err := m.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "--device cuda") || !strings.Contains(err.Error(), "CPU build") {
		t.Fatalf("err = %v, want a --device cuda error naming the CPU build", err)
	}
}

func TestDeviceErrors(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "libonnxruntime.so")
	if err := checkDevice("cpu", lib); err != nil {
		t.Errorf("cpu: %v", err)
	}
	if err := checkDevice("cuda", lib); err == nil {
		t.Error("cuda without the provider passed")
	}
	if err := os.WriteFile(filepath.Join(dir, "libonnxruntime_providers_cuda.so"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkDevice("cuda", lib); err != nil {
		t.Errorf("cuda with the provider: %v", err)
	}
	base := errors.New("CUDA failure 100: no CUDA-capable device is detected")
	if err := deviceError("cuda", base); !errors.Is(err, base) || !strings.Contains(err.Error(), "--gpus all") {
		t.Errorf("deviceError = %v", err)
	}
	if err := deviceError("cpu", base); err != base {
		t.Errorf("cpu error changed: %v", err)
	}
}
