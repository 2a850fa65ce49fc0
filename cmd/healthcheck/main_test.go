package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCheckAsksHealthzOnThePortOfBERTSERVE_ADDR(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	if err := check(":" + port); err != nil {
		t.Errorf("healthy server: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := check("0.0.0.0:" + port); err == nil {
		t.Error("503 passed")
	}
	if err := check("nonsense"); err == nil {
		t.Error("bad address passed")
	}
}
