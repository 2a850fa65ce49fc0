package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bertserve/bertserve/internal/api"
	"github.com/bertserve/bertserve/internal/testenv"
)

// readmeCurls returns the curl command lines of the README's code blocks.
func readmeCurls(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(testenv.Root(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	inCode := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if inCode && strings.HasPrefix(line, "curl ") {
			lines = append(lines, line)
		}
	}
	return lines
}

var curlURL = regexp.MustCompile(`localhost:8080(/[^\s'"]*)`)

// TestREADMECurlExamplesWork runs every curl line of the README against the real server, so that
// the examples cannot rot, and checks that every route has one. A task route whose model is not
// installed (400 wrong_task, or 424 for TEI) is logged, not failed: its example still ran.
func TestREADMECurlExamplesWork(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	url := startServer(t)
	host := strings.TrimPrefix(url, "http://")
	lines := readmeCurls(t)
	covered := map[string]bool{}
	for _, line := range lines {
		m := curlURL.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("%s: no localhost:8080 URL", line)
			continue
		}
		method := "GET"
		if strings.Contains(line, " -d ") {
			method = "POST"
		}
		covered[method+" "+m[1]] = true
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, "sh", "-c", strings.ReplaceAll(line, "localhost:8080", host)+` -o "$BODY" -w '%{http_code}'`)
		body := filepath.Join(t.TempDir(), "body")
		cmd.Env = append(os.Environ(), "BODY="+body)
		out, err := cmd.Output()
		cancel()
		if err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				t.Errorf("%s: curl failed: %v %s", line, err, exit.Stderr)
			} else {
				t.Errorf("%s: %v", line, err)
			}
			continue
		}
		answer, _ := os.ReadFile(body)
		switch status := string(out); {
		case status == "200":
		case status == "400" && bytes.Contains(answer, []byte(`"wrong_task"`)),
			status == "424" && bytes.Contains(answer, []byte(`"backend"`)):
			t.Logf("%s: no model for this task is installed: %.200s", line, answer)
		default:
			t.Errorf("%s: status %s: %.300s", line, status, answer)
		}
	}

	s, err := api.New(nil, api.Config{MaxInputs: 1, MaxBodyBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	routes, err := s.Routes()
	if err != nil {
		t.Fatal(err)
	}
	for _, route := range routes {
		pattern := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[a-z]+\\\}`).ReplaceAllString(regexp.QuoteMeta(route), `[^/]+`) + "$")
		found := false
		for c := range covered {
			if pattern.MatchString(c) {
				found = true
			}
		}
		if !found {
			t.Errorf("README has no curl example for %s", route)
		}
	}
}

// TestEveryFlagHasAnEnvironmentVariableAndAREADMERow reads --help and the README's configuration
// table, so that a new flag cannot go undocumented.
func TestEveryFlagHasAnEnvironmentVariableAndAREADMERow(t *testing.T) {
	m := NewMain()
	var help bytes.Buffer
	m.Stderr = &help
	if err := m.ParseFlags([]string{"--help"}, func(string) string { return "" }); !errors.Is(err, errHelp) {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(testenv.Root(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	envOf := regexp.MustCompile(`\(env (BERTSERVE_[A-Z_]+)\)`)
	text := help.String()
	flags := flagLine.FindAllStringSubmatchIndex(text, -1)
	if len(flags) < 15 {
		t.Fatalf("only %d flags in --help:\n%s", len(flags), text)
	}
	for i, f := range flags {
		name := text[f[2]:f[3]]
		end := len(text)
		if i+1 < len(flags) {
			end = flags[i+1][0]
		}
		env := envOf.FindStringSubmatch(text[f[0]:end])
		if env == nil {
			t.Errorf("--%s: --help names no environment variable", name)
			continue
		}
		row := "| `--" + name + "` | `" + env[1] + "` |"
		if !bytes.Contains(readme, []byte(row)) {
			t.Errorf("README's configuration table has no row starting %s", row)
		}
	}
}
