package main

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
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
	Respawns       int `json:"respawns"`
	Restarts       int `json:"restarts"`
	RollingRestart *struct {
		OK bool `json:"ok"`
	} `json:"rolling_restart"`
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

func TestLabClusterHeadlessWithFaults(t *testing.T) {
	rep := runClusterLabJSON(t, "--workers", "2", "--duration", "1500ms", "--connections", "4",
		"--kill-worker", "300ms", "--rolling-restart", "800ms")
	if rep.Runtime != "go" || rep.Policy != "rr" || rep.Requests == 0 || rep.RPS <= 0 || rep.LatencyMS.P50 <= 0 {
		t.Errorf("report: %+v", rep)
	}
	// 2 at start, 1 respawn after the kill, 2 from the rolling restart.
	if rep.Respawns != 1 || rep.Restarts != 1 || len(rep.Workers) != 5 || rep.RollingRestart == nil || !rep.RollingRestart.OK {
		t.Errorf("respawns %d restarts %d workers %+v", rep.Respawns, rep.Restarts, rep.Workers)
	}
	var served int64
	for _, w := range rep.Workers {
		served += w.Requests
	}
	if served == 0 || served > rep.Requests {
		t.Errorf("per-worker requests add up to %d of %d", served, rep.Requests)
	}
	kinds := map[string]bool{}
	for _, e := range rep.Events {
		kinds[e.Kind] = true
	}
	for _, k := range []string{"forked", "listening", "killed", "exited", "respawned", "restart-begin", "restart-step", "restart-done", "stopped"} {
		if !kinds[k] {
			t.Errorf("no %q event in the report", k)
		}
	}
}

func TestLabClusterHeadlessNode(t *testing.T) {
	nodetest.RequireNode(t)
	rep := runClusterLabJSON(t, "--runtime", "node", "--sched", "none", "--duration", "800ms", "--keepalive", "--connections", "2")
	if rep.Runtime != "node" || rep.Policy != "none" || rep.Requests == 0 || rep.Errors != 0 || len(rep.Workers) != 2 {
		t.Errorf("report: %+v", rep)
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
	} {
		o := ok
		tc.change(&o)
		if _, err := o.plan(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", o, err, tc.want)
		}
	}
	if _, err := ok.plan(); err != nil {
		t.Errorf("valid options rejected: %v", err)
	}
}
