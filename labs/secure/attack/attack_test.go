package attack_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/secure"
	"github.com/nodedive/nodedive/labs/secure/attack"
	"github.com/nodedive/nodedive/labs/secure/launch"
)

// The Go workers are this test binary, re-executed by the cluster.
func TestMain(m *testing.M) {
	cluster.RunChildIfRequested()
	os.Exit(m.Run())
}

func labOptions(runtime string) launch.Options {
	return launch.Options{
		Runtime: runtime, Workers: 2, Store: secure.StoreMemory, Limit: 3, Window: time.Minute,
		HeaderTimeout: time.Second, Secret: strings.Repeat("s", 32),
	}
}

// run runs the lab and checks that nothing it started outlives Run.
func run(t *testing.T, cfg attack.RunConfig) (*attack.Report, []string) {
	t.Helper()
	var mu sync.Mutex
	var heard []string
	cfg.Progress = func(s string) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, s)
	}
	rep, err := attack.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range rep.PIDs {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d outlived the run", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return rep, heard
}

func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && !strings.HasPrefix(strings.TrimSpace(string(b)[i+1:]), "Z")
}

// TestRunLab: the memory store lets a client through once per worker, the
// report says so and points at the flag that fixes it.
func TestRunLab(t *testing.T) {
	rep, heard := run(t, attack.RunConfig{Lab: labOptions(launch.RuntimeGo), Only: []string{"headers", "powered-by", "rate-limit-workers"}})
	if !strings.HasPrefix(rep.App, "Go app, 2 workers (rr), store memory") || rep.Runtime != "go" || rep.Store != "memory" || rep.Node != nil {
		t.Errorf("app: %q runtime %q store %q node %v", rep.App, rep.Runtime, rep.Store, rep.Node)
	}
	if !strings.HasPrefix(rep.Target, "http://127.0.0.1:") || len(rep.Probes) != 3 || rep.Passed != 2 || rep.Failed != 1 {
		t.Fatalf("report: %+v", rep)
	}
	if r := rep.Probes[2]; r.Name != "rate-limit-workers" || r.Pass || r.Expected == "" || r.Observed == "" {
		t.Errorf("rate-limit probe: %+v", r)
	}
	if len(rep.Hints) != 1 || !strings.Contains(rep.Hints[0], "--store shared") {
		t.Errorf("hints: %q", rep.Hints)
	}
	if err := rep.Err(); !errors.Is(err, attack.ErrProbesFailed) || err.Error() != "1 of 3 probes failed" {
		t.Errorf("Err() = %v", err)
	}
	if len(heard) < 3 || heard[len(heard)-3] != "probe 1 of 3: headers PASS" || len(rep.PIDs) < 2 {
		t.Errorf("progress %q, pids %v", heard, rep.PIDs)
	}
}

// TestRunURL attacks a server the lab did not start.
func TestRunURL(t *testing.T) {
	app, err := secure.New(secure.Config{
		Secret: []byte(strings.Repeat("s", 32)), Limit: 10, Window: time.Minute,
		HeaderTimeout: 500 * time.Millisecond, Weak: secure.Weaknesses{NoHeaders: true},
	}, secure.Options{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := app.NewServer()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	url := "http://" + ln.Addr().String()

	rep, _ := run(t, attack.RunConfig{URL: url + "/", Only: []string{"headers", "cors"}})
	if rep.Target != url || rep.App != "" || rep.Passed != 1 || rep.Failed != 1 || rep.Probes[0].Pass || !rep.Probes[1].Pass {
		t.Errorf("report: %+v", rep)
	}
}

func TestRunBadInput(t *testing.T) {
	for _, c := range []struct {
		cfg  attack.RunConfig
		want string
	}{
		{attack.RunConfig{URL: "https://example.com"}, "add --yes-non-local"},
		{attack.RunConfig{URL: "ftp://127.0.0.1"}, "http:// or https://"},
		{attack.RunConfig{URL: "http://127.0.0.1:1", Only: []string{"headers"}}, "nothing is listening"},
		{attack.RunConfig{Only: []string{"brute"}}, `did you mean "brute-force"`},
		{attack.RunConfig{Lab: launch.Options{Node: "/usr/bin/node"}}, "the Go app runs no node"},
		// The Express app on a node that is not there: said before npm ci.
		{attack.RunConfig{Lab: launch.Options{Runtime: launch.RuntimeNode, CacheDir: os.TempDir(), Node: "/nonexistent/node"}}, "node was not found at /nonexistent/node"},
	} {
		rep, err := attack.Run(context.Background(), c.cfg)
		if err == nil || rep != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}
