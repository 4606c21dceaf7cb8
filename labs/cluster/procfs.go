package cluster

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// readRSS returns a process's resident set size in bytes, from the VmRSS
// line of /proc/<pid>/status: the same number for Go and Node workers, and
// the one `ps` and `top` show.
func readRSS(pid int) (uint64, error) { return readStatusKB(pid, "VmRSS:") }

// readPrivate returns a process's resident anonymous memory (RssAnon): its
// heap and stacks, which no other process shares. VmRSS also counts the
// pages of the executable and libraries it touched, which every worker
// running the same binary shares; RssAnon is what one more worker costs.
func readPrivate(pid int) (uint64, error) { return readStatusKB(pid, "RssAnon:") }

func readStatusKB(pid int, field string) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte(field))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) == 0 {
			break
		}
		kb, err := strconv.ParseUint(string(fields[0]), 10, 64)
		if err != nil {
			return 0, err
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// processAlive reports whether pid names a process that has not been reaped
// and is not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state letter follows the parenthesised command name.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	return b[i+2] != 'Z' && b[i+2] != 'X'
}
