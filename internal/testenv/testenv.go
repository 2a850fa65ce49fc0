// Package testenv finds what tests need from `make setup` (the ONNX Runtime library, downloaded
// models) and skips a test when it is absent, unless BERTSERVE_REQUIRE_SETUP=1 (set by `make test`)
// turns the skip into a failure so that a missing install step cannot pass unnoticed.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root is the repository's root folder.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// ORTLib returns the ONNX Runtime library that `make setup` installs.
func ORTLib(t testing.TB) string {
	t.Helper()
	p := os.Getenv("BERTSERVE_ORT_LIB")
	if p == "" {
		p = filepath.Join(Root(), ".cache", "libonnxruntime.so")
	}
	return require(t, p)
}

// ModelDir returns models/<name>, as `make setup` lays it out.
func ModelDir(t testing.TB, name string) string {
	t.Helper()
	return filepath.Dir(require(t, filepath.Join(Root(), "models", name, "model.onnx")))
}

// SharedData returns a file of the shared evaluation data beside the repository (../shared/data).
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	return require(t, filepath.Join(Root(), "..", "shared", "data", rel))
}

func require(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("BERTSERVE_REQUIRE_SETUP") == "1" {
			t.Fatalf("%s missing (run `make setup`): %v", path, err)
		}
		t.Skipf("%s missing (run `make setup`)", path)
	}
	return path
}
