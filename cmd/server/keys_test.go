package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAPIKeysComeFromTheFlagAndTheFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(file, []byte("# team keys\nfile-key-1\n\n  file-key-2  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Config{APIKey: "flag-key, other-flag-key,", APIKeyFile: file}
	keys, err := c.apiKeys()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"flag-key", "other-flag-key", "file-key-1", "file-key-2"}; !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}

	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{{APIKeyFile: empty}, {APIKeyFile: filepath.Join(t.TempDir(), "missing")}} {
		if _, err := c.apiKeys(); err == nil || !strings.Contains(err.Error(), "--api-key-file") {
			t.Errorf("%s: err = %v", c.APIKeyFile, err)
		}
	}
	if keys, err := (&Config{}).apiKeys(); err != nil || len(keys) != 0 {
		t.Errorf("no keys: %q %v", keys, err)
	}
}

func TestAuthFlagsHaveEnvironmentVariables(t *testing.T) {
	m, err := parse(nil, map[string]string{
		"BERTSERVE_API_KEY": "k", "BERTSERVE_AUTH_METRICS": "true", "BERTSERVE_CORS_ALLOW_ORIGINS": "https://a.example,*",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config; c.APIKey != "k" || !c.AuthMetrics || c.CORSOrigins != "https://a.example,*" {
		t.Errorf("config %+v", m.Config)
	}
	if _, err := parse(nil, map[string]string{"BERTSERVE_AUTH_METRICS": "maybe"}); err == nil {
		t.Error("BERTSERVE_AUTH_METRICS=maybe accepted")
	}
}
