package launch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/probe"
	"github.com/nodedive/nodedive/labs/secure"
	"github.com/nodedive/nodedive/labs/secure/launch"
	"github.com/nodedive/nodedive/labs/secure/redisrun"
)

// The Go workers are this test binary, re-executed by the cluster.
func TestMain(m *testing.M) {
	cluster.RunChildIfRequested()
	if opts := os.Getenv(testPrimaryEnv); opts != "" {
		os.Exit(runTestPrimary(opts))
	}
	code := m.Run()
	if npmDir != "" {
		os.RemoveAll(npmDir)
	}
	os.Exit(code)
}

// testLimit is small: each wrong password of the brute-force probe costs a
// bcrypt comparison in a worker.
const testLimit = 3

// testPrimaryEnv makes the test binary a stand-alone lab process for the
// kill -9 test: it starts the lab described by the JSON options, prints
// every pid it started and waits to be killed.
const testPrimaryEnv = "NODEDIVE_SECURE_TEST_PRIMARY"

func runTestPrimary(raw string) int {
	var spec testPrimarySpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		fmt.Println(`{"error":"bad options"}`)
		return 1
	}
	opts := baseOptions(spec.Runtime, spec.Store)
	opts.CacheDir = spec.CacheDir
	lab, err := launch.Start(context.Background(), opts)
	if err != nil {
		b, _ := json.Marshal(map[string]string{"error": err.Error()})
		fmt.Println(string(b))
		return 1
	}
	b, _ := json.Marshal(map[string]any{"pids": lab.PIDs()})
	fmt.Println(string(b))
	select {}
}

type testPrimarySpec struct{ Runtime, Store, CacheDir string }

func baseOptions(runtime, store string) launch.Options {
	return launch.Options{
		Runtime:       runtime,
		Workers:       2,
		Store:         store,
		Limit:         testLimit,
		Window:        time.Minute,
		HeaderTimeout: time.Second,
		Secret:        "test-secret-test-secret-test-secret!",
	}
}

// The Express app's packages are installed once per test run, for real,
// into a temp cache dir (npm's own cache makes repeats fast).
var (
	npmOnce sync.Once
	npmDir  string
	npmErr  error
)

func nodeOptions(t *testing.T, store string) launch.Options {
	t.Helper()
	nodetest.RequireNode(t)
	nodetest.RequireTool(t, "npm", "npm comes with Node.js: install Node.js 20+ with npm")
	npmOnce.Do(func() {
		npmDir, npmErr = os.MkdirTemp("", "nodedive-npm-test-")
		if npmErr == nil {
			_, npmErr = launch.InstallNodeApp(context.Background(), npmDir, nil, nil)
		}
	})
	if npmErr != nil {
		t.Fatalf("npm ci of the Express app: %v", npmErr)
	}
	o := baseOptions(launch.RuntimeNode, store)
	o.CacheDir = npmDir
	return o
}

// start runs a lab for one test and checks on cleanup that it left no
// process behind.
func start(t *testing.T, opts launch.Options) *launch.Lab {
	t.Helper()
	if testing.Verbose() {
		opts.Log = testLog{t}
	}
	lab, err := launch.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pids := lab.PIDs()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := lab.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		assertGone(t, pids)
	})
	return lab
}

func assertGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var alive []int
		for _, pid := range pids {
			if alive_(pid) {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left behind: %v", alive)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive_ reports whether pid is a live (not zombie) process.
func alive_(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && !strings.HasPrefix(strings.TrimSpace(string(b)[i+1:]), "Z")
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func runAllProbes(t *testing.T, lab *launch.Lab) {
	t.Helper()
	results := probe.Run(context.Background(), lab.Target(), probe.All(), nil)
	if len(results) != len(probe.All()) {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if !r.Pass {
			t.Errorf("%s (%s) on the %s app: expected %s; observed %s", r.Name, r.Lesson, lab.Runtime, r.Expected, r.Observed)
		} else if testing.Verbose() {
			t.Logf("%-18s pass: %s", r.Name, r.Observed)
		}
	}
}

// One Go cluster and one Express cluster, both with the primary store, serve
// the probe suite, the header comparison and the exact-limit check.
func TestGoAndExpressClusters(t *testing.T) {
	goLab := start(t, baseOptions(launch.RuntimeGo, secure.StorePrimary))
	nodeLab := start(t, nodeOptions(t, secure.StorePrimary))
	if len(goLab.Workers) != 2 || goLab.Primary != os.Getpid() {
		t.Fatalf("Go lab: workers %v, primary %d", goLab.Workers, goLab.Primary)
	}
	if len(nodeLab.Workers) != 2 || nodeLab.Primary == os.Getpid() {
		t.Fatalf("Express lab: workers %v, primary %d", nodeLab.Workers, nodeLab.Primary)
	}
	t.Run("go/every-probe-passes", func(t *testing.T) { runAllProbes(t, goLab) })
	t.Run("node/every-probe-passes", func(t *testing.T) { runAllProbes(t, nodeLab) })
	t.Run("headers-match", func(t *testing.T) { compareHeaders(t, goLab, nodeLab) })
	for _, lab := range []*launch.Lab{goLab, nodeLab} {
		t.Run(lab.Runtime+"/primary-store-is-exact", func(t *testing.T) {
			ok, pids := throughput(t, lab.URL, 4*testLimit)
			if ok != testLimit {
				t.Errorf("%d of %d requests got through (by worker: %v), want %d", ok, 4*testLimit, pids, testLimit)
			}
		})
	}
}

// TestExpressOnAGivenNode: Options.Node runs the Express cluster on that
// node, not on the one on PATH.
func TestExpressOnAGivenNode(t *testing.T) {
	node := nodetest.NodeLine(t, 24)
	o := nodeOptions(t, secure.StoreMemory)
	o.Node, o.Workers = node, 1
	lab := start(t, o)
	want, err := filepath.EvalSymlinks(node)
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range append([]int{lab.Primary}, lab.Workers...) {
		if exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe")); err != nil || exe != want {
			t.Errorf("process %d runs %q (%v), want %s", pid, exe, err, want)
		}
	}
}

// throughput counts how many of n requests from one client (a fresh
// connection each, so the cluster spreads them) are let through.
func throughput(t *testing.T, url string, n int) (ok int, pids map[string]int) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	ip := fmt.Sprintf("203.0.113.%d", time.Now().UnixNano()%250+1)
	pids = map[string]int{}
	for range n {
		req, _ := http.NewRequest(http.MethodGet, url+"/", nil)
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			ok++
			pids[resp.Header.Get("X-Worker-Pid")]++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	return ok, pids
}

// The stores, side by side: memory lets workers × limit through, primary,
// redis and shared exactly the limit.
func TestStoresAcrossWorkers(t *testing.T) {
	type row struct{ runtime, store string }
	rows := []row{
		{launch.RuntimeGo, secure.StoreMemory},
		{launch.RuntimeGo, secure.StoreRedis},
		{launch.RuntimeGo, secure.StoreShared},
		{launch.RuntimeNode, secure.StoreMemory},
		{launch.RuntimeNode, secure.StoreRedis},
		// The primary store is checked in TestGoAndExpressClusters.
	}
	for _, r := range rows {
		t.Run(r.runtime+"/"+r.store, func(t *testing.T) {
			if r.store == secure.StoreRedis {
				nodetest.RequireTool(t, "redis-server", redisrun.InstallHint)
			}
			opts := baseOptions(r.runtime, r.store)
			if r.runtime == launch.RuntimeNode {
				opts = nodeOptions(t, r.store)
			}
			lab := start(t, opts)
			ok, pids := throughput(t, lab.URL, 4*testLimit)
			want := testLimit
			if r.store == secure.StoreMemory {
				want = 2 * testLimit
			}
			if ok != want {
				t.Errorf("%d of %d requests got through (by worker: %v), want %d", ok, 4*testLimit, pids, want)
			}
			// The probe reaches the same verdict.
			p, _ := probe.Lookup("rate-limit-workers")
			res := p[0].Run(context.Background(), lab.Target())
			if res.Pass != (r.store != secure.StoreMemory) {
				t.Errorf("probe: pass=%v: %s", res.Pass, res.Observed)
			}
		})
	}
}

// compareHeaders checks that both apps answer with the same status, body
// and headers, and that those are helmet's.
func compareHeaders(t *testing.T, goLab, nodeLab *launch.Lab) {
	type call struct {
		name, method, path, body string
		header                   map[string]string
	}
	calls := []call{
		{"GET /", "GET", "/", "", nil},
		{"foreign origin", "GET", "/", "", map[string]string{"Origin": "https://evil.example"}},
		{"trusted origin", "GET", "/", "", map[string]string{"Origin": "https://trusted.com"}},
		{"preflight", "OPTIONS", "/login", "", map[string]string{
			"Origin":                        "https://trusted.com",
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-custom",
		}},
		{"404", "GET", "/nope", "", nil},
		{"500", "GET", "/boom", "", nil},
		{"400 malformed", "POST", "/login", `{"email":`, map[string]string{"Content-Type": "application/json"}},
		{"400 missing", "POST", "/login", `{}`, map[string]string{"Content-Type": "application/json"}},
		{"413", "POST", "/login", `{"x":"` + strings.Repeat("a", 11000) + `"}`, map[string]string{"Content-Type": "application/json"}},
		{"401 /me", "GET", "/me", "", nil},
	}
	// Volatile or transport headers, and the Go cluster's worker tag.
	skip := []string{"Date", "Connection", "Keep-Alive", "X-Worker-Pid", "Content-Length"}
	fetch := func(base string, c call, ip string) (int, http.Header, string) {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, k := range skip {
			resp.Header.Del(k)
		}
		return resp.StatusCode, resp.Header, string(body)
	}
	for i, c := range calls {
		ip := fmt.Sprintf("192.0.2.%d", i+1+int(time.Now().UnixNano()%100))
		gs, gh, gb := fetch(goLab.URL, c, ip)
		ns, nh, nb := fetch(nodeLab.URL, c, ip)
		if gs != ns {
			t.Errorf("%s: Go %d, Express %d", c.name, gs, ns)
		}
		if c.path != "/" && gb != nb {
			t.Errorf("%s: bodies differ:\n Go      %s\n Express %s", c.name, gb, nb)
		}
		for _, k := range union(gh, nh) {
			if g, n := strings.Join(gh.Values(k), ", "), strings.Join(nh.Values(k), ", "); g != n {
				t.Errorf("%s: header %s: Go %q, Express %q", c.name, k, g, n)
			}
		}
		for _, h := range probe.HelmetDefaults {
			if got := nh.Get(h.Name); got != h.Value {
				t.Errorf("%s: Express %s = %q, helmet's default is %q", c.name, h.Name, got, h.Value)
			}
		}
		if nh.Get("X-Powered-By") != "" || gh.Get("X-Powered-By") != "" {
			t.Errorf("%s: X-Powered-By sent", c.name)
		}
	}
	// The rate limit's 429, with its headers.
	for i := range testLimit + 1 {
		_, gh, _ := fetch(goLab.URL, calls[0], "192.0.2.200")
		_, nh, _ := fetch(nodeLab.URL, calls[0], "192.0.2.200")
		if i == testLimit {
			for _, k := range []string{"RateLimit", "RateLimit-Policy", "Retry-After"} {
				if gh.Get(k) != nh.Get(k) || gh.Get(k) == "" {
					t.Errorf("429 %s: Go %q, Express %q", k, gh.Get(k), nh.Get(k))
				}
			}
		}
	}
}

func union(a, b http.Header) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func TestBadOptions(t *testing.T) {
	for _, c := range []struct {
		opts launch.Options
		want string
	}{
		{launch.Options{Store: "redsi"}, `did you mean "redis"`},
		{launch.Options{Runtime: "deno"}, `unknown runtime "deno"`},
		{launch.Options{Workers: 65}, "between 1 and 64"},
		{launch.Options{Policy: "random"}, "scheduling policy"},
		{launch.Options{Secret: "short"}, "at least 32"},
		{launch.Options{Runtime: "node", Weak: secure.Weaknesses{NoHeaders: true}, CacheDir: "x"}, "Go-runtime"},
		{launch.Options{Runtime: "node", CacheDir: "x", Port: takenPort(t)}, "already in use"},
	} {
		_, err := launch.Start(context.Background(), c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opts, err, c.want)
		}
	}
}

// takenPort listens on a port for the rest of the test.
func takenPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// Without redis-server on PATH the redis store says what to do, and nothing
// is left running.
func TestRedisMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := launch.Start(context.Background(), baseOptions(launch.RuntimeGo, secure.StoreRedis))
	if !errors.Is(err, redisrun.ErrNoRedis) || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Fatalf("got %v", err)
	}
}

// A weakened Go cluster fails the probes of the defences it lacks.
func TestWeakGoClusterFails(t *testing.T) {
	opts := baseOptions(launch.RuntimeGo, secure.StoreMemory)
	opts.Weak = secure.Weaknesses{NoHeaders: true, NoRateLimit: true}
	lab := start(t, opts)
	probes, _ := probe.Lookup("headers", "powered-by", "brute-force")
	target := lab.Target()
	target.MaxBurst = 2 * testLimit
	for _, r := range probe.Run(context.Background(), target, probes, nil) {
		if r.Pass {
			t.Errorf("%s passed on a weakened app: %s", r.Name, r.Observed)
		}
	}
}

// Whatever kills nodedive, even SIGKILL, takes the Express primary, its
// workers and the lab's redis-server with it.
func TestKill9LeavesNothing(t *testing.T) {
	nodetest.RequireTool(t, "redis-server", redisrun.InstallHint)
	opts := nodeOptions(t, secure.StoreRedis)
	raw, _ := json.Marshal(testPrimarySpec{opts.Runtime, opts.Store, opts.CacheDir})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), testPrimaryEnv+"="+string(raw))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Whatever happens below, the lab process goes (and with it, if the
	// lab works, everything it started).
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	var got struct {
		PIDs  []int  `json:"pids"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(out).Decode(&got); err != nil || got.Error != "" {
		t.Fatalf("lab process: %v %s", err, got.Error)
	}
	// The Node primary, 2 workers and redis-server.
	if len(got.PIDs) != 4 || slices.Contains(got.PIDs, 0) {
		t.Errorf("pids %v", got.PIDs)
	}
	for _, pid := range got.PIDs {
		if !alive_(pid) {
			t.Errorf("pid %d not running before the kill", pid)
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	assertGone(t, got.PIDs)
}
