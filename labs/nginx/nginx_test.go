package nginx

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

// The test binary doubles as the nginx supervisor.
func TestMain(m *testing.M) {
	RunSupervisor(os.Args)
	os.Exit(m.Run())
}

// upstream is a tiny HTTP server that says who it is.
func upstream(t *testing.T, name string) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Instance", name)
		_, _ = io.WriteString(w, name)
	})}
	go func() { _ = srv.Serve(ln) }()
	var once sync.Once
	stop = func() { once.Do(func() { srv.Close() }) }
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

type recorder struct {
	mu     sync.Mutex
	served map[string]int
	errs   []ErrorEntry
}

func (r *recorder) opts() Options {
	return Options{
		OnAccess: func(e Entry) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.served[e.Headers["X-Instance"]]++
		},
		OnError: func(e ErrorEntry) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.errs = append(r.errs, e)
		},
	}
}

func (r *recorder) count(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.served[name]
}

func (r *recorder) disabled(addr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.errs {
		if e.Disabled && e.Upstream == addr {
			return true
		}
	}
	return false
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func startNginx(t *testing.T, cfg Config, opts Options) *Server {
	t.Helper()
	nodetest.RequireTool(t, "nginx", InstallHint)
	s, err := Start(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	pids := append([]int{s.PID()}, s.WorkerPIDs()...)
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Error(err)
		}
		for _, p := range pids {
			if alive(p) {
				t.Errorf("nginx process %d is still alive after Stop", p)
			}
		}
		if _, err := os.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("nginx dir %s left behind", s.Dir())
		}
	})
	return s
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// A zombie is dead for our purposes.
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || !strings.HasPrefix(string(b[i+1:]), " Z")
}

func TestRoundRobinReloadAndPassiveHealth(t *testing.T) {
	a, _ := upstream(t, "a")
	b, stopB := upstream(t, "b")
	rec := &recorder{served: map[string]int{}}
	s := startNginx(t, Config{Upstreams: []string{a, b}, LogHeaders: []string{"X-Instance"}, FailTimeout: time.Second, MaxFails: 1}, rec.opts())
	if len(s.WorkerPIDs()) != 2 {
		t.Errorf("want 2 nginx workers, got %v", s.WorkerPIDs())
	}
	for range 20 {
		get(t, s.URL()+"/")
	}
	waitFor(t, func() bool { return rec.count("a")+rec.count("b") == 20 })
	if rec.count("a") != 10 || rec.count("b") != 10 {
		t.Errorf("round-robin: a=%d b=%d, want 10 each", rec.count("a"), rec.count("b"))
	}

	// ip_hash: every client here is 127.0.0.1, so one server gets all.
	before := s.WorkerPIDs()
	cfg := s.Config()
	cfg.Balancing = IPHash
	if err := s.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if freshWorkers(before, s.WorkerPIDs()) == 0 {
		t.Errorf("reload kept the old workers %v", before)
	}
	if !strings.Contains(s.ConfigText(), "ip_hash;") {
		t.Error("reloaded config has no ip_hash")
	}
	seen := map[string]bool{}
	for range 10 {
		seen[get(t, s.URL()+"/")] = true
	}
	if len(seen) != 1 {
		t.Errorf("ip-hash from one address reached %v, want one server", seen)
	}

	// A dead upstream: requests still succeed (nginx retries the other),
	// and the error log says nginx left it out.
	cfg.Balancing = RoundRobin
	if err := s.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	stopB()
	for range 6 {
		if got := get(t, s.URL()+"/"); got != "a" {
			t.Errorf("with b down got %q", got)
		}
	}
	waitFor(t, func() bool { return rec.disabled(b) })
}

func TestBadInput(t *testing.T) {
	if _, err := ParseBalancing("least-con"); err == nil || !strings.Contains(err.Error(), "least-conn") {
		t.Errorf("want a suggestion, got %v", err)
	}
	if err := (Config{}).Validate(); err == nil {
		t.Error("no upstreams accepted")
	}
	if err := (Config{Upstreams: []string{"127.0.0.1:1; evil"}}).Validate(); err == nil {
		t.Error("injection in upstream accepted")
	}
	a, _ := upstream(t, "a")
	// A port in use is refused with a clear message, nothing left running.
	nodetest.RequireTool(t, "nginx", InstallHint)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Start(context.Background(), Config{Port: ln.Addr().(*net.TCPAddr).Port, Upstreams: []string{a}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Errorf("want port-in-use error, got %v", err)
	}
}

func TestParseLogs(t *testing.T) {
	e, ok := ParseAccess([]byte(`{"msec":"1700000000.123","status":"200","request_time":"0.012","method":"GET","uri":"/","upstream_addr":"127.0.0.1:1, 127.0.0.1:2","upstream_status":"502, 200","upstream_response_time":"0.000, 0.011","h_x_instance":"2"}`))
	if !ok || e.Status != 200 || len(e.Tries) != 2 || e.Tries[0].Status != 502 || e.Served() != "127.0.0.1:2" || e.Headers["X-Instance"] != "2" {
		t.Errorf("bad parse: %+v", e)
	}
	l := `2024/05/01 10:00:00 [warn] 12#12: *7 upstream server temporarily disabled while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:4001/", host: "x"`
	ee, ok := ParseError(l)
	if !ok || !ee.Disabled || ee.Upstream != "127.0.0.1:4001" || ee.Level != "warn" {
		t.Errorf("bad parse: %+v", ee)
	}
}

func TestKilledMasterTakesWorkers(t *testing.T) {
	a, _ := upstream(t, "a")
	s := startNginx(t, Config{Upstreams: []string{a}}, Options{})
	workers := s.WorkerPIDs()
	// Workers share the master's process group: a group kill (what a
	// crash of nodedive amounts to via Pdeathsig + KillGroup) ends all.
	syscall.Kill(-s.PID(), syscall.SIGKILL)
	<-s.Done()
	waitFor(t, func() bool {
		for _, p := range workers {
			if alive(p) {
				return false
			}
		}
		return true
	})
}

// Under the supervisor, a master that dies takes its workers with it (nginx
// alone would leave them running, holding the port).
func TestSupervisorTakesWorkers(t *testing.T) {
	a, _ := upstream(t, "a")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := startNginx(t, Config{Upstreams: []string{a}, Supervisor: exe}, Options{})
	get(t, s.URL()+"/")
	workers := s.WorkerPIDs()
	if len(workers) != 2 || s.PID() == s.cmd.Process.Pid {
		t.Fatalf("master %d, supervisor %d, workers %v", s.PID(), s.cmd.Process.Pid, workers)
	}
	// Reloads reach the master through the supervisor's hands-off.
	cfg := s.Config()
	cfg.Balancing = LeastConn
	if err := s.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	workers = s.WorkerPIDs()
	syscall.Kill(s.PID(), syscall.SIGKILL) // the master alone
	<-s.Done()
	waitFor(t, func() bool {
		for _, p := range workers {
			if alive(p) {
				return false
			}
		}
		return true
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
