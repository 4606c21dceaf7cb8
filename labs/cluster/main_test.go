package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test apps live in the test binary, which is also what the workers run.
func init() {
	RegisterApp("test-broken", func(w *Worker, _ json.RawMessage) (*App, error) {
		return nil, errors.New("deliberately broken: missing DATABASE_URL")
	})
	// test-fragile refuses to start while its marker file exists, to make
	// respawns fail on demand.
	RegisterApp("test-fragile", func(w *Worker, config json.RawMessage) (*App, error) {
		var cfg struct{ Marker string }
		if err := json.Unmarshal(config, &cfg); err != nil {
			return nil, err
		}
		if _, err := os.Stat(cfg.Marker); err == nil {
			return nil, errors.New("fragile: marker file present, refusing to start")
		}
		return newHelloApp(w, nil)
	})
	// test-counter asks the primary to count every request, so the total
	// is exact across workers.
	RegisterApp("test-counter", func(w *Worker, _ json.RawMessage) (*App, error) {
		return &App{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			var n int
			if err := w.Call(r.Context(), "incr", map[string]string{"key": "hits"}, &n); err != nil {
				http.Error(rw, err.Error(), http.StatusBadGateway)
				return
			}
			writeJSON(rw, http.StatusOK, map[string]int{"count": n, "pid": w.PID()})
		})}, nil
	})
}

const testPrimaryEnv = "NODEDIVE_CLUSTER_TEST_PRIMARY"

func TestMain(m *testing.M) {
	RunChildIfRequested()
	if rt := os.Getenv(testPrimaryEnv); rt != "" {
		os.Exit(runTestPrimary(Runtime(rt)))
	}
	os.Exit(m.Run())
}

// runTestPrimary is a stand-alone primary for the "whatever kills the
// primary" test: it starts a cluster, prints the pids and waits to be
// killed.
func runTestPrimary(rt Runtime) int {
	c, err := Start(context.Background(), Config{Runtime: rt, Workers: 2})
	if err != nil {
		fmt.Println(`{"error":` + strconv.Quote(err.Error()) + `}`)
		return 1
	}
	s := c.Snapshot()
	var pids []int
	for _, w := range s.Workers {
		pids = append(pids, w.PID)
	}
	b, _ := json.Marshal(map[string]any{"pids": pids, "primary": s.PrimaryPID})
	fmt.Println(string(b))
	select {}
}

// startCluster starts a cluster for one test and checks on cleanup that it
// stopped and left no process behind.
func startCluster(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 3 * time.Second
	}
	if testing.Verbose() {
		cfg.Log = testLog{t}
	}
	c, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopAt := time.Now()
		if err := c.Stop(ctx); err != nil && c.Err() == nil {
			t.Errorf("stop: %v", err)
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("stop took %v; events:", time.Since(stopAt).Round(time.Millisecond))
			for _, e := range c.Events() {
				t.Logf("  %s %-14s %s", e.Time.Format("15:04:05.000"), e.Kind, e.Message)
			}
		}
		pids := pidsSeen(c)
		if s := c.Snapshot(); s.PrimaryPID != os.Getpid() {
			pids = append(pids, s.PrimaryPID)
		}
		assertNoLeftovers(t, pids)
	})
	return c
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// pidsSeen collects every worker pid a cluster forked, from its events.
func pidsSeen(c *Cluster) []int {
	var pids []int
	for _, ev := range c.Events() {
		if ev.Kind == EventForked {
			pids = append(pids, ev.PID)
		}
	}
	return pids
}

// assertNoLeftovers checks that none of pids is alive and that this test
// process has no children left.
func assertNoLeftovers(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var alive []int
		for _, pid := range pids {
			if processAlive(pid) {
				alive = append(alive, pid)
			}
		}
		kids := childrenOf(os.Getpid())
		if len(alive) == 0 && len(kids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left behind: workers %v, children of the test %v", alive, kids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// childrenOf scans /proc for live processes whose parent is ppid.
func childrenOf(ppid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b)[i+1:])
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		if p, _ := strconv.Atoi(f[1]); p == ppid {
			kids = append(kids, pid)
		}
	}
	return kids
}

// eventWaiter collects a subscription so tests can wait for an event.
type eventWaiter struct {
	mu   sync.Mutex
	seen []Event
	more chan struct{}
}

func watch(c *Cluster) *eventWaiter {
	ch, _ := c.Subscribe()
	w := &eventWaiter{more: make(chan struct{}, 1)}
	go func() {
		for ev := range ch {
			w.mu.Lock()
			w.seen = append(w.seen, ev)
			w.mu.Unlock()
			select {
			case w.more <- struct{}{}:
			default:
			}
		}
	}()
	return w
}

func (w *eventWaiter) waitFor(t *testing.T, timeout time.Duration, match func(Event) bool) Event {
	t.Helper()
	deadline := time.After(timeout)
	next := 0
	for {
		w.mu.Lock()
		for ; next < len(w.seen); next++ {
			if match(w.seen[next]) {
				ev := w.seen[next]
				w.mu.Unlock()
				return ev
			}
		}
		w.mu.Unlock()
		select {
		case <-w.more:
		case <-deadline:
			t.Fatalf("event not seen within %v", timeout)
		}
	}
}
