package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clusterJSON is the part of `lab cluster --json` the tests read.
type clusterJSON struct {
	Runtime   string  `json:"runtime"`
	Policy    string  `json:"policy"`
	Requests  int64   `json:"requests"`
	Errors    int64   `json:"errors"`
	RPS       float64 `json:"rps"`
	LatencyMS struct {
		P50, P99, Max float64
	} `json:"latency_ms"`
	Workers []struct {
		PID      int    `json:"pid"`
		Requests int64  `json:"requests"`
		Exit     string `json:"exit"`
	} `json:"workers"`
	Respawns int `json:"respawns"`
	Kill     *struct {
		PID int `json:"pid"`
	} `json:"kill"`
	Notes  []string `json:"notes"`
	Events []struct {
		Kind string `json:"kind"`
	} `json:"events"`
}

func runClusterLabJSON(t *testing.T, args ...string) clusterJSON {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"lab", "cluster", "--json"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lab cluster %v: %v\n%s", args, err, stderr.String())
	}
	var rep clusterJSON
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, out)
	}
	for _, w := range rep.Workers {
		if _, err := os.Stat("/proc/" + strconv.Itoa(w.PID)); err == nil {
			time.Sleep(100 * time.Millisecond) // reaping is the kernel's business; give it a moment
			if _, err := os.Stat("/proc/" + strconv.Itoa(w.PID)); err == nil {
				t.Errorf("worker pid %d still exists after the lab exited", w.PID)
			}
		}
	}
	return rep
}

// TestLabClusterJSON: --json prints one object with what the text report
// shows, and the lab leaves no worker behind. (The lab's behaviour under
// faults is tested next to it, in labs/cluster.)
func TestLabClusterJSON(t *testing.T) {
	rep := runClusterLabJSON(t, "--workers", "2", "--duration", "600ms", "--connections", "2", "--kill-worker", "200ms")
	if rep.Runtime != "go" || rep.Policy != "rr" || rep.Requests == 0 || rep.RPS <= 0 || rep.LatencyMS.P50 <= 0 {
		t.Errorf("report: %+v", rep)
	}
	if len(rep.Workers) != 3 || rep.Respawns != 1 || rep.Kill == nil || rep.Kill.PID == 0 || len(rep.Notes) == 0 || len(rep.Events) == 0 {
		t.Errorf("workers %+v respawns %d kill %+v notes %q", rep.Workers, rep.Respawns, rep.Kill, rep.Notes)
	}
}

func TestLabClusterBadInput(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	ok := clusterLabOptions{workers: 2, sched: "rr", runtime: "go", duration: "5s", requests: 100, connections: 4}
	for _, tc := range []struct {
		change func(*clusterLabOptions)
		want   string
	}{
		{func(o *clusterLabOptions) { o.workers = 0 }, "--workers must be between 1 and 64, got 0"},
		{func(o *clusterLabOptions) { o.workers = 65 }, "got 65"},
		{func(o *clusterLabOptions) { o.sched = "rrr" }, `did you mean "rr"?`},
		{func(o *clusterLabOptions) { o.runtime = "nod" }, `did you mean "node"?`},
		{func(o *clusterLabOptions) { o.duration = "5x" }, `--duration "5x" is not a duration`},
		{func(o *clusterLabOptions) { o.killAfter = "9s" }, "must fall inside the load's --duration"},
		{func(o *clusterLabOptions) { o.restartAfter = "soon" }, "--rolling-restart \"soon\" is not a duration"},
		{func(o *clusterLabOptions) { o.connections = 0 }, "--connections"},
		{func(o *clusterLabOptions) { o.port = port }, "already in use"},
		{func(o *clusterLabOptions) { o.node = "/usr/bin/node" }, "--node /usr/bin/node goes with --runtime node"},
		{func(o *clusterLabOptions) { o.runtime, o.node = "node", "/nonexistent/node" }, "--node /nonexistent/node: node was not found at /nonexistent/node"},
	} {
		o := ok
		tc.change(&o)
		if _, err := o.plan(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", o, err, tc.want)
		}
	}
	if _, err := ok.plan(context.Background()); err != nil {
		t.Errorf("valid options rejected: %v", err)
	}
}
