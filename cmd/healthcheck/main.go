// Command healthcheck is the container image's HEALTHCHECK: it asks the server on this machine for
// /healthz and exits 0 when it answers 200. It is a separate static binary so that the image needs
// no curl. The port comes from $BERTSERVE_ADDR (default :8080), as the server's does.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	if err := check(os.Getenv("BERTSERVE_ADDR")); err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

// check asks the server listening on addr (host:port; an empty host means this machine).
func check(addr string) error {
	if addr == "" {
		addr = ":8080"
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("BERTSERVE_ADDR %q: %w", addr, err)
	}
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz answered %d", resp.StatusCode)
	}
	return nil
}
