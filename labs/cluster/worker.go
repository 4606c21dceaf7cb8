package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ChildRole is the hidden first argument that turns the nodedive binary into
// a cluster worker. The primary re-executes its own executable with it.
const ChildRole = "__cluster-worker"

// Environment the primary sets for a Go worker.
const (
	envID     = "NODEDIVE_CLUSTER_WORKER_ID"
	envSlot   = "NODEDIVE_CLUSTER_SLOT"
	envPolicy = "NODEDIVE_CLUSTER_POLICY"
	envApp    = "NODEDIVE_CLUSTER_APP"
	envConfig = "NODEDIVE_CLUSTER_APP_CONFIG"
	envDrain  = "NODEDIVE_CLUSTER_DRAIN_MS"
)

// Inherited descriptors: ExtraFiles[0] becomes fd 3, ExtraFiles[1] fd 4.
const (
	fdIPC      = 3
	fdListener = 4
)

// RunChild serves the worker role when args (normally os.Args) ask for it:
// it runs the worker and exits the process, never returning. Otherwise it
// returns false at once. main calls it before the CLI parses anything.
func RunChild(args []string) bool {
	if len(args) < 2 || args[1] != ChildRole {
		return false
	}
	os.Exit(runWorker())
	return true
}

// RunChildIfRequested is RunChild(os.Args), for TestMain: in a package's
// tests os.Executable() is the test binary, so the workers a test starts are
// that binary run with ChildRole, and TestMain must serve the role before
// m.Run parses test flags:
//
//	func TestMain(m *testing.M) {
//		cluster.RunChildIfRequested()
//		os.Exit(m.Run())
//	}
func RunChildIfRequested() { RunChild(os.Args) }

// Worker is a Go worker process's view of itself, handed to the app.
type Worker struct {
	id, slot int
	pid      int
	policy   Policy
	ipc      *ipcConn
	files    map[string]*os.File

	callMu  sync.Mutex
	nextID  uint64
	pending map[uint64]chan *message
	gone    chan struct{} // closed when the primary's end closes

	requests atomic.Uint64
	conns    atomic.Int64
}

// ID is the worker's cluster id (like cluster.worker.id: 1, 2, ... in fork
// order, a replacement gets a new one).
func (w *Worker) ID() int { return w.id }

// Slot is the worker's position, 0..Workers-1; a replacement takes the
// slot of the worker it replaces.
func (w *Worker) Slot() int { return w.slot }

// PID is the worker's process id.
func (w *Worker) PID() int { return w.pid }

// Policy is the cluster's scheduling policy.
func (w *Worker) Policy() Policy { return w.policy }

// Requests is how many requests this worker has started to serve.
func (w *Worker) Requests() uint64 { return w.requests.Load() }

// ErrPrimaryGone is returned by Call when the primary has gone away.
var ErrPrimaryGone = errors.New("cluster primary is gone")

// Call asks the primary to run the handler registered under name
// (Config.Handlers) with req encoded as JSON, waits for the answer and
// decodes it into resp (which may be nil). It is safe for concurrent use;
// ctx bounds the wait. A handler's error comes back as a *CallError.
func (w *Worker) Call(ctx context.Context, name string, req, resp any) error {
	data, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("cluster call %s: %w", name, err)
	}
	ch := make(chan *message, 1)
	w.callMu.Lock()
	w.nextID++
	id := w.nextID
	w.pending[id] = ch
	w.callMu.Unlock()
	defer func() {
		w.callMu.Lock()
		delete(w.pending, id)
		w.callMu.Unlock()
	}()
	if err := w.ipc.send(&message{Type: msgCall, Call: id, Name: name, Data: data}, -1); err != nil {
		return fmt.Errorf("cluster call %s: %w", name, ErrPrimaryGone)
	}
	select {
	case m := <-ch:
		if m.Err != "" {
			return &CallError{Name: name, Message: m.Err}
		}
		if resp == nil {
			return nil
		}
		if err := json.Unmarshal(m.Data, resp); err != nil {
			return fmt.Errorf("cluster call %s: decoding answer: %w", name, err)
		}
		return nil
	case <-w.gone:
		return fmt.Errorf("cluster call %s: %w", name, ErrPrimaryGone)
	case <-ctx.Done():
		return fmt.Errorf("cluster call %s: %w", name, ctx.Err())
	}
}

// CallError is a primary-side handler's error, as seen by the worker.
type CallError struct {
	Name    string
	Message string
}

func (e *CallError) Error() string { return "cluster call " + e.Name + ": " + e.Message }

// runWorker is the worker process's main. Its exit status tells the primary
// how it ended: 0 after a drain, 1 when the primary vanished, 2 when the
// worker could not start (the reason is on stderr).
func runWorker() int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "cluster worker %d: "+format+"\n", append([]any{os.Getpid()}, args...)...)
		return 2
	}
	ipc, err := fileIPC(os.NewFile(fdIPC, "cluster-ipc"))
	if err != nil {
		return fail("no IPC channel to the primary (run by a cluster primary only): %v", err)
	}
	w := &Worker{
		pid:     os.Getpid(),
		policy:  Policy(os.Getenv(envPolicy)),
		ipc:     ipc,
		pending: map[uint64]chan *message{},
		gone:    make(chan struct{}),
	}
	if w.files, err = inheritedFiles(os.Getenv(envFiles)); err != nil {
		return fail("%v", err)
	}
	w.id, _ = strconv.Atoi(os.Getenv(envID))
	w.slot, _ = strconv.Atoi(os.Getenv(envSlot))
	drainTimeout := 10 * time.Second
	if ms, err := strconv.Atoi(os.Getenv(envDrain)); err == nil && ms > 0 {
		drainTimeout = time.Duration(ms) * time.Millisecond
	}

	name := os.Getenv(envApp)
	factory, ok := lookupApp(name)
	if !ok {
		return fail("unknown app %q (this binary has: %v)", name, Apps())
	}
	var config json.RawMessage
	if c := os.Getenv(envConfig); c != "" {
		config = json.RawMessage(c)
	}
	app, err := factory(w, config)
	if err != nil {
		return fail("app %q did not start: %v", name, err)
	}
	if app == nil || (app.Handler == nil && app.Fast == nil) {
		return fail("app %q returned no handler", name)
	}

	var ln net.Listener
	var handoff *handoffListener
	switch w.policy {
	case PolicyNone:
		f := os.NewFile(fdListener, "cluster-listener")
		ln, err = net.FileListener(f)
		f.Close()
		if err != nil {
			return fail("inherited listening socket: %v", err)
		}
	default:
		handoff = newHandoffListener()
		ln = handoff
	}

	var srv appServer
	if app.Fast != nil {
		srv = newFastServer(w, app)
	} else {
		srv = newHTTPServer(w, app)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.serve(ln)
	}()

	drain := make(chan struct{})
	go w.readPrimary(handoff, drain)

	// Package initialisation of the whole binary (the lesson renderer's
	// syntax highlighter above all) leaves garbage a serving worker never
	// needs: collect it and give the pages back before taking traffic.
	debug.FreeOSMemory()
	dropStartupPages()

	if err := ipc.send(&message{Type: msgListening, PID: w.pid}, -1); err != nil {
		return 1
	}
	stopStats := make(chan struct{})
	statsDone := make(chan struct{})
	go func() {
		defer close(statsDone)
		w.reportStats(stopStats)
	}()

	select {
	case <-w.gone:
		// The primary died (its end of the socket closed): nobody will
		// hand us work or collect our status. Pdeathsig normally got here
		// first; this is the second line of defence.
		return 1
	case <-drain:
	}

	// Drain: finish what we have, take nothing new (see appServer.drain),
	// then wait for the open connections to close, up to the deadline.
	deadline := time.Now().Add(drainTimeout)
	srv.drain(ln, deadline)
	<-served
	for w.conns.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(stopStats)
	<-statsDone
	w.sendStats() // final count
	if n := w.conns.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "cluster worker %d: drain timed out after %v, closing %d connection(s)\n", w.pid, drainTimeout, n)
		srv.close()
	}
	ipc.close()
	return 0
}

// readPrimary is the worker's only IPC reader.
func (w *Worker) readPrimary(handoff *handoffListener, drain chan struct{}) {
	drained := false
	for {
		m, fd, err := w.ipc.recv()
		if err != nil {
			close(w.gone)
			return
		}
		switch m.Type {
		case msgConn:
			if fd < 0 {
				continue
			}
			if handoff == nil || drained {
				syscall.Close(fd)
				continue
			}
			handoff.push(fd)
		case msgDrain:
			if !drained {
				drained = true
				close(drain)
			}
		case msgReply:
			w.callMu.Lock()
			ch := w.pending[m.Call]
			w.callMu.Unlock()
			if ch != nil {
				ch <- m
			}
		default:
			if fd >= 0 {
				syscall.Close(fd)
			}
		}
	}
}

// reportStats sends the counters every statsEvery while they change, and at
// least every few seconds so the primary knows the worker is alive.
func (w *Worker) reportStats(stop chan struct{}) {
	const statsEvery = 250 * time.Millisecond
	t := time.NewTicker(statsEvery)
	defer t.Stop()
	var lastReq uint64
	var lastConns int64
	quiet := 0
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		req, conns := w.requests.Load(), w.conns.Load()
		if req == lastReq && conns == lastConns && quiet < 8 {
			quiet++
			continue
		}
		quiet = 0
		lastReq, lastConns = req, conns
		w.sendStats()
	}
}

func (w *Worker) sendStats() {
	rss, _ := readRSS(w.pid)
	_ = w.ipc.send(&message{Type: msgStats, PID: w.pid, Requests: w.requests.Load(), RSS: rss, Conns: w.conns.Load()}, -1)
}

// handoffListener is the rr worker's listener: its "accept" returns the
// connections the primary passed over IPC, in order.
type handoffListener struct {
	conns  chan net.Conn
	mu     sync.Mutex
	closed bool
	done   chan struct{}
}

func newHandoffListener() *handoffListener {
	return &handoffListener{conns: make(chan net.Conn, 1024), done: make(chan struct{})}
}

// push turns a received descriptor into a connection and queues it.
func (l *handoffListener) push(fd int) {
	f := os.NewFile(uintptr(fd), "conn")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		c.Close()
		return
	}
	l.mu.Unlock()
	// Only the single IPC reader pushes, and only before close, so the
	// send cannot race with close(l.conns).
	l.conns <- c
}

// Accept hands out queued connections; after Close it still returns the
// ones already queued (they were promised to this worker) and then
// net.ErrClosed.
func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		select {
		case c := <-l.conns:
			return c, nil
		default:
			return nil, net.ErrClosed
		}
	}
}

func (l *handoffListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.done)
	}
	return nil
}

func (l *handoffListener) Addr() net.Addr { return handoffAddr{} }

type handoffAddr struct{}

func (handoffAddr) Network() string { return "tcp" }
func (handoffAddr) String() string  { return "primary-handoff" }

var _ io.Closer = (*handoffListener)(nil)
