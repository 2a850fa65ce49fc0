package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// checkDevice fails fast, before any model loads, when --device cuda cannot work because the ONNX
// Runtime library has no CUDA execution provider beside it (ONNX Runtime loads providers from the
// library's folder): the CPU build that `make setup` installs has none.
func checkDevice(device, lib string) error {
	if device != "cuda" {
		return nil
	}
	provider := filepath.Join(filepath.Dir(lib), "libonnxruntime_providers_cuda.so")
	if _, err := os.Stat(provider); err != nil {
		return fmt.Errorf("--device cuda: the ONNX Runtime library %s is a CPU build (no %s beside it); "+
			"use the CUDA build (Dockerfile.cuda installs it) or --device cpu", lib, filepath.Base(provider))
	}
	return nil
}

// deviceError explains a model load that failed on --device cuda: with the CUDA provider present,
// the usual causes are no visible GPU or missing CUDA/cuDNN libraries.
func deviceError(device string, err error) error {
	if device != "cuda" || err == nil {
		return err
	}
	return fmt.Errorf("--device cuda: CUDA is unavailable (is an NVIDIA GPU visible, e.g. docker run --gpus all, "+
		"with CUDA 12 and cuDNN 9 libraries on the library path?): %w", err)
}
