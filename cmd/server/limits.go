package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"math"
	"path"
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
	lower := func(n int64) {
		if n > 0 && (limit == 0 || n < limit) {
			limit = n
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// hierarchy-ID:controllers:path; v2 is "0::/path", v1's memory line names "memory".
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) != 3 {
			continue
		}
		switch {
		case fields[0] == "0" && fields[1] == "":
			lower(lowestOnPath(root, "sys/fs/cgroup", fields[2], "memory.max"))
		case hasController(fields[1], "memory"):
			lower(lowestOnPath(root, "sys/fs/cgroup/memory", fields[2], "memory.limit_in_bytes"))
		}
	}
	return limit
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// lowestOnPath reads file in the cgroup at dir under mount and in each cgroup above it, and
// returns the lowest limit found (0: none). Inside a container the cgroup's path as /proc shows it
// may not exist under the mount (cgroup v1 without a namespace mounts the container's own cgroup
// at the top), so the mount's top is always read too.
func lowestOnPath(root fs.FS, mount, dir, file string) int64 {
	limit := int64(0)
	for d := path.Clean("/" + dir); ; d = path.Dir(d) {
		if n := readLimit(root, path.Join(mount, d, file)); n > 0 && (limit == 0 || n < limit) {
			limit = n
		}
		if d == "/" {
			return limit
		}
	}
}

// readLimit reads one limit file: a byte count, or "max" (v2) or a value near the largest int64
// (v1's "unlimited", rounded down to a page) for no limit, which it returns as 0.
func readLimit(root fs.FS, name string) int64 {
	data, err := fs.ReadFile(root, strings.TrimPrefix(name, "/"))
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n <= 0 || n >= math.MaxInt64/2 {
		return 0
	}
	return n
}
