package main

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bertserve/bertserve/internal/testenv"
)

// chromium finds a headless-capable Chromium: $BERTSERVE_CHROMIUM, else one on PATH.
// `make test` installs Debian's (scripts/install-chromium.sh) and sets BERTSERVE_REQUIRE_BROWSER.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BERTSERVE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("BERTSERVE_REQUIRE_BROWSER") == "1" {
		t.Fatal("no chromium found (scripts/install-chromium.sh installs it)")
	}
	t.Skip("no chromium found; scripts/install-chromium.sh installs it")
	return ""
}

// browserFlags keep Chromium's own services (updates, sync, accounts) off the network, and resolve
// every host but the test server's to nothing, so that the page can only work from the server.
var browserFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
	"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--virtual-time-budget=20000",
}

func runBrowser(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args = append(append([]string{"--user-data-dir=" + t.TempDir()}, browserFlags...), args...)
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	return out
}

// TestDocsPageRendersOfflineInABrowser loads /docs in headless Chromium: Swagger UI must render
// every operation from the server's own openapi.yaml, the page must request nothing but the server
// (checked in Chromium's network log), and a screenshot is kept as a test artifact
// ($BERTSERVE_ARTIFACTS, default .cache/artifacts/docs.png).
func TestDocsPageRendersOfflineInABrowser(t *testing.T) {
	bin := chromium(t)
	url := startServer(t)
	artifacts := os.Getenv("BERTSERVE_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(testenv.Root(), ".cache", "artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "docs.png")
	netLog := filepath.Join(t.TempDir(), "net.json")
	runBrowser(t, bin, "--window-size=1280,2400", "--log-net-log="+netLog, "--screenshot="+shot, url+"/docs")
	t.Logf("screenshot of /docs: %s", shot)

	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	colours := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("the screenshot looks blank (%d colours)", len(colours))
	}

	requested := pageRequests(t, netLog, url)
	for _, want := range []string{"/docs", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/init.js", "/openapi.yaml"} {
		if !requested[url+want] {
			t.Errorf("the page did not load %s (it loaded %v)", want, requested)
		}
	}
	for u := range requested {
		if !strings.HasPrefix(u, url+"/") {
			t.Errorf("the page requested %s, outside the server", u)
		}
	}

	dom := string(runBrowser(t, bin, "--dump-dom", url+"/docs"))
	for _, want := range []string{`data-path="/v1/embeddings"`, `data-path="/embed"`, `data-path="/v1/embed"`, "bertserve"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %s", want)
		}
	}
}

// pageRequests lists the URLs that the page at origin, and its navigation, asked for, from a
// Chromium NetLog: URL_REQUEST_START_JOB events initiated by the page (Chromium's own background
// requests have no initiator).
func pageRequests(t *testing.T, path, origin string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int `json:"type"`
			Params struct {
				URL       string `json:"url"`
				Initiator string `json:"initiator"`
			} `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("net log: %v", err)
	}
	start, ok := log.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	if !ok {
		t.Fatal("net log has no URL_REQUEST_START_JOB event type")
	}
	out := map[string]bool{}
	for _, e := range log.Events {
		if e.Type == start && (e.Params.Initiator == origin || e.Params.URL == origin+"/docs") {
			out[e.Params.URL] = true
		}
	}
	return out
}
