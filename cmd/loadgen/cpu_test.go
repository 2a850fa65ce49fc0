package main

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

func TestParseCPUTimeCountsFromTheLastParenthesis(t *testing.T) {
	// A command name may hold spaces and parentheses; utime 250 and stime 50 ticks are 3 s.
	stat := "4242 (we ird) (name) S 1 4242 4242 0 -1 4194560 1300 0 0 0 250 50 0 0 20 0 12 0 1000 0 0"
	got, err := parseCPUTime(stat)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3*time.Second {
		t.Errorf("parseCPUTime = %v, want 3s", got)
	}
	for _, bad := range []string{"4242 no name S 1", "4242 (short) S 1 2 3", "4242 (x) S 1 2 3 4 5 6 7 8 9 10 ten 50 0"} {
		if _, err := parseCPUTime(bad); err == nil {
			t.Errorf("parseCPUTime(%q) accepted a malformed line", bad)
		}
	}
}

func TestCPUTimeGrowsWithWork(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("CPU time is read from /proc")
	}
	// This process: busy work until its CPU time has moved by a few ticks.
	start, err := cpuTime(0)
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for deadline := time.Now().Add(20 * time.Second); ; {
		for i := range 1_000_000 {
			x ^= i * i
		}
		now, err := cpuTime(0)
		if err != nil {
			t.Fatal(err)
		}
		if now-start >= 50*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPU time moved by %v in 20 s of busy work", now-start)
		}
	}
	_ = x

	// Another process, by pid: a shell that computes, measured by a meter as the load generator
	// measures a server.
	sh := exec.Command("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 5")
	sh.Stderr = os.Stderr
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sh.Process.Kill(); sh.Wait() }()
	m := startCPU(sh.Process.Pid)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ms, _ := m.perSequence(1, 1)
		if ms > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the shell's CPU time did not move in 20 s")
		}
	}
	if ms, cores := startCPU(1<<30).perSequence(10, 1); ms != 0 || cores != 0 {
		t.Errorf("a process that does not exist measured %v ms, %v cores; want zeros", ms, cores)
	}
}
