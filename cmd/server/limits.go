package main

import (
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
)

// memoryLimit is the memory the process's cgroup may use, in bytes (the lowest limit on its
// cgroup and the cgroups above it), or 0 when none is set: `docker run --memory`, a Kubernetes
// limit or a systemd MemoryMax. root is the file system holding /proc and /sys (os.DirFS("/")).
// Both cgroup v2 and v1 hierarchies are read; anything unreadable counts as no limit.
func memoryLimit(root fs.FS) int64 {
	data, err := fs.ReadFile(root, "proc/self/cgroup")
	if err != nil {
		return 0
	}
	limit := int64(0)
	for _, line := range strings.Split(string(data), "\n") {
		// hierarchy-ID:controllers:path; v2 is "0::/path", v1's memory line names "memory".
		fields := strings.SplitN(line, ":", 3)
		if len(fields) != 3 {
			continue
		}
		switch {
		case fields[0] == "0" && fields[1] == "":
			limit = lower(limit, lowestOnPath(root, "sys/fs/cgroup", fields[2], "memory.max"))
		case slices.Contains(strings.Split(fields[1], ","), "memory"):
			limit = lower(limit, lowestOnPath(root, "sys/fs/cgroup/memory", fields[2], "memory.limit_in_bytes"))
		}
	}
	return limit
}

// lower is the lower of two limits, where 0 means none.
func lower(a, b int64) int64 {
	if a == 0 || (b > 0 && b < a) {
		return b
	}
	return a
}

// lowestOnPath reads file in the cgroup at dir under mount and in each cgroup above it, and
// returns the lowest limit found (0: none). Inside a container the cgroup's path as /proc shows it
// may not exist under the mount (cgroup v1 without a namespace mounts the container's own cgroup
// at the top), so the mount's top is always read too.
func lowestOnPath(root fs.FS, mount, dir, file string) int64 {
	limit := int64(0)
	for d := path.Clean("/" + dir); ; d = path.Dir(d) {
		limit = lower(limit, readLimit(root, path.Join(mount, d, file)))
		if d == "/" {
			return limit
		}
	}
}

// readLimit reads one limit file: a byte count, or "max" (v2) or a value near the largest int64
// (v1's "unlimited", rounded down to a page) for no limit, which it returns as 0.
func readLimit(root fs.FS, name string) int64 {
	data, err := fs.ReadFile(root, name)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n <= 0 || n >= math.MaxInt64/2 {
		return 0
	}
	return n
}
