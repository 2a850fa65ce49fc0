package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func parse(args []string, env map[string]string) (*Main, error) {
	m := NewMain()
	m.Stderr = &bytes.Buffer{}
	return m, m.ParseFlags(args, func(k string) string { return env[k] })
}

func TestFlagsDefaults(t *testing.T) {
	m, err := parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.Addr != ":8080" || c.ModelsDir != "./models" || c.ORTLib != "" || c.Workers != 2 || c.Device != "cpu" ||
		c.ShutdownTimeout != 30*time.Second {
		t.Errorf("defaults: %+v", c)
	}
}

func TestFlagsBeatEnvironmentWhichBeatsDefaults(t *testing.T) {
	env := map[string]string{"BERTSERVE_ADDR": ":9000", "BERTSERVE_THREADS": "3", "BERTSERVE_MODELS": "/m"}
	m, err := parse([]string{"--addr", ":9100"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Addr != ":9100" || m.Config.Threads != 3 || m.Config.ModelsDir != "/m" {
		t.Errorf("got %+v", m.Config)
	}
}

func TestFlagsRefuseBadValues(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--workers", "0"}, nil, "--workers"},
		{[]string{"--max-concurrent-requests", "-1"}, nil, "--max-concurrent-requests"},
		{[]string{"--request-timeout", "-1s"}, nil, "--request-timeout"},
		{[]string{"--batch-fill-wait", "-1ms"}, nil, "--batch-fill-wait"},
		{[]string{"--device", "tpu"}, nil, "--device"},
		{[]string{"--threads", "-1"}, nil, "--threads"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{nil, map[string]string{"BERTSERVE_THREADS": "many"}, "BERTSERVE_THREADS"},
		{[]string{"extra"}, nil, "unexpected arguments"},
	}
	for _, tc := range tests {
		if _, err := parse(tc.args, tc.env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err = %v, want mention of %s", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestHelpListsEveryFlagWithItsEnvironmentVariable(t *testing.T) {
	m := NewMain()
	var out bytes.Buffer
	m.Stderr = &out
	if err := m.ParseFlags([]string{"--help"}, func(string) string { return "" }); !errors.Is(err, errHelp) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"-addr", "BERTSERVE_ADDR", "-models", "BERTSERVE_MODELS", "-ort-lib", "BERTSERVE_ORT_LIB", "-threads", "BERTSERVE_THREADS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %s", want)
		}
	}
}
