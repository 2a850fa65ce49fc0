package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// apiKeys gathers the keys of --api-key and --api-key-file.
func (c *Config) apiKeys() ([]string, error) {
	keys := splitList(c.APIKey)
	if c.APIKeyFile != "" {
		f, err := os.Open(c.APIKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--api-key-file: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				keys = append(keys, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("--api-key-file: %w", err)
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("--api-key-file %s holds no key", c.APIKeyFile)
		}
	}
	return keys, nil
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
