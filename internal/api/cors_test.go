package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bertserve/bertserve/internal/api"
)

func TestCORSAllowsOnlyListedOrigins(t *testing.T) {
	s := newServerWith(t, api.Config{CORSOrigins: []string{"https://app.example"}, APIKeys: []string{"k"}})
	tests := []struct {
		name, method, origin string
		preflight            bool
		wantStatus           int
		wantAllow            string
	}{
		{"preflight from a listed origin, without a key", http.MethodOptions, "https://app.example", true, http.StatusNoContent, "https://app.example"},
		{"preflight from another origin", http.MethodOptions, "https://evil.example", true, http.StatusMethodNotAllowed, ""},
		{"request from a listed origin", http.MethodGet, "https://app.example", false, http.StatusOK, "https://app.example"},
		{"request from another origin", http.MethodGet, "https://evil.example", false, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/healthz", nil)
			req.Header.Set("Origin", tc.origin)
			if tc.preflight {
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || rec.Header().Get("Access-Control-Allow-Origin") != tc.wantAllow {
				t.Errorf("status %d allow-origin %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
			}
			if tc.wantAllow != "" && rec.Header().Get("Access-Control-Expose-Headers") == "" {
				t.Error("no Access-Control-Expose-Headers")
			}
		})
	}
}

func TestCORSWildcard(t *testing.T) {
	s := newServerWith(t, api.Config{CORSOrigins: []string{"*"}})
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("headers %v", rec.Header())
	}
}
