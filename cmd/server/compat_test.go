package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bertserve/bertserve/internal/testenv"
)

// startServerWith starts another instance of the real program with extra environment, for tests
// that need a configuration the shared server does not have; it stops when the test ends.
func startServerWith(t *testing.T, extra map[string]string) string {
	t.Helper()
	return startServerLogging(t, extra, io.Discard)
}

// startServerLogging is startServerWith, writing the server's logs to stderr.
func startServerLogging(t *testing.T, extra map[string]string, stderr io.Writer) string {
	t.Helper()
	env := map[string]string{
		"BERTSERVE_ADDR": "127.0.0.1:0", "BERTSERVE_ORT_LIB": testenv.ORTLib(t),
		"BERTSERVE_MODELS": filepath.Dir(testenv.ModelDir(t, "all-MiniLM-L6-v2")),
	}
	for k, v := range extra {
		env[k] = v
	}
	url, stop, err := launch(env, stderr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

// launch runs the real program with env as its environment until stop is called, and returns its
// URL once /readyz says it is ready.
func launch(env map[string]string, stderr io.Writer) (url string, stop func(), err error) {
	m := NewMain()
	m.Stderr = stderr
	if err := m.ParseFlags(nil, func(k string) string { return env[k] }); err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	stop = func() {
		cancel()
		<-done
	}
	select {
	case addr := <-m.addr:
		url = "http://" + addr
	case err := <-done:
		cancel()
		return "", nil, fmt.Errorf("server: %w", err)
	case <-time.After(2 * time.Minute):
		stop()
		return "", nil, fmt.Errorf("server did not start")
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, stop, nil
			}
		}
	}
	stop()
	return "", nil, fmt.Errorf("server not ready after 2 minutes")
}

// TestOfficialClients drives the server with OpenAI's Python client and huggingface_hub's TEI
// client (scripts/compat_tests/run.py), with API keys on. BERTSERVE_COMPAT_PYTHON names a Python
// that has scripts/requirements-compat.txt installed; `make test` sets it up.
func TestOfficialClients(t *testing.T) {
	python := os.Getenv("BERTSERVE_COMPAT_PYTHON")
	if python == "" {
		if os.Getenv("BERTSERVE_REQUIRE_SETUP") == "1" {
			t.Fatal("BERTSERVE_COMPAT_PYTHON is not set (`make test` sets it)")
		}
		t.Skip("BERTSERVE_COMPAT_PYTHON is not set; `make compat-venv` makes one")
	}
	url := startServerWith(t, map[string]string{"BERTSERVE_API_KEY": "compat-key,another-key"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := testenv.Root()
	cmd := exec.CommandContext(ctx, python, filepath.Join(root, "scripts", "compat_tests", "run.py"), url, "compat-key",
		filepath.Join(root, "testdata", "reference", "all-MiniLM-L6-v2.json"))
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatal(fmt.Errorf("compat checks: %w", err))
	}
}
