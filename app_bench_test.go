package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkColdStartToFirstFrame starts the app on a fresh pty (one that
// answers no terminal queries) and stops the clock at the first frame.
// Target: under 100 ms.
func BenchmarkColdStartToFirstFrame(b *testing.B) {
	binary(b)
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		cmd, f := startInPty(b, 100, 30)
		if out, ok := readUntil(f, "LESSONS", 10*time.Second); !ok {
			b.Fatalf("no first frame: %q", out)
		}
		total += time.Since(start)
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/first-frame")
}

// BenchmarkAppRSS reports the resident memory of the running app after it
// has opened and rendered the largest lessons. Target: under 40 MB.
func BenchmarkAppRSS(b *testing.B) {
	var worst int
	for b.Loop() {
		cmd, f := startInPty(b, 120, 40)
		readUntil(f, "LESSONS", 10*time.Second)
		for _, lesson := range []string{"4", "5", "1"} {
			_, _ = f.WriteString(lesson)
			readUntil(f, "§", 5*time.Second)
			_, _ = f.WriteString("G") // scroll through to the end
			time.Sleep(150 * time.Millisecond)
			_, _ = f.WriteString("q")
			readUntil(f, "LESSONS", 5*time.Second)
		}
		worst = max(worst, rssKB(cmd.Process.Pid))
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	}
	b.ReportMetric(float64(worst)/1024, "MB-RSS")
}

// rssKB reads VmRSS of a process from /proc.
func rssKB(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb
		}
	}
	return 0
}

// BenchmarkSilentTerminal times commands on a pty that answers no terminal
// queries (runInSilentPty), from start to exit. Targets: read under 1 s,
// --help under 0.3 s. Each read renders afresh (a new cache directory).
func BenchmarkSilentTerminal(b *testing.B) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"read", []string{"read", "q14"}},
		{"help", []string{"--help"}},
		{"error", []string{"read", "custer"}},
		{"version", []string{"--version"}}, // no query: the floor
	} {
		b.Run(c.name, func(b *testing.B) {
			binary(b)
			var total time.Duration
			for b.Loop() {
				_, took, _ := runInSilentPty(b, 15*time.Second, c.args...)
				total += took
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/command")
		})
	}
}
