package api_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	bertserve "github.com/bertserve/bertserve"
	"github.com/bertserve/bertserve/internal/api"
)

func newServer(t *testing.T) *api.Server {
	t.Helper()
	s, err := api.New(nil, api.Config{MaxInputs: 8, MaxBodyBytes: 1 << 10, Spec: bertserve.OpenAPI})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRouterAndSpecAgree fails when a route is served but not documented, or documented but not
// served.
func TestRouterAndSpecAgree(t *testing.T) {
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(bertserve.OpenAPI, &spec); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, ops := range spec.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete", "head", "options":
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	served, err := newServer(t).Routes()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(documented)
	sort.Strings(served)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is served but not in openapi.yaml", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("%s is in openapi.yaml but not served", r)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	if _, err := api.New(nil, api.Config{MaxInputs: 0, MaxBodyBytes: 1}); err == nil {
		t.Error("MaxInputs 0 accepted")
	}
	if _, err := api.New(nil, api.Config{MaxInputs: 1, MaxBodyBytes: 0}); err == nil {
		t.Error("MaxBodyBytes 0 accepted")
	}
}

func TestReadinessFollowsSetReady(t *testing.T) {
	s := newServer(t)
	get := func() int {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code
	}
	if got := get(); got != http.StatusServiceUnavailable {
		t.Errorf("before SetReady: %d", got)
	}
	s.SetReady(true)
	if got := get(); got != http.StatusOK {
		t.Errorf("after SetReady: %d", got)
	}
}

func TestOversizedBodyIs413(t *testing.T) {
	s := newServer(t)
	rec := httptest.NewRecorder()
	body := `{"inputs": "` + strings.Repeat("a", 2<<10) + `"}`
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/embed", strings.NewReader(body)))
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"input_too_long"`) {
		t.Errorf("status %d body %s", rec.Code, rec.Body)
	}
}

func TestWrongMethodIsJSON405(t *testing.T) {
	s := newServer(t)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/embed", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("status %d type %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}
