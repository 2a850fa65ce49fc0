package api_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/bertserve/bertserve/internal/api"
)

// TestDocsAssetsMatchTheirRecordedDigests keeps webdocs/ASSETS.md true: every third-party file it
// lists has the recorded sha256.
func TestDocsAssetsMatchTheirRecordedDigests(t *testing.T) {
	f, err := os.Open("webdocs/ASSETS.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checked := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "|")
		if len(cols) != 7 || len(strings.TrimSpace(cols[5])) != 64 {
			continue
		}
		name, want := strings.TrimSpace(cols[1]), strings.TrimSpace(cols[5])
		data, err := os.ReadFile("webdocs/" + name)
		if err != nil {
			t.Error(err)
			continue
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s: sha256 %x, ASSETS.md records %s", name, sum, want)
		}
		checked++
	}
	if checked < 2 {
		t.Errorf("only %d assets checked", checked)
	}
}

func TestDocsPageAndAssetsAreServedFromTheBinary(t *testing.T) {
	s := newServerWith(t, api.Config{})
	for path, wantType := range map[string]string{
		"/docs":                          "text/html",
		"/docs/swagger-ui-bundle.js":     "text/javascript",
		"/docs/swagger-ui.css":           "text/css",
		"/docs/init.js":                  "text/javascript",
		"/docs/../openapi.yaml":          "",
		"/docs/swagger-ui-bundle.js.map": "",
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if wantType == "" {
			if rec.Code == http.StatusOK && strings.HasPrefix(path, "/docs/swagger") {
				t.Errorf("%s: served", path)
			}
			continue
		}
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), wantType) {
			t.Errorf("%s: status %d type %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: no CSP", path)
		}
	}
}
