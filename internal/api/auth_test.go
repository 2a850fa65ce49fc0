package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	bertserve "github.com/bertserve/bertserve"
	"github.com/bertserve/bertserve/internal/api"
)

func newServerWith(t *testing.T, cfg api.Config) *api.Server {
	t.Helper()
	cfg.MaxInputs, cfg.MaxBodyBytes, cfg.Spec = 8, 1<<10, bertserve.OpenAPI
	s, err := api.New(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// concrete turns a route pattern into a path that matches it.
func concrete(pattern string) string {
	return strings.NewReplacer("{asset}", "init.js").Replace(pattern)
}

// TestEveryProtectedRouteNeedsAKey walks the router, so that a route added later is covered too.
func TestEveryProtectedRouteNeedsAKey(t *testing.T) {
	public := map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /health": true, "GET /metrics": true}
	s := newServerWith(t, api.Config{APIKeys: []string{"s3cret", "other-key"}})
	routes, err := s.Routes()
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) < 15 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, route := range routes {
		method, pattern, _ := strings.Cut(route, " ")
		for _, tc := range []struct {
			name, header, value string
			want401             bool
		}{
			{"no key", "", "", !public[route]},
			{"wrong key", "Authorization", "Bearer s3cre", !public[route]},
			{"not bearer", "Authorization", "Basic s3cret", !public[route]},
			{"key of another length", "X-API-Key", "s3cret-and-more", !public[route]},
			{"bearer key", "Authorization", "Bearer s3cret", false},
			{"second key", "Authorization", "bearer other-key", false},
			{"X-API-Key", "X-API-Key", "s3cret", false},
		} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(method, concrete(pattern), strings.NewReader(`{}`))
			if tc.header != "" {
				req.Header.Set(tc.header, tc.value)
			}
			s.ServeHTTP(rec, req)
			if got := rec.Code == http.StatusUnauthorized; got != tc.want401 {
				t.Errorf("%s, %s: status %d, want 401: %v", route, tc.name, rec.Code, tc.want401)
				continue
			}
			if rec.Code != http.StatusUnauthorized {
				continue
			}
			var body api.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "unauthorized" || body.Error.Message == "" {
				t.Errorf("%s, %s: body %s", route, tc.name, rec.Body)
			}
			if rec.Header().Get("WWW-Authenticate") == "" || rec.Header().Get("X-Request-Id") == "" {
				t.Errorf("%s, %s: headers %v", route, tc.name, rec.Header())
			}
		}
	}
}

func TestMetricsNeedAKeyWhenConfigured(t *testing.T) {
	s := newServerWith(t, api.Config{APIKeys: []string{"k"}, AuthMetrics: true})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("/metrics without a key: %d", rec.Code)
	}
}

func TestWithoutKeysNothingIsProtected(t *testing.T) {
	s := newServerWith(t, api.Config{})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/models", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/v1/models: %d", rec.Code)
	}
}

func TestBadKeysAndOriginsAreRefusedAtConstruction(t *testing.T) {
	for _, cfg := range []api.Config{
		{APIKeys: []string{""}},
		{APIKeys: []string{" padded "}},
		{CORSOrigins: []string{"example.com"}},
	} {
		cfg.MaxInputs, cfg.MaxBodyBytes = 1, 1
		if _, err := api.New(nil, cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// TestMiddlewareErrorsOnTEIRoutesAreTEIShaped: a panic on a TEI route is answered as TEI answers
// errors, not with bertserve's error body.
func TestMiddlewareErrorsOnTEIRoutesAreTEIShaped(t *testing.T) {
	s := newServerWith(t, api.Config{}) // nil models: the handler panics, the recoverer answers
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/embed", strings.NewReader(`{"inputs": "x"}`)))
	var body api.TEIError
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusFailedDependency || body.ErrorType != "backend" {
		t.Errorf("status %d body %s", rec.Code, rec.Body)
	}
}
