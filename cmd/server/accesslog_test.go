package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a bytes.Buffer safe for the server's and the test's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestAccessLogIsOneJSONLinePerRequest(t *testing.T) {
	var logs lockedBuffer
	url := startServerLogging(t, nil, &logs)
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/embeddings", strings.NewReader(`{"input": "Hello, my dog is cute"}`))
	req.Header.Set("X-Request-Id", "access-log-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") != "access-log-test" {
		t.Fatalf("status %d, X-Request-Id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if line["request_id"] != "access-log-test" {
			continue
		}
		if line["msg"] != "request" || line["route"] != "/v1/embeddings" || line["model"] != "all-MiniLM-L6-v2" ||
			line["status"] != float64(200) || line["tokens"] != float64(8) || line["latency_ms"] == nil || line["method"] != "POST" {
			t.Errorf("access log line %s", sc.Text())
		}
		return
	}
	t.Fatalf("no access log line for the request in:\n%s", logs.String())
}
