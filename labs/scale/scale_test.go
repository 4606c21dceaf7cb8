package scale

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/secure/redisrun"
)

// The test binary is also the instances (RunChild) and their Go workers
// (cluster's child role).
func TestMain(m *testing.M) {
	cluster.RunChildIfRequested()
	RunChildIfRequested()
	if os.Getenv(testLabEnv) != "" {
		os.Exit(runTestLab())
	}
	code := m.Run()
	if npmDir != "" {
		os.RemoveAll(npmDir)
	}
	os.Exit(code)
}

// The Node app's packages are installed once per test run, for real, into
// a temp cache dir that the Node-runtime tests share.
var (
	npmOnce sync.Once
	npmDir  string
	npmErr  error
)

func npmCacheDir(t *testing.T) string {
	t.Helper()
	nodetest.RequireTool(t, "npm", "npm comes with Node.js: install Node.js 22+ with npm")
	npmOnce.Do(func() { npmDir, npmErr = os.MkdirTemp("", "nodedive-npm-test-") })
	if npmErr != nil {
		t.Fatal(npmErr)
	}
	return npmDir
}

const testLabEnv = "NODEDIVE_SCALE_TEST_LAB"

// runTestLab is a stand-alone nodedive stand-in for the "killed with
// SIGKILL" test: it starts a lab, prints every pid, and waits to be killed.
func runTestLab() int {
	lab, err := Start(context.Background(), Config{Instances: 2, Workers: 1})
	if err != nil {
		fmt.Println(`{"error":` + strconv.Quote(err.Error()) + `}`)
		return 1
	}
	b, _ := json.Marshal(map[string]any{"pids": lab.PIDs()})
	fmt.Println(string(b))
	select {}
}

func requireTools(t *testing.T) {
	t.Helper()
	nodetest.RequireTool(t, "redis-server", redisrun.InstallHint)
	if _, err := nginx.Find(); err != nil {
		nodetest.RequireTool(t, "nginx", nginx.InstallHint)
	}
}

// startLab starts a lab for one test and checks on cleanup that Stop leaves
// no process of it alive.
func startLab(t *testing.T, cfg Config) *Lab {
	t.Helper()
	requireTools(t)
	if testing.Verbose() {
		cfg.Log = os.Stderr
	}
	lab, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pids := lab.PIDs()
		if err := lab.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
		checkGone(t, pids)
	})
	return lab
}

func checkGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range pids {
		for alive(p) {
			if time.Now().After(deadline) {
				t.Errorf("process %d (%s) is still alive after the lab stopped", p, comm(p))
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || !strings.HasPrefix(string(b[i+1:]), " Z")
}

func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// events collects a lab's events for assertions.
type events struct {
	mu  sync.Mutex
	all []Event
}

func collect(lab *Lab) *events {
	e := &events{}
	ch, _ := lab.Subscribe()
	go func() {
		for ev := range ch {
			e.mu.Lock()
			e.all = append(e.all, ev)
			e.mu.Unlock()
		}
	}()
	return e
}

func (e *events) has(kind EventKind, instance int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.all {
		if ev.Kind == kind && (instance == 0 || ev.Instance == instance) {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestLab walks through the lab on one set of processes: balancing,
// an instance killed under load and revived, sessions, the cache, the
// queue, and finally Redis dying.
func TestLab(t *testing.T) {
	lab := startLab(t, Config{Instances: 3, Workers: 2, FailTimeout: time.Second, SlowDelay: 30 * time.Millisecond, CacheTTL: 3 * time.Second})
	ev := collect(lab)
	ctx := context.Background()

	t.Run("spread", func(t *testing.T) {
		rep, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadHello, Duration: time.Second, Connections: 4})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Result.Errors != 0 {
			t.Errorf("errors: %v", rep.Result.ErrorsByKind)
		}
		total := rep.Result.Requests
		for _, in := range rep.Instances {
			share := float64(in.Requests) / float64(total)
			if share < 0.25 || share > 0.42 {
				t.Errorf("round-robin: instance %d served %.0f%% of %d requests, want about a third", in.ID, share*100, total)
			}
		}
		// Responses say which instance and worker answered.
		snap := lab.Snapshot()
		for _, in := range snap.Instances {
			if !in.Healthy || len(in.Workers) != 2 {
				t.Errorf("instance %d: healthy=%v workers=%v", in.ID, in.Healthy, in.Workers)
			}
			var served int64
			for _, w := range in.Workers {
				served += w.Requests
			}
			if served != in.Requests {
				t.Errorf("instance %d: workers served %d, instance %d", in.ID, served, in.Requests)
			}
		}
	})

	t.Run("kill under load", func(t *testing.T) {
		var rep *LoadReport
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			rep, err = lab.RunLoad(ctx, LoadOptions{Workload: WorkloadHello, Duration: 2500 * time.Millisecond, Connections: 4})
		}()
		time.Sleep(500 * time.Millisecond)
		if err := lab.KillInstance(2); err != nil {
			t.Fatal(err)
		}
		afterKill := lab.Snapshot()
		<-done
		if err != nil {
			t.Fatal(err)
		}
		// GETs are retried by nginx on the next instance: nothing fails.
		if rep.Result.Errors > rep.Result.Requests/100 {
			t.Errorf("%d of %d requests failed: %v %v", rep.Result.Errors, rep.Result.Requests, rep.Result.ErrorsByKind, rep.Result.ErrorSamples)
		}
		end := lab.Snapshot()
		for _, id := range []int{1, 3} {
			if end.Instances[id-1].Requests <= afterKill.Instances[id-1].Requests {
				t.Errorf("instance %d stopped serving after instance 2 was killed", id)
			}
		}
		if end.Instances[1].Alive || end.Instances[1].Healthy {
			t.Errorf("killed instance still shown alive/healthy: %+v", end.Instances[1])
		}
		if !ev.has(EventMarkedDown, 2) {
			t.Error("nginx never marked instance 2 down")
		}
		if !end.Instances[1].MarkedDown {
			t.Errorf("snapshot does not show instance 2 marked down: %+v", end.Instances[1])
		}
	})

	t.Run("revive", func(t *testing.T) {
		if err := lab.ReviveInstance(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if err := lab.ReviveInstance(ctx, 2); !errors.Is(err, ErrAlreadyRunning) {
			t.Errorf("second revive: %v", err)
		}
		rep, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadHello, Duration: 2 * time.Second, Connections: 4})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Instances[1].Requests == 0 {
			t.Errorf("revived instance got no requests: %+v", rep.Instances)
		}
		if !ev.has(EventRejoined, 2) || lab.Snapshot().Instances[1].MarkedDown {
			t.Error("instance 2 did not rejoin")
		}
	})

	t.Run("sessions", func(t *testing.T) {
		mem, err := lab.CheckSessions(ctx, "memory", 12)
		if err != nil {
			t.Fatal(err)
		}
		if mem.Rejected == 0 || mem.Instances < 2 {
			t.Errorf("memory sessions should break across instances: %+v", mem)
		}
		red, err := lab.CheckSessions(ctx, "redis", 12)
		if err != nil {
			t.Fatal(err)
		}
		if red.OK != 12 || red.Instances < 3 {
			t.Errorf("redis sessions should work on every instance: %+v", red)
		}
	})

	t.Run("balancing", func(t *testing.T) {
		if err := lab.SetBalancing(ctx, nginx.IPHash); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(lab.NginxConfig(), "ip_hash;") {
			t.Error("nginx.conf has no ip_hash after the switch")
		}
		// One client address: ip_hash pins it to one instance, so even
		// memory sessions hold (up to the cluster inside it).
		rep, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadHello, MaxRequests: 60, Connections: 2})
		if err != nil {
			t.Fatal(err)
		}
		busy := 0
		for _, in := range rep.Instances {
			if in.Requests > 0 {
				busy++
			}
		}
		if busy != 1 {
			t.Errorf("ip-hash from 127.0.0.1 reached %d instances: %+v", busy, rep.Instances)
		}
		if err := lab.SetBalancing(ctx, nginx.RoundRobin); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("cache", func(t *testing.T) {
		none, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadProduct, Duration: time.Second, Connections: 4})
		if err != nil {
			t.Fatal(err)
		}
		if err := lab.SetCache(CacheRedis); err != nil {
			t.Fatal(err)
		}
		red, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadProduct, Duration: time.Second, Connections: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("p50 none %v, redis %v; hit ratio %.3f (%d/%d)", none.Result.Latency.P50, red.Result.Latency.P50,
			red.CacheStats.HitRatio, red.CacheStats.Hits, red.CacheStats.Hits+red.CacheStats.Misses)
		if red.CacheStats.HitRatio < 0.9 {
			t.Errorf("redis hit ratio %.2f, want >= 0.9", red.CacheStats.HitRatio)
		}
		if none.Result.Latency.P50 < 30*time.Millisecond || red.Result.Latency.P50*3 > none.Result.Latency.P50 {
			t.Errorf("p50 without cache %v, with redis %v: want a cut to under a third", none.Result.Latency.P50, red.Result.Latency.P50)
		}
		// After a write, local caches serve stale prices from other
		// processes; Redis is invalidated for everyone.
		local, err := lab.CheckStaleReads(ctx, CacheLocal, 18)
		if err != nil {
			t.Fatal(err)
		}
		if local.Stale == 0 {
			t.Errorf("local cache showed no stale read: %+v", local)
		}
		shared, err := lab.CheckStaleReads(ctx, CacheRedis, 18)
		if err != nil {
			t.Fatal(err)
		}
		if shared.Stale != 0 {
			t.Errorf("redis cache served stale reads: %+v", shared)
		}
	})

	t.Run("queue", func(t *testing.T) {
		inline, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadReport, MaxRequests: 60, Connections: 4})
		if err != nil {
			t.Fatal(err)
		}
		lab.SetQueue(true)
		queued, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadReport, MaxRequests: 120, Connections: 4})
		if err != nil {
			t.Fatal(err)
		}
		if queued.Result.Errors != 0 || queued.Result.StatusCodes[202] != 120 {
			t.Errorf("queued run: %v", queued.Result.StatusCodes)
		}
		if queued.Result.Latency.P50 >= inline.Result.Latency.P50 {
			t.Errorf("p50 queued %v not below inline %v", queued.Result.Latency.P50, inline.Result.Latency.P50)
		}
		if _, err := lab.WaitQueueDrained(ctx, 15*time.Second); err != nil {
			t.Fatal(err)
		}
		q := lab.Snapshot().Queue
		if q.Enqueued != 120 || q.Processed != 120 || q.Depth != 0 {
			t.Errorf("queue: %+v, want 120 enqueued and processed", q)
		}
	})

	t.Run("redis dies", func(t *testing.T) {
		if err := lab.KillRedis(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		chk, err := lab.CheckSessions(ctx, "memory", 3)
		if err != nil {
			t.Fatal(err) // memory sessions do not need Redis
		}
		if _, err := lab.CheckSessions(ctx, "redis", 3); err == nil || !strings.Contains(err.Error(), "503") {
			t.Errorf("redis login with Redis dead: %v", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("degraded requests took %v: they must fail fast", time.Since(start))
		}
		_ = chk
		waitFor(t, "redis shown down", 3*time.Second, func() bool { return !lab.Snapshot().Redis.Up })
		if !ev.has(EventRedisDown, 0) {
			t.Error("no redis-down event")
		}
	})
}

func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Instances: 99}, "instances must be between"},
		{Config{Balancing: "least-con"}, "least-conn"},
		{Config{Cache: "redi"}, "redis"},
		{Config{Runtime: "nod"}, "node"},
		{Config{FailTimeout: 100 * time.Millisecond}, "whole seconds"},
		{Config{Runtime: cluster.RuntimeNode}, "cache directory"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.cfg, err, c.want)
		}
	}
	// A port in use: a clear error and nothing left running.
	requireTools(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	before := childrenOf(os.Getpid())
	_, err = Start(context.Background(), Config{Instances: 1, Workers: 1, Port: ln.Addr().(*net.TCPAddr).Port})
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Errorf("port in use: %v", err)
	}
	waitFor(t, "children gone", 5*time.Second, func() bool { return len(childrenOf(os.Getpid())) <= len(before) })
}

// childrenOf lists live processes whose parent is pid.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(b), ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) && f[0] != "Z" {
			kids = append(kids, n)
		}
	}
	return kids
}

// TestNodeRuntime runs the same lab with the Node app under node:cluster.
func TestNodeRuntime(t *testing.T) {
	nodetest.RequireNode(t)
	lab := startLab(t, Config{
		Runtime: cluster.RuntimeNode, Instances: 2, Workers: 1, CacheDir: npmCacheDir(t),
		FailTimeout: time.Second, SlowDelay: 30 * time.Millisecond,
	})
	ev := collect(lab)
	ctx := context.Background()

	rep, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadHello, Duration: time.Second, Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range rep.Instances {
		if share := float64(in.Requests) / float64(rep.Result.Requests); share < 0.4 || share > 0.6 {
			t.Errorf("instance %d served %.0f%%, want about half: %+v", in.ID, share*100, rep.Instances)
		}
	}
	mem, err := lab.CheckSessions(ctx, "memory", 8)
	if err != nil {
		t.Fatal(err)
	}
	red, err := lab.CheckSessions(ctx, "redis", 8)
	if err != nil {
		t.Fatal(err)
	}
	if mem.Rejected == 0 || red.OK != 8 {
		t.Errorf("sessions: memory %+v, redis %+v", mem, red)
	}
	if err := lab.SetCache(CacheRedis); err != nil {
		t.Fatal(err)
	}
	cached, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadProduct, Duration: time.Second, Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	if cached.CacheStats.HitRatio < 0.9 || cached.Result.Errors != 0 {
		t.Errorf("node redis cache: %+v, errors %v", cached.CacheStats, cached.Result.ErrorsByKind)
	}
	lab.SetQueue(true)
	q, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadReport, MaxRequests: 40, Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	if q.Result.StatusCodes[202] != 40 {
		t.Errorf("queued: %v", q.Result.StatusCodes)
	}
	if _, err := lab.WaitQueueDrained(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// Kill one: the other keeps serving, nginx leaves the dead one out.
	if err := lab.KillInstance(1); err != nil {
		t.Fatal(err)
	}
	after, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadHello, Duration: 700 * time.Millisecond, Connections: 2})
	if err != nil {
		t.Fatal(err)
	}
	if after.Result.Errors != 0 || after.Instances[1].Requests == 0 {
		t.Errorf("after the kill: %+v, errors %v", after.Instances, after.Result.ErrorsByKind)
	}
	waitFor(t, "instance 1 marked down", 3*time.Second, func() bool { return ev.has(EventMarkedDown, 1) })
}

// TestNetNS puts each instance in its own network namespace (root only).
func TestNetNS(t *testing.T) {
	if why := netnsUnavailable(); why != "" {
		lab := startLab(t, Config{Instances: 1, Workers: 1, NetNS: true})
		if w := lab.Warnings(); len(w) == 0 || !strings.Contains(w[0], "loopback") {
			t.Errorf("without namespaces the lab must say why it falls back: %v", w)
		}
		return
	}
	lab := startLab(t, Config{Instances: 2, Workers: 1, NetNS: true})
	snap := lab.Snapshot()
	for _, in := range snap.Instances {
		if in.NetNS == "" || !strings.HasPrefix(in.Addr, "198.18.") {
			t.Errorf("instance %d not in its own namespace: %+v", in.ID, in)
		}
	}
	// The product read needs Redis, which the instances reach across
	// their links too.
	rep, err := lab.RunLoad(context.Background(), LoadOptions{Workload: WorkloadProduct, MaxRequests: 40, Connections: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result.Errors != 0 || rep.Instances[0].Requests == 0 || rep.Instances[1].Requests == 0 {
		t.Errorf("through namespaces: %+v %v %v", rep.Instances, rep.Result.ErrorsByKind, rep.Result.ErrorSamples)
	}
	if chk, err := lab.CheckSessions(context.Background(), "redis", 4); err != nil || chk.OK != 4 {
		t.Errorf("redis sessions through namespaces: %+v %v", chk, err)
	}
	if err := lab.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile("/proc/self/mounts") // ip netns keeps a bind mount per namespace
	for _, in := range snap.Instances {
		if strings.Contains(string(out), "/netns/"+in.NetNS+" ") {
			t.Errorf("namespace %s left behind", in.NetNS)
		}
	}
}

// TestKilledLabLeavesNothing kills the process that runs a lab with SIGKILL,
// which no cleanup code sees: every process of the lab must still go
// (parent-death signals, and the supervisor for nginx's workers).
func TestKilledLabLeavesNothing(t *testing.T) {
	requireTools(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), testLabEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		PIDs  []int  `json:"pids"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(line), &got); err != nil || got.Error != "" || len(got.PIDs) < 6 {
		t.Fatalf("helper said %q (%v)", line, err)
	}
	var names []string
	for _, p := range got.PIDs {
		names = append(names, comm(p))
	}
	t.Logf("lab processes before the kill: %v %v", got.PIDs, names)
	cmd.Process.Kill()
	cmd.Wait()
	checkGone(t, got.PIDs)
}
