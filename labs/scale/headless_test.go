package scale

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/cluster"
)

// TestRun goes through every phase of `nodedive lab scale` with an instance
// killed under load, the Redis cache and the queue, and checks what the
// report tells the learner.
func TestRun(t *testing.T) {
	requireTools(t)
	var mu sync.Mutex
	var heard []string
	rep, err := Run(context.Background(), RunConfig{
		Lab:      Config{Instances: 2, Workers: 1, Cache: CacheRedis, Queue: true},
		Duration: 2 * time.Second, KillAfter: 500 * time.Millisecond,
		Progress: func(s string) {
			mu.Lock()
			defer mu.Unlock()
			heard = append(heard, s)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runtime != "go" || rep.Node != nil || rep.WorkersPerInstance != 1 || rep.Balancing != "round-robin" || !strings.HasPrefix(rep.URL, "http://127.0.0.1:") {
		t.Errorf("report head: %+v", rep)
	}
	if rep.Requests == 0 || rep.RPS == 0 || rep.Latency.P50 == 0 || len(rep.Instances) != 2 {
		t.Errorf("main phase: %+v", rep)
	}
	if rep.Errors > rep.Requests/100 {
		t.Errorf("%d of %d requests failed with an instance killed", rep.Errors, rep.Requests)
	}
	for _, in := range rep.Instances {
		if in.Requests == 0 {
			t.Errorf("instance %d served nothing", in.ID)
		}
	}
	if k := rep.Kill; k == nil || k.Instance != 2 || !k.MarkedDown || k.KilledAtMS < 400 || k.RevivedAtMS <= k.KilledAtMS || k.ReviveError != "" {
		t.Errorf("kill: %+v", rep.Kill)
	}
	if s := rep.Sessions; s.Memory == nil || s.Redis == nil || s.Memory.Rejected == 0 || s.Redis.OK != s.Redis.Requests {
		t.Errorf("sessions: %+v %+v %s", s.Memory, s.Redis, s.Error)
	}
	if c := rep.Cache; c.Hits <= c.Misses || c.BaselineP50MS <= c.P50MS || c.Stale == nil || c.Stale.Stale != 0 || c.Error != "" {
		t.Errorf("cache: %+v stale %+v", c, c.Stale)
	}
	if q := rep.Queue; !q.Enabled || q.Enqueued == 0 || q.Processed != q.Enqueued || q.Inline == nil || q.Queued == nil || q.Error != "" {
		t.Errorf("queue: %+v", q)
	}
	if len(rep.PIDs) < 8 {
		t.Errorf("pids: %v", rep.PIDs)
	}
	checkGone(t, rep.PIDs)
	if len(heard) < 5 || !strings.HasPrefix(heard[0], "starting redis-server") {
		t.Errorf("progress: %q", heard)
	}
}

// TestNodeRuntimeOnAGivenNode: Config.Node runs the instances' Node
// clusters on that node, not on the one on PATH.
func TestNodeRuntimeOnAGivenNode(t *testing.T) {
	node := nodetest.NodeLine(t, 24)
	lab := startLab(t, Config{Runtime: cluster.RuntimeNode, Instances: 1, Workers: 1, CacheDir: npmCacheDir(t), Node: node})
	if n := lab.Node(); n.Path != node || !strings.HasPrefix(n.Version, "24.") {
		t.Errorf("lab.Node() = %+v", n)
	}
	want, err := filepath.EvalSymlinks(node)
	if err != nil {
		t.Fatal(err)
	}
	ws := lab.Snapshot().Instances[0].Workers
	if len(ws) != 1 {
		t.Fatalf("workers: %+v", ws)
	}
	if exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(ws[0].PID), "exe")); err != nil || exe != want {
		t.Errorf("the worker runs %q (%v), want %s", exe, err, want)
	}
}
