package main

import (
	"testing"
	"testing/fstest"
)

func TestMemoryLimitFromTheCgroup(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tc := range []struct {
		name  string
		files fstest.MapFS
		want  int64
	}{
		{"v2 container: docker run --memory 512m", fstest.MapFS{
			"proc/self/cgroup":          file("0::/\n"),
			"sys/fs/cgroup/memory.max":  file("536870912\n"),
			"sys/fs/cgroup/cpu.max":     file("max 100000\n"),
			"sys/fs/cgroup/memory.high": file("max\n"),
		}, 512 << 20},
		{"v2 without a limit", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("max\n"),
		}, 0},
		{"v2 systemd service under a limited slice: the lowest on the path", fstest.MapFS{
			"proc/self/cgroup": file("0::/system.slice/bertserve.service\n"),
			"sys/fs/cgroup/system.slice/bertserve.service/memory.max": file("max\n"),
			"sys/fs/cgroup/system.slice/memory.max":                   file("2147483648\n"),
		}, 2 << 30},
		{"v1 container: the container's cgroup mounted at the top", fstest.MapFS{
			"proc/self/cgroup":                           file("12:pids:/docker/4f1c\n4:memory:/docker/4f1c\n2:cpu,cpuacct:/docker/4f1c\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes": file("1073741824\n"),
		}, 1 << 30},
		{"v1 host without a limit (unlimited is near the largest int64)", fstest.MapFS{
			"proc/self/cgroup": file("4:memory:/user.slice\n0::/user.slice\n"),
			"sys/fs/cgroup/memory/user.slice/memory.limit_in_bytes": file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":            file("9223372036854771712\n"),
		}, 0},
		{"hybrid: a v1 memory limit and an unlimited v2 tree", fstest.MapFS{
			"proc/self/cgroup": file("4:memory:/job\n0::/job\n"),
			"sys/fs/cgroup/memory/job/memory.limit_in_bytes": file("805306368\n"),
		}, 768 << 20},
		{"no /proc", fstest.MapFS{}, 0},
		{"unreadable values count as no limit", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("lots\n"),
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := memoryLimit(tc.files); got != tc.want {
				t.Errorf("memoryLimit = %d, want %d", got, tc.want)
			}
		})
	}
}
