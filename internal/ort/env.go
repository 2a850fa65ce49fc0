package ort

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"
)

// The ONNX Runtime environment is process-wide in the C library, so it is guarded here rather than
// owned by a value: the first Init loads the library and later calls must name the same one.
var (
	envMu   sync.Mutex
	envLib  string
	envRefs int
)

// Init loads the ONNX Runtime shared library at libPath and creates the process-wide environment.
// It may be called more than once with the same path (each call needs a matching Shutdown).
func Init(libPath string) error {
	envMu.Lock()
	defer envMu.Unlock()
	if envRefs > 0 {
		if libPath != envLib {
			return fmt.Errorf("onnxruntime already loaded from %s, cannot also load %s", envLib, libPath)
		}
		envRefs++
		return nil
	}
	if _, err := os.Stat(libPath); err != nil {
		return fmt.Errorf("onnxruntime library: %w (run `make setup`, or pass --ort-lib)", err)
	}
	onnx.SetSharedLibraryPath(libPath)
	if err := onnx.InitializeEnvironment(onnx.WithLogLevelError()); err != nil {
		return fmt.Errorf("load onnxruntime %s: %w", libPath, err)
	}
	envLib, envRefs = libPath, 1
	return nil
}

// Shutdown releases one Init; the environment is destroyed with the last one.
func Shutdown() error {
	envMu.Lock()
	defer envMu.Unlock()
	if envRefs == 0 {
		return nil
	}
	envRefs--
	if envRefs > 0 {
		return nil
	}
	envLib = ""
	return onnx.DestroyEnvironment()
}

// Version reports the loaded ONNX Runtime's version string.
func Version() string { return onnx.GetVersion() }

// FindLibrary returns the first existing ONNX Runtime library among the usual places: the cache that
// `make setup` fills (relative to the working directory and to the executable), then the system's.
func FindLibrary() (string, error) {
	var candidates []string
	if cache := os.Getenv("BERTSERVE_CACHE"); cache != "" {
		candidates = append(candidates, filepath.Join(cache, "libonnxruntime.so"))
	}
	candidates = append(candidates, filepath.Join(".cache", "libonnxruntime.so"))
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		candidates = append(candidates,
			filepath.Join(dir, ".cache", "libonnxruntime.so"),
			filepath.Join(dir, "..", ".cache", "libonnxruntime.so"),
			filepath.Join(dir, "..", "lib", "libonnxruntime.so"))
	}
	candidates = append(candidates,
		"/usr/local/lib/libonnxruntime.so", "/usr/lib/libonnxruntime.so",
		"/usr/local/lib/libonnxruntime.so.1", "/usr/lib/libonnxruntime.so.1")
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return filepath.Abs(c)
		}
	}
	return "", errors.New("onnxruntime library not found (run `make setup`, or pass --ort-lib)")
}
