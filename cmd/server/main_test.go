package main

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
)

// TestMain validates every response that any test of this package gets through Go's default HTTP
// client (http.Get, http.Post, http.DefaultClient) against openapi.yaml, as the generated client's
// tests do: a status the spec does not document for the route, or a body that does not match its
// schema, fails the run. Requests to paths the spec does not have (tests of unknown routes) are
// not checked.
func TestMain(m *testing.M) {
	check, err := loadSpecCheck()
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi.yaml:", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	var problems []string
	check.lenient = true
	check.errorf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	http.DefaultClient.Transport = check
	code := m.Run()
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "response not as openapi.yaml says:", p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d responses did not match openapi.yaml\n", len(problems))
		code = 1
	}
	os.Exit(code)
}
