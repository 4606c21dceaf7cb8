package cluster

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

// runHeadless runs the lab and checks that every worker it forked is gone
// when Run returns.
func runHeadless(t *testing.T, rc RunConfig) (*Report, []string) {
	t.Helper()
	var mu sync.Mutex
	var progress []string
	rc.Progress = func(s string) {
		mu.Lock()
		defer mu.Unlock()
		progress = append(progress, s)
	}
	if rc.Cluster.DrainTimeout == 0 {
		rc.Cluster.DrainTimeout = 3 * time.Second
	}
	rep, err := Run(context.Background(), rc)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var pids []int
	for _, w := range rep.Workers {
		pids = append(pids, w.PID)
	}
	if rep.PrimaryPID != os.Getpid() {
		pids = append(pids, rep.PrimaryPID)
	}
	assertNoLeftovers(t, pids)
	return rep, progress
}

func TestRunWithFaults(t *testing.T) {
	rep, progress := runHeadless(t, RunConfig{
		Cluster: Config{Workers: 2}, Duration: 1500 * time.Millisecond, Connections: 4,
		KillWorker: true, KillAfter: 300 * time.Millisecond, RollingRestart: true, RestartAfter: 800 * time.Millisecond,
	})
	if rep.Runtime != RuntimeGo || rep.Policy != PolicyRR || rep.Node != nil || rep.Requests == 0 || rep.RPS <= 0 || rep.LatencyMS.P50 <= 0 {
		t.Errorf("report: %+v", rep)
	}
	// 2 at start, 1 respawn after the kill, 2 from the rolling restart.
	if rep.Respawns != 1 || rep.Restarts != 1 || len(rep.Workers) != 5 || rep.RollingRestart == nil || !rep.RollingRestart.OK {
		t.Errorf("respawns %d restarts %d workers %+v restart %+v", rep.Respawns, rep.Restarts, rep.Workers, rep.RollingRestart)
	}
	if k := rep.Kill; k == nil || k.PID == 0 || k.RespawnedAs == 0 || k.Error != "" {
		t.Errorf("kill: %+v", k)
	}
	ends := map[string]int{}
	var served int64
	for _, w := range rep.Workers {
		ends[w.End]++
		served += w.Requests
	}
	if ends["killed by SIGKILL"] != 1 || ends["drained"] != 4 {
		t.Errorf("how the workers ended: %v", ends)
	}
	if served == 0 || served > rep.Requests {
		t.Errorf("per-worker requests add up to %d of %d", served, rep.Requests)
	}
	kinds := map[EventKind]bool{}
	for _, e := range rep.Events {
		kinds[e.Kind] = true
	}
	for _, k := range []EventKind{EventForked, EventListening, EventKilled, EventExited, EventRespawned, EventRestartBegin, EventRestartStep, EventRestartDone, EventStopped} {
		if !kinds[k] {
			t.Errorf("no %q event in the report", k)
		}
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, want := range []string{"was killed with SIGKILL", "The rolling restart replaced every worker", "Compare with --runtime node"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if len(progress) < 2 || !strings.HasPrefix(progress[0], "Starting a go cluster: 2 workers") || !strings.Contains(strings.Join(progress, "\n"), "req/s") {
		t.Errorf("progress: %q", progress)
	}
}

func TestRunKeepAliveFewerConnectionsThanWorkers(t *testing.T) {
	rep, _ := runHeadless(t, RunConfig{Cluster: Config{Workers: 3}, Duration: 400 * time.Millisecond, Connections: 2, KeepAlive: true})
	busy := 0
	for _, w := range rep.Workers {
		if w.Requests > 0 {
			busy++
		}
	}
	notes := strings.Join(rep.Notes, "\n")
	if rep.Dials < 2 || int64(busy) > rep.Dials {
		t.Fatalf("%d busy workers over %d connections; notes %q", busy, rep.Dials, rep.Notes)
	}
	// A connection the worker closed (rare, on a loaded machine) is
	// reopened to the next worker; the note must then say so.
	if rep.Dials > 2 {
		t.Logf("%d connections opened; notes %q", rep.Dials, rep.Notes)
		if !strings.Contains(notes, "reopened after one closed") {
			t.Errorf("reconnects not reported; notes %q", rep.Notes)
		}
		return
	}
	if busy != 2 || !strings.Contains(notes, "2 connection(s) carried all") || !strings.Contains(notes, "1 worker(s) got no work at all") {
		t.Errorf("%d busy workers; notes %q", busy, rep.Notes)
	}
}

func TestRunOnNode(t *testing.T) {
	nodetest.RequireNode(t)
	rep, _ := runHeadless(t, RunConfig{Cluster: Config{Runtime: RuntimeNode, Workers: 2, Policy: PolicyNone}, Duration: 600 * time.Millisecond, Connections: 2, KeepAlive: true})
	if rep.Runtime != RuntimeNode || rep.Policy != PolicyNone || rep.Requests == 0 || rep.Errors != 0 || len(rep.Workers) != 2 {
		t.Errorf("report: %+v", rep)
	}
	if rep.Node == nil || rep.Node.Version == "" || !strings.HasPrefix(rep.Node.Path, "/") {
		t.Errorf("the report does not say which node ran: %+v", rep.Node)
	}
}

// TestRunOnNode24 runs the lesson's server on a given node, not the one on
// PATH.
func TestRunOnNode24(t *testing.T) {
	node := nodetest.NodeLine(t, 24)
	rep, _ := runHeadless(t, RunConfig{Cluster: Config{Runtime: RuntimeNode, Workers: 1, Node: node}, Duration: 300 * time.Millisecond, Connections: 1})
	if rep.Node == nil || !strings.HasPrefix(rep.Node.Version, "24.") || rep.Node.Path != node || rep.Requests == 0 {
		t.Errorf("node %+v, %d requests", rep.Node, rep.Requests)
	}
}

func TestRunBadConfig(t *testing.T) {
	for _, c := range []struct {
		rc   RunConfig
		want string
	}{
		{RunConfig{Cluster: Config{Workers: 1}, Duration: time.Second, KillWorker: true, KillAfter: 2 * time.Second}, "must fall inside the load's 1s"},
		{RunConfig{Cluster: Config{Workers: 1}, Connections: -1}, "connections must be between"},
		{RunConfig{Cluster: Config{Workers: 1, Node: "/usr/bin/node"}}, "the go runtime runs no node"},
		{RunConfig{Cluster: Config{Workers: 1, Runtime: RuntimeNode, Node: "/nonexistent/node"}}, "/nonexistent/node"},
		{RunConfig{Cluster: Config{Workers: 0}}, "workers must be between 1 and 64"},
	} {
		rep, err := Run(context.Background(), c.rc)
		if err == nil || rep != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.rc, err, c.want)
		}
	}
}
