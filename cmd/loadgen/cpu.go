package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat: Linux fixes it at 100 a second for
// every architecture it reports to user space.
const userHZ = 100

// cpuTime is the CPU time, user and system, that process pid has used so far; pid 0 means this
// process. It reads /proc, so elsewhere than on Linux, or once the process has gone, it fails.
func cpuTime(pid int) (time.Duration, error) {
	name := "self"
	if pid > 0 {
		name = strconv.Itoa(pid)
	}
	data, err := os.ReadFile("/proc/" + name + "/stat")
	if err != nil {
		return 0, err
	}
	return parseCPUTime(string(data))
}

// parseCPUTime reads utime and stime, fields 14 and 15 of a /proc/<pid>/stat line. The command
// name, field 2, is in parentheses and may itself hold spaces and parentheses, so the fields are
// counted from the last ')'.
func parseCPUTime(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat line %.40q has no command name", stat)
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, fmt.Errorf("stat line %.40q has %d fields after the name, want at least 13", stat, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("stat line: CPU time %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// cpuMeter measures the CPU time a process uses between start and its stop.
type cpuMeter struct {
	pid   int
	start time.Duration
	err   error
}

func startCPU(pid int) *cpuMeter {
	m := &cpuMeter{pid: pid}
	m.start, m.err = cpuTime(pid)
	return m
}

// perSequence returns the CPU time used since start, in milliseconds per sequence, and the cores
// it kept busy on average over seconds; zeros when it could not be read.
func (m *cpuMeter) perSequence(sequences int, seconds float64) (ms, cores float64) {
	end, err := cpuTime(m.pid)
	if m.err != nil || err != nil || sequences == 0 || seconds <= 0 {
		return 0, 0
	}
	used := (end - m.start).Seconds()
	return 1000 * used / float64(sequences), used / seconds
}
