package cluster

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// dropStartupPages gives back the pages of the executable's read-only
// mappings (code and constant data) that this process has touched so far.
//
// A worker is the whole nodedive binary, so starting one runs the package
// initialisers of the lesson renderer, the TUI and the quiz as well as the
// server: they read megabytes of code and tables (the syntax highlighter's
// lexer definitions above all) that a serving worker never touches again,
// and each touched page counts in the worker's resident set until the
// process ends. MADV_DONTNEED unmaps them from this process only: they stay
// in the page cache, shared with the primary and the other workers, and a
// page the server does use comes back on first touch (a minor fault, no
// disk read). The result is a resident set that is the server's working set.
//
// Only mappings of the executable that are not writable and hold no
// private (copied-on-write) page are dropped: for those, the file is the
// whole truth, so nothing can be lost. Errors are ignored: this only saves
// memory, it never changes behaviour.
func dropStartupPages() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return
	}
	for _, m := range readOnlyMappings(smaps, exe) {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED)
	}
}

type mapping struct{ start, end uintptr }

// readOnlyMappings returns the mappings of path in an smaps listing that
// are neither writable nor hold anonymous (private, modified) pages.
func readOnlyMappings(smaps []byte, path string) []mapping {
	var out []mapping
	var cur mapping
	candidate := false
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 0 {
			continue
		}
		if len(f) >= 5 && bytes.IndexByte(f[0], '-') > 0 && !bytes.HasSuffix(f[0], []byte(":")) {
			// A header line: start-end perms offset dev inode [path].
			candidate = false
			lo, hi, ok := bytes.Cut(f[0], []byte("-"))
			start, err1 := strconv.ParseUint(string(lo), 16, 64)
			end, err2 := strconv.ParseUint(string(hi), 16, 64)
			if !ok || err1 != nil || err2 != nil || len(f) < 6 {
				continue
			}
			perms := f[1]
			candidate = string(f[5]) == path && len(perms) == 4 && perms[1] != 'w' && perms[3] == 'p'
			cur = mapping{uintptr(start), uintptr(end)}
			continue
		}
		if candidate && string(f[0]) == "Anonymous:" {
			if string(f[1]) == "0" {
				out = append(out, cur)
			}
			candidate = false
		}
	}
	return out
}
