// Command securebench puts the same load on the security lab's app in its
// variants and prints requests/s and latency side by side: the bare Go
// cluster (every defence off), the hardened Go cluster with each rate-limit
// store, and the hardened Express cluster, each with 2 workers on loopback.
// bench/secure.sh runs it.
//
// It is its own primary for the Go clusters, so it re-executes itself as the
// workers (cluster.RunChildIfRequested must come first in main).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/load"
	"github.com/nodedive/nodedive/labs/secure"
	"github.com/nodedive/nodedive/labs/secure/launch"
)

type variant struct {
	Name    string
	Runtime string
	Store   string
	Weak    secure.Weaknesses
}

type row struct {
	Name string  `json:"name"`
	RPS  float64 `json:"rps"`
	// MedianRPS is the median of the rounds' requests/s, and Rounds
	// every round's, in order: how much they vary is part of the result.
	MedianRPS float64   `json:"median_rps"`
	Rounds    []float64 `json:"rounds_rps"`
	// WorkerCPUus is the workers' CPU time (user+system, /proc) per
	// request in microseconds: the server's own cost, which the load
	// generator sharing the cores does not blur.
	WorkerCPUus float64 `json:"worker_cpu_us"`
	P50MS       float64 `json:"p50_ms"`
	P99MS       float64 `json:"p99_ms"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	Non200      int64   `json:"non_200"`
	KeepAlive   bool    `json:"keepalive"`
	// Generator is the load generator: go (labs/load) or wrk.
	Generator string `json:"generator"`
}

func main() {
	cluster.RunChildIfRequested()
	duration := flag.Duration("duration", 5*time.Second, "load per variant")
	conns := flag.Int("connections", 16, "concurrent connections")
	workers := flag.Int("workers", 2, "workers per cluster")
	keepalive := flag.Bool("keepalive", true, "reuse connections")
	cache := flag.String("cache", "bench/out/home/cache", "where the Express app's npm packages go")
	rounds := flag.Int("rounds", 2, "measure every variant this many times, interleaved, and keep the best")
	flag.StringVar(&generator, "generator", "auto", "load generator: go (labs/load, in this process), wrk (a separate process), or auto (wrk when installed and keep-alive is on)")
	only := flag.String("only", "", "measure only the variants whose name contains this")
	flag.Parse()

	variants := []variant{
		{"bare Go", launch.RuntimeGo, secure.StoreMemory, secure.AllWeak},
		{"hardened Go (shared store)", launch.RuntimeGo, secure.StoreShared, secure.Weaknesses{}},
		{"hardened Go (memory store)", launch.RuntimeGo, secure.StoreMemory, secure.Weaknesses{}},
		{"hardened Go (primary store)", launch.RuntimeGo, secure.StorePrimary, secure.Weaknesses{}},
		{"hardened Go (redis store)", launch.RuntimeGo, secure.StoreRedis, secure.Weaknesses{}},
		{"hardened Express (memory store)", launch.RuntimeNode, secure.StoreMemory, secure.Weaknesses{}},
		{"hardened Express (primary store)", launch.RuntimeNode, secure.StorePrimary, secure.Weaknesses{}},
	}
	variants = slices.DeleteFunc(variants, func(v variant) bool {
		if !strings.Contains(v.Name, *only) {
			return true
		}
		if v.Store == secure.StoreRedis {
			if _, err := exec.LookPath("redis-server"); err != nil {
				fmt.Fprintln(os.Stderr, "no redis-server on PATH: the redis store is left out")
				return true
			}
		}
		return false
	})
	// Rounds interleave the variants, so a burst of other work on the
	// machine hurts one measurement of each rather than all of one; the
	// best round of each variant is kept.
	rows := make([]row, len(variants))
	for round := range max(*rounds, 1) {
		for i, v := range variants {
			r, err := measure(v, *workers, *conns, *duration, *keepalive, *cache)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", v.Name, err)
				os.Exit(1)
			}
			// Every round on stderr: how much the rounds vary is part of
			// the result.
			fmt.Fprintf(os.Stderr, "round %d  %-34s %8.0f req/s %6.1f us worker CPU/req\n", round+1, v.Name, r.RPS, r.WorkerCPUus)
			rounds := append(rows[i].Rounds, r.RPS)
			if r.RPS > rows[i].RPS {
				rows[i] = r
			}
			rows[i].Rounds = rounds
		}
	}
	for i := range rows {
		rows[i].MedianRPS = median(rows[i].Rounds)
	}
	_ = json.NewEncoder(os.Stdout).Encode(rows)
}

// median is the middle value of xs (the mean of the two middle ones for an
// even count).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func measure(v variant, workers, conns int, d time.Duration, keepalive bool, cache string) (row, error) {
	ctx := context.Background()
	lab, err := launch.Start(ctx, launch.Options{
		Runtime: v.Runtime, Workers: workers, Store: v.Store, Weak: v.Weak,
		// A limit no client reaches within a window: every request is
		// counted, none refused. The window is short, so windows roll
		// over during the run, and the shared store's counts stay far
		// below the most it holds (shmtable.MaxCount).
		Limit: 1_000_000, Window: 2 * time.Second,
		Secret: "bench-secret-bench-secret-bench-secret", CacheDir: cache, Log: io.Discard,
	})
	if err != nil {
		return row{}, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = lab.Stop(sctx)
	}()
	// A short warm-up so the first connections and JIT are not measured.
	_, _ = load.Run(ctx, load.Config{URL: lab.URL + "/", Duration: 500 * time.Millisecond, Connections: conns, KeepAlive: keepalive})
	before := cpuTicks(lab.Workers)
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	if useWrk(keepalive) {
		w, err := runWrk(ctx, lab.URL+"/", conns, d)
		if err != nil {
			return row{}, err
		}
		ticks := cpuTicks(lab.Workers) - before
		return row{
			Name: v.Name, RPS: w.rps, P50MS: ms(w.p50), P99MS: ms(w.p99),
			WorkerCPUus: float64(ticks) * 1e6 / clockTicks / float64(max(w.requests, 1)),
			Requests:    w.requests, Non200: w.non2xx, KeepAlive: true, Generator: "wrk",
		}, nil
	}
	res, err := load.Run(ctx, load.Config{URL: lab.URL + "/", Duration: d, Connections: conns, KeepAlive: keepalive})
	if err != nil {
		return row{}, err
	}
	ticks := cpuTicks(lab.Workers) - before
	return row{
		Name: v.Name, RPS: res.RPS, P50MS: ms(res.Latency.P50), P99MS: ms(res.Latency.P99),
		WorkerCPUus: float64(ticks) * 1e6 / clockTicks / float64(max(res.Requests, 1)),
		Requests:    res.Requests, Errors: res.Errors, Non200: res.Requests - res.StatusCodes[200], KeepAlive: keepalive,
		Generator: "go",
	}, nil
}

// generator is the -generator flag.
var generator string

// useWrk says whether this run measures with wrk: a C load generator in
// its own process uses a fraction of the CPU Go's HTTP client needs, and on
// a 2-core machine the client's CPU is taken from the servers under test.
func useWrk(keepalive bool) bool {
	switch generator {
	case "wrk":
		return true
	case "go":
		return false
	}
	_, err := exec.LookPath("wrk")
	return err == nil && keepalive // wrk always keeps connections alive
}

type wrkResult struct {
	rps      float64
	p50, p99 time.Duration
	requests int64
	non2xx   int64
}

// runWrk runs wrk with one thread and parses its summary.
func runWrk(ctx context.Context, url string, conns int, d time.Duration) (wrkResult, error) {
	out, err := exec.CommandContext(ctx, "wrk", "-t1", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(int(d.Seconds()))+"s",
		"--latency", url).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	var r wrkResult
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "50%":
			r.p50 = parseWrkDuration(f[1])
		case len(f) == 2 && f[0] == "99%":
			r.p99 = parseWrkDuration(f[1])
		case len(f) >= 2 && f[0] == "Requests/sec:":
			r.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) >= 2 && f[1] == "requests" && f[2] == "in":
			r.requests, _ = strconv.ParseInt(f[0], 10, 64)
		case len(f) >= 5 && f[0] == "Non-2xx":
			r.non2xx, _ = strconv.ParseInt(f[len(f)-1], 10, 64)
		}
	}
	if r.rps == 0 {
		return r, fmt.Errorf("could not read wrk's output:\n%s", out)
	}
	return r, nil
}

// parseWrkDuration reads wrk's "612.00us", "5.43ms" or "1.02s".
func parseWrkDuration(s string) time.Duration {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return time.Duration(f * float64(u.unit))
		}
	}
	return 0
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times (100 on Linux).
const clockTicks = 100

// cpuTicks sums utime and stime of pids from /proc/PID/stat.
func cpuTicks(pids []int) int64 {
	var total int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces).
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		total += u + s
	}
	return total
}
