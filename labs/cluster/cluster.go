// Package cluster runs a real multi-process HTTP cluster on one loopback
// port, the way Node's cluster module does, so the lab can show what the
// lesson says: round-robin versus shared accept, respawning crashed workers,
// rolling restarts that drop nothing, and graceful shutdown.
//
// Two runtimes sit behind one API. RuntimeGo makes the calling process the
// primary and re-executes the nodedive binary (ChildRole) as the workers;
// RuntimeNode runs the lesson's own JavaScript server (content/labs/cluster)
// on the installed node and follows it through the JSON lines it prints.
//
// # Driving a cluster
//
//	c, err := cluster.Start(ctx, cluster.Config{Workers: 2})    // ctx bounds its life
//	events, cancel := c.Subscribe()                             // forked, listening, exited, respawned, restart-*...
//	snap := c.Snapshot()                                        // workers: id, slot, pid, state, requests, RSS
//	c.KillWorker(snap.Workers[0].ID)                            // SIGKILL: the primary respawns it
//	c.RollingRestart(ctx)                                       // one worker at a time, nothing dropped
//	c.Stop(ctx)                                                 // drain everything, then exit
//
// The policy is fixed for a cluster's life (Node's too): to switch, Stop and
// Start again with the other Config.Policy.
//
// # Plugging in an app (Go runtime)
//
// A worker serves a registered App, built in each worker process from
// Config.AppConfig. Register it in an init function of the app's package, so
// the workers (fresh processes of the same binary) have it too:
//
//	func init() {
//		cluster.RegisterApp("secure", func(w *cluster.Worker, config json.RawMessage) (*cluster.App, error) {
//			return &cluster.App{Handler: mux, Configure: func(s *http.Server) { s.ReadHeaderTimeout = 5 * time.Second }}, nil
//		})
//	}
//
// Shared state lives in the primary: a worker asks with Worker.Call and a
// Handler in Config.Handlers answers (one goroutine per call; lock shared
// state). The same handlers serve Node workers, whose app module gets
// cluster.call(name, data) (see content/labs/cluster/server.js):
//
//	// in the worker:
//	var n int
//	err := w.Call(r.Context(), "ratelimit.incr", incrReq{Key: ip, WindowMS: 900000}, &n)
//	// in the primary:
//	cfg.Handlers = map[string]cluster.Handler{"ratelimit.incr": store.incr}
//
// Every response carries X-Worker-Pid; the hello app's GET / also puts the
// pid in its JSON body, and other apps should do the same (Worker.PID).
//
// # Tests
//
// In a package's tests os.Executable() is the test binary, so the workers a
// test starts are that binary with ChildRole. Serve the role first thing in
// TestMain (and register test apps in the test files' init):
//
//	func TestMain(m *testing.M) {
//		cluster.RunChildIfRequested()
//		os.Exit(m.Run())
//	}
//
// This package knows nothing of security: the security lab brings its app
// and its handlers.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/labs/loopback"
)

// WorkerState is where a worker is in its life.
type WorkerState string

// The states a worker goes through, in order.
const (
	StateStarting  WorkerState = "starting"  // forked, not yet serving
	StateListening WorkerState = "listening" // serving requests
	StateDraining  WorkerState = "draining"  // finishing in-flight work, taking no new
	StateExited    WorkerState = "exited"
)

// ClusterState is where the cluster is in its life.
type ClusterState string

// The states of the cluster as a whole.
const (
	ClusterStarting ClusterState = "starting"
	ClusterRunning  ClusterState = "running"
	ClusterStopping ClusterState = "stopping"
	ClusterStopped  ClusterState = "stopped"
	ClusterFailed   ClusterState = "failed"
)

// WorkerInfo is one worker as the primary last saw it.
type WorkerInfo struct {
	ID       int         `json:"id"`
	Slot     int         `json:"slot"`
	PID      int         `json:"pid"`
	State    WorkerState `json:"state"`
	Requests uint64      `json:"requests"`    // served, as the worker reported
	Conns    int64       `json:"connections"` // open connections (Go workers)
	RSS      uint64      `json:"rss_bytes"`   // resident memory, /proc/PID/status
	PeakRSS  uint64      `json:"peak_rss_bytes"`
	// Private is resident anonymous memory (RssAnon): what this worker
	// alone costs, without the executable's pages shared by all workers.
	Private     uint64    `json:"private_bytes"`
	PeakPrivate uint64    `json:"peak_private_bytes"`
	StartedAt   time.Time `json:"started_at"`
	// Set once exited.
	ExitCode *int   `json:"exit_code,omitempty"` // nil when killed by a signal
	Signal   string `json:"signal,omitempty"`
	Planned  bool   `json:"planned,omitempty"` // the primary asked it to leave
}

// Snapshot is the cluster at one moment.
type Snapshot struct {
	Runtime    Runtime      `json:"runtime"`
	Policy     Policy       `json:"policy"`
	Port       int          `json:"port"`
	URL        string       `json:"url"`
	PrimaryPID int          `json:"primary_pid"`
	State      ClusterState `json:"state"`
	Restarting bool         `json:"restarting"`
	// Workers are the live ones (starting, listening, draining), by slot.
	Workers []WorkerInfo `json:"workers"`
	// Exited are the workers that have left, oldest first (the last 64).
	Exited    []WorkerInfo `json:"exited"`
	Respawns  int          `json:"respawns"` // replacements forked for crashed workers
	Restarts  int          `json:"restarts"` // completed rolling restarts
	StartedAt time.Time    `json:"started_at"`
}

// Cluster is a running cluster of either runtime. All methods are safe for
// concurrent use.
type Cluster struct {
	cfg     Config
	backend backend

	mu         sync.Mutex
	state      ClusterState
	port       int
	primaryPID int
	workers    map[int]*WorkerInfo
	gone       []WorkerInfo
	respawns   int
	restarts   int
	restarting bool
	started    time.Time
	events     []Event
	subs       map[*subscriber]struct{}
	err        error

	stopOnce sync.Once
	stopErr  error
	done     chan struct{}
}

// backend is one runtime's mechanics; Cluster keeps the shared bookkeeping.
type backend interface {
	start(ctx context.Context) error
	rollingRestart(ctx context.Context) error
	stop(ctx context.Context) error
}

// Errors the control methods return.
var (
	ErrRestartInProgress = errors.New("a rolling restart is already running")
	ErrStopped           = errors.New("the cluster is stopped")
	ErrNoSuchWorker      = errors.New("no such worker")
)

// Start validates cfg, starts the cluster and returns once every worker is
// listening. When a worker cannot start, the error is a *StartError with its
// output. ctx bounds the cluster's life: when it ends, the cluster stops
// gracefully (within DrainTimeout), as Stop does.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := &Cluster{
		cfg:     cfg,
		state:   ClusterStarting,
		port:    cfg.Port,
		workers: map[int]*WorkerInfo{},
		subs:    map[*subscriber]struct{}{},
		started: time.Now(),
		done:    make(chan struct{}),
	}
	switch cfg.Runtime {
	case RuntimeNode:
		c.backend = newNodeBackend(c)
	default:
		c.backend = newGoBackend(c)
	}
	if err := c.backend.start(ctx); err != nil {
		c.finish(ClusterFailed, err)
		return nil, err
	}
	c.mu.Lock()
	if c.state == ClusterStarting {
		c.state = ClusterRunning
	}
	c.mu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout+2*time.Second)
			defer cancel()
			_ = c.Stop(sctx)
		case <-c.done:
		}
	}()
	return c, nil
}

// Config returns the configuration in force (defaults filled in).
func (c *Cluster) Config() Config { return c.cfg }

// Port is the port the cluster serves on.
func (c *Cluster) Port() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.port
}

// URL is the cluster's base URL, http://127.0.0.1:PORT/.
func (c *Cluster) URL() string { return fmt.Sprintf("http://%s/", loopback.Addr(c.Port())) }

// Done is closed when the cluster has stopped, by Stop, by its context or
// because it failed (see Err).
func (c *Cluster) Done() <-chan struct{} { return c.done }

// Err is why the cluster stopped by itself (a *CrashLoopError, a Node
// primary that died), or nil.
func (c *Cluster) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Snapshot returns the current state.
func (c *Cluster) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Snapshot{
		Runtime:    c.cfg.Runtime,
		Policy:     c.cfg.Policy,
		Port:       c.port,
		URL:        fmt.Sprintf("http://%s/", loopback.Addr(c.port)),
		PrimaryPID: c.primaryPID,
		State:      c.state,
		Restarting: c.restarting,
		Respawns:   c.respawns,
		Restarts:   c.restarts,
		StartedAt:  c.started,
		Exited:     slices.Clone(c.gone),
	}
	for _, w := range c.workers {
		s.Workers = append(s.Workers, *w)
	}
	slices.SortFunc(s.Workers, func(a, b WorkerInfo) int {
		if a.Slot != b.Slot {
			return a.Slot - b.Slot
		}
		return a.ID - b.ID
	})
	return s
}

// KillWorker sends SIGKILL to the worker with this id, as a crash or the
// OOM killer would. The primary sees an unplanned exit and respawns it.
func (c *Cluster) KillWorker(id int) error { return c.SignalWorker(id, syscall.SIGKILL) }

// SignalWorker sends sig to the worker with this id (SIGTERM shows the
// exit "code null, signal SIGTERM" of the lesson).
func (c *Cluster) SignalWorker(id int, sig syscall.Signal) error {
	c.mu.Lock()
	if c.state != ClusterRunning {
		c.mu.Unlock()
		return ErrStopped
	}
	w, ok := c.workers[id]
	if !ok || w.State == StateExited {
		ids := make([]string, 0, len(c.workers))
		for id := range c.workers {
			ids = append(ids, fmt.Sprint(id))
		}
		slices.Sort(ids)
		c.mu.Unlock()
		return fmt.Errorf("%w %d (live workers: %s)", ErrNoSuchWorker, id, strings.Join(ids, ", "))
	}
	pid, slot := w.PID, w.Slot
	c.mu.Unlock()
	c.emit(Event{
		Kind: EventKilled, WorkerID: id, PID: pid, Slot: slot, Signal: signalName(sig),
		Message: fmt.Sprintf("sent %s to worker %d (pid %d)", signalName(sig), id, pid),
	})
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("signal worker %d (pid %d): %w", id, pid, err)
	}
	return nil
}

// RollingRestart replaces every worker, one at a time: start the new one,
// wait until it listens, then drain the old one (no new connections,
// keep-alive off, finish in-flight requests, exit). It returns when all are
// replaced. Only one runs at a time (ErrRestartInProgress).
func (c *Cluster) RollingRestart(ctx context.Context) error {
	c.mu.Lock()
	if c.state != ClusterRunning {
		c.mu.Unlock()
		return ErrStopped
	}
	if c.restarting {
		c.mu.Unlock()
		return ErrRestartInProgress
	}
	c.restarting = true
	c.mu.Unlock()
	c.emit(Event{Kind: EventRestartBegin, Message: "rolling restart: replacing workers one at a time"})
	start := time.Now()
	err := c.backend.rollingRestart(ctx)
	c.mu.Lock()
	c.restarting = false
	if err == nil {
		c.restarts++
	}
	c.mu.Unlock()
	if err != nil {
		c.emit(Event{Kind: EventRestartFailed, Message: "rolling restart failed: " + err.Error()})
		return err
	}
	c.emit(Event{Kind: EventRestartDone, Message: fmt.Sprintf("rolling restart done in %v", time.Since(start).Round(time.Millisecond))})
	return nil
}

// Stop shuts the cluster down gracefully: no new connections, every worker
// drains and exits. Workers still running when ctx ends (default deadline:
// DrainTimeout plus 2s) are killed. Stop is idempotent; later calls wait
// for the first and return its result.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.cfg.DrainTimeout+2*time.Second)
			defer cancel()
		}
		c.mu.Lock()
		if c.state == ClusterRunning || c.state == ClusterStarting {
			c.state = ClusterStopping
		}
		c.mu.Unlock()
		c.emit(Event{Kind: EventStopping, Message: "stopping: draining every worker"})
		c.stopErr = c.backend.stop(ctx)
		c.finish(ClusterStopped, nil)
	})
	<-c.done
	return c.stopErr
}

// fail stops the cluster because of err (a crash loop, a dead primary).
func (c *Cluster) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.DrainTimeout+2*time.Second)
		defer cancel()
		_ = c.Stop(ctx)
	}()
}

// finish marks the cluster over and closes subscriptions.
func (c *Cluster) finish(state ClusterState, err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	if c.err != nil {
		state = ClusterFailed
	}
	select {
	case <-c.done:
		c.mu.Unlock()
		return
	default:
	}
	c.state = state
	msg := "stopped"
	if c.err != nil {
		msg = "stopped: " + c.err.Error()
	}
	c.mu.Unlock()
	c.emit(Event{Kind: EventStopped, Message: msg})
	c.mu.Lock()
	for s := range c.subs {
		s.close()
	}
	c.subs = map[*subscriber]struct{}{}
	close(c.done)
	c.mu.Unlock()
}

// ---- bookkeeping shared by the backends ----

func (c *Cluster) setPort(port int) {
	c.mu.Lock()
	c.port = port
	c.mu.Unlock()
}

func (c *Cluster) setPrimaryPID(pid int) {
	c.mu.Lock()
	c.primaryPID = pid
	c.mu.Unlock()
}

// forked records a new worker. respawnOf is the crashed worker it replaces
// (nil for the first start and rolling restarts).
func (c *Cluster) forked(id, slot, pid int, respawnOf *WorkerRef) {
	c.mu.Lock()
	c.workers[id] = &WorkerInfo{ID: id, Slot: slot, PID: pid, State: StateStarting, StartedAt: time.Now()}
	if respawnOf != nil {
		c.respawns++
	}
	c.mu.Unlock()
	c.emit(Event{
		Kind: EventForked, WorkerID: id, PID: pid, Slot: slot,
		Message: fmt.Sprintf("forked worker %d (pid %d) in slot %d", id, pid, slot),
	})
	if respawnOf != nil {
		c.emit(Event{
			Kind: EventRespawned, WorkerID: id, PID: pid, Slot: slot, Replaces: respawnOf.ID,
			Message: fmt.Sprintf("respawned: worker %d (pid %d) replaces crashed worker %d (pid %d)", id, pid, respawnOf.ID, respawnOf.PID),
		})
	}
}

func (c *Cluster) listening(id int) {
	c.mu.Lock()
	w, ok := c.workers[id]
	if ok && w.State == StateStarting {
		w.State = StateListening
	}
	c.mu.Unlock()
	if ok {
		c.emit(Event{
			Kind: EventListening, WorkerID: id, PID: w.PID, Slot: w.Slot,
			Message: fmt.Sprintf("worker %d (pid %d) is listening", id, w.PID),
		})
	}
}

func (c *Cluster) draining(id int) {
	c.mu.Lock()
	w, ok := c.workers[id]
	if ok {
		w.State = StateDraining
	}
	c.mu.Unlock()
	if ok {
		c.emit(Event{
			Kind: EventDraining, WorkerID: id, PID: w.PID, Slot: w.Slot,
			Message: fmt.Sprintf("draining worker %d (pid %d): no new connections, keep-alive off", id, w.PID),
		})
	}
}

func (c *Cluster) stats(id int, requests uint64, conns int64, rss uint64) {
	c.mu.Lock()
	pid := 0
	if w, ok := c.workers[id]; ok {
		pid = w.PID
	}
	c.mu.Unlock()
	var private uint64
	if rss > 0 && pid > 0 {
		private, _ = readPrivate(pid) // read outside the lock: it is a file read
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.workers[id]
	if !ok {
		return
	}
	w.Requests, w.Conns = requests, conns
	if rss > 0 {
		w.RSS = rss
		w.PeakRSS = max(w.PeakRSS, rss)
	}
	if private > 0 {
		w.Private = private
		w.PeakPrivate = max(w.PeakPrivate, private)
	}
}

// exited moves a worker to the exited list and reports how it ended.
func (c *Cluster) exited(id int, code *int, signal string, planned bool, output string) {
	c.mu.Lock()
	w, ok := c.workers[id]
	if !ok {
		c.mu.Unlock()
		return
	}
	delete(c.workers, id)
	w.State, w.ExitCode, w.Signal, w.Planned = StateExited, code, signal, planned
	w.Conns = 0
	c.gone = append(c.gone, *w)
	if len(c.gone) > 64 {
		c.gone = slices.Delete(c.gone, 0, len(c.gone)-64)
	}
	info := *w
	c.mu.Unlock()
	ev := Event{Kind: EventExited, WorkerID: id, PID: info.PID, Slot: info.Slot, Code: code, Signal: signal, Planned: planned}
	how := describeExit(code, signal)
	if planned {
		ev.Message = fmt.Sprintf("worker %d (pid %d) exited after drain (%s)", id, info.PID, how)
	} else {
		ev.Message = fmt.Sprintf("worker %d (pid %d) died (%s)", id, info.PID, how)
		ev.Output = output
	}
	c.emit(ev)
}

func describeExit(code *int, signal string) string {
	c := "null"
	if code != nil {
		c = fmt.Sprint(*code)
	}
	s := "null"
	if signal != "" {
		s = signal
	}
	return "code " + c + ", signal " + s
}

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGSEGV:
		return "SIGSEGV"
	case syscall.SIGABRT:
		return "SIGABRT"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	case syscall.SIGUSR1:
		return "SIGUSR1"
	case syscall.SIGUSR2:
		return "SIGUSR2"
	}
	return sig.String()
}

// StartError is a worker (or the Node primary) that could not start, with
// what it printed.
type StartError struct {
	What   string // e.g. "worker 1 (pid 123)"
	Reason string // e.g. "exited with code 2 before listening"
	Output string // its last output lines
}

func (e *StartError) Error() string {
	msg := e.What + " could not start: " + e.Reason
	if out := strings.TrimSpace(e.Output); out != "" {
		msg += "\n" + indent(out)
	}
	return msg
}

// CrashLoopError stops a cluster whose worker keeps dying right after it
// starts.
type CrashLoopError struct {
	Slot    int
	Crashes int
	Last    string // how the last one ended
	Output  string
}

func (e *CrashLoopError) Error() string {
	msg := fmt.Sprintf("crash loop: the worker in slot %d died %d times in a row right after starting (last: %s); stopped respawning it",
		e.Slot, e.Crashes, e.Last)
	if out := strings.TrimSpace(e.Output); out != "" {
		msg += "\n" + indent(out)
	}
	return msg
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "  | " + l
	}
	return strings.Join(lines, "\n")
}
