package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/proc"
	"github.com/nodedive/nodedive/labs/loopback"
)

// nodeBackend is the Node runtime: the lesson's server.js runs as the
// primary under node, prints its cluster events as JSON lines on stdout and
// takes commands as JSON lines on stdin. nodedive only watches and steers.
type nodeBackend struct {
	c   *Cluster
	cfg Config

	dir     string
	cmd     *exec.Cmd
	killCtx context.Context
	killAll context.CancelFunc
	hctx    context.Context
	hcancel context.CancelFunc
	out     *outputTail // the primary's stderr (workers' output too)

	stdinMu sync.Mutex
	stdin   io.WriteCloser

	ready  chan error // start outcome: nil once every worker listens
	exited chan struct{}

	mu       sync.Mutex
	started  bool // start succeeded
	stopping bool
	nextRef  int
	restarts map[int]chan error
	exitDesc string
}

func newNodeBackend(c *Cluster) *nodeBackend {
	killCtx, killAll := context.WithCancel(context.Background())
	hctx, hcancel := context.WithCancel(context.Background())
	return &nodeBackend{
		c: c, cfg: c.cfg,
		killCtx: killCtx, killAll: killAll,
		hctx: hctx, hcancel: hcancel,
		ready:    make(chan error, 1),
		exited:   make(chan struct{}),
		restarts: map[int]chan error{},
	}
}

// ServerScript is where the Node server lives inside content.Labs().
const ServerScript = "cluster/server.js"

func (b *nodeBackend) start(ctx context.Context) error {
	node, err := noderun.Find(b.cfg.Node)
	if err != nil {
		return err
	}
	port := b.cfg.Port
	if port == 0 {
		// Node workers that listen(0) share whatever port the primary
		// picked, but a worker forked after all others died would get
		// a new one; a fixed port keeps the URL stable.
		if port, err = loopback.FreePort(); err != nil {
			return err
		}
	}
	b.c.setPort(port)
	if b.dir, err = proc.TempDir("nodedive-cluster-"); err != nil {
		return err
	}
	if err := writeScripts(b.dir); err != nil {
		os.RemoveAll(b.dir)
		return err
	}
	app := ""
	if b.cfg.NodeApp != "" {
		if app, err = filepath.Abs(b.cfg.NodeApp); err != nil {
			return err
		}
	}
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	cmd := exec.CommandContext(b.killCtx, node, filepath.Base(ServerScript))
	cmd.Dir = b.dir
	cmd.Env = append(os.Environ(), b.cfg.Env...)
	cmd.Env = append(cmd.Env,
		"NODE_CLUSTER_SCHED_POLICY="+string(b.cfg.Policy),
		"NODEDIVE_WORKERS="+strconv.Itoa(b.cfg.Workers),
		"NODEDIVE_PORT="+strconv.Itoa(port),
		"NODEDIVE_APP="+app,
		"NODEDIVE_APP_CONFIG="+string(b.cfg.AppConfig),
		"NODEDIVE_BACKOFF_INITIAL_MS="+ms(b.cfg.Backoff.Initial),
		"NODEDIVE_BACKOFF_MAX_MS="+ms(b.cfg.Backoff.Max),
		"NODEDIVE_MIN_UPTIME_MS="+ms(b.cfg.Backoff.MinUptime),
		"NODEDIVE_MAX_CRASHES="+strconv.Itoa(b.cfg.Backoff.MaxCrashes),
		"NODEDIVE_DRAIN_MS="+ms(b.cfg.DrainTimeout),
		"NODEDIVE_START_MS="+ms(b.cfg.StartTimeout),
	)
	b.out = newOutputTail("[node] ", b.cfg.Log)
	cmd.Stderr = b.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if b.stdin, err = cmd.StdinPipe(); err != nil {
		return err
	}
	proc.Prepare(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(b.dir)
		return fmt.Errorf("starting node %s: %w", ServerScript, err)
	}
	b.cmd = cmd
	b.c.setPrimaryPID(cmd.Process.Pid)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		b.readEvents(stdout)
	}()
	go b.wait(readerDone)

	timeout := time.NewTimer(b.cfg.StartTimeout + 2*time.Second)
	defer timeout.Stop()
	select {
	case err = <-b.ready:
	case <-timeout.C:
		err = &StartError{What: "the node cluster", Reason: fmt.Sprintf("not listening after %v", b.cfg.StartTimeout), Output: b.out.String()}
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = b.stop(sctx)
		cancel()
		return err
	}
	b.mu.Lock()
	b.started = true
	b.mu.Unlock()
	// Node workers report requests only when they change; memory is read
	// from /proc on a timer so an idle cluster's numbers stay current.
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				b.sampleRSS()
			case <-b.exited:
				return
			}
		}
	}()
	return nil
}

// writeScripts copies the embedded lab scripts into dir for node to run.
func writeScripts(dir string) error {
	labs := content.Labs()
	root := filepath.Dir(ServerScript)
	return fs.WalkDir(labs, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(labs, p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}

// nodeEvent is one line of server.js's stdout.
type nodeEvent struct {
	Event     string          `json:"event"`
	ID        int             `json:"id"`
	PID       int             `json:"pid"`
	Slot      int             `json:"slot"`
	Port      int             `json:"port"`
	Code      *int            `json:"code"`
	Signal    *string         `json:"signal"`
	Planned   bool            `json:"planned"`
	Output    string          `json:"output"`
	Message   string          `json:"message"`
	Ref       int             `json:"ref"`
	Crashes   int             `json:"crashes"`
	Last      string          `json:"last"`
	Requests  uint64          `json:"requests"`
	RespawnOf *WorkerRef      `json:"respawn_of"`
	Worker    int             `json:"worker"`
	Name      string          `json:"name"`
	Data      json.RawMessage `json:"data"`
	Workers   []struct {
		ID       int    `json:"id"`
		Requests uint64 `json:"requests"`
		Conns    int64  `json:"conns"`
	} `json:"workers"`
}

func (b *nodeBackend) readEvents(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var ev nodeEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Event == "" {
			// Not an event: a worker's console.log that went to stdout.
			_, _ = b.out.Write(append(sc.Bytes(), '\n'))
			continue
		}
		b.handle(&ev)
	}
}

func (b *nodeBackend) handle(ev *nodeEvent) {
	c := b.c
	switch ev.Event {
	case "forked":
		var of *WorkerRef
		if ev.RespawnOf != nil {
			of = &WorkerRef{ID: ev.RespawnOf.ID, Slot: ev.Slot, PID: ev.RespawnOf.PID}
		}
		c.forked(ev.ID, ev.Slot, ev.PID, of)
	case "listening":
		c.listening(ev.ID)
		b.sampleRSS()
	case "ready":
		b.signalReady(nil)
	case "start-failed":
		b.signalReady(&StartError{
			What:   fmt.Sprintf("node worker %d (pid %d)", ev.ID, ev.PID),
			Reason: ev.Message, Output: ev.Output,
		})
	case "exit":
		sig := ""
		if ev.Signal != nil {
			sig = *ev.Signal
		}
		c.stats(ev.ID, ev.Requests, 0, 0)
		c.exited(ev.ID, ev.Code, sig, ev.Planned, ev.Output)
	case "draining":
		c.draining(ev.ID)
	case "stats":
		for _, w := range ev.Workers {
			c.stats(w.ID, w.Requests, w.Conns, 0)
		}
		b.sampleRSS()
	case "restart-step":
		c.emit(Event{Kind: EventRestartStep, WorkerID: ev.ID, PID: ev.PID, Slot: ev.Slot, Message: ev.Message})
	case "restart-done", "restart-failed":
		var err error
		if ev.Event == "restart-failed" {
			err = errors.New(ev.Message)
		}
		b.mu.Lock()
		ch := b.restarts[ev.Ref]
		delete(b.restarts, ev.Ref)
		b.mu.Unlock()
		if ch != nil {
			ch <- err
		}
	case "crash-loop":
		err := &CrashLoopError{Slot: ev.Slot, Crashes: ev.Crashes, Last: ev.Last, Output: ev.Output}
		c.emit(Event{Kind: EventCrashLoop, WorkerID: ev.ID, PID: ev.PID, Slot: ev.Slot, Message: err.Error(), Output: ev.Output})
		c.fail(err)
	case "call":
		go b.answer(ev)
	}
}

func (b *nodeBackend) signalReady(err error) {
	select {
	case b.ready <- err:
	default:
	}
}

// sampleRSS reads every live worker's resident memory from /proc.
func (b *nodeBackend) sampleRSS() {
	for _, w := range b.c.Snapshot().Workers {
		if rss, err := readRSS(w.PID); err == nil {
			b.c.stats(w.ID, w.Requests, w.Conns, rss)
		}
	}
}

// answer relays a worker's call to the registered handler and the result
// back through the primary.
func (b *nodeBackend) answer(ev *nodeEvent) {
	type reply struct {
		Cmd   string          `json:"cmd"`
		Ref   int             `json:"ref"`
		Data  json.RawMessage `json:"data,omitempty"`
		Error string          `json:"error,omitempty"`
	}
	r := reply{Cmd: "reply", Ref: ev.Ref}
	h := b.cfg.Handlers[ev.Name]
	if h == nil {
		r.Error = fmt.Sprintf("no handler registered in the primary for %q", ev.Name)
	} else {
		res, err := callHandler(b.hctx, h, WorkerRef{ID: ev.Worker, Slot: ev.Slot, PID: ev.PID}, ev.Data)
		if err != nil {
			r.Error = err.Error()
		} else if r.Data, err = json.Marshal(res); err != nil {
			r.Error = "encoding the answer: " + err.Error()
		}
	}
	_ = b.command(r)
}

func (b *nodeBackend) command(v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.stdinMu.Lock()
	defer b.stdinMu.Unlock()
	_, err = b.stdin.Write(append(line, '\n'))
	return err
}

// wait reaps the node primary. Exiting on its own while the cluster runs
// (killed from outside, crash loop) fails the cluster.
func (b *nodeBackend) wait(readerDone chan struct{}) {
	<-readerDone // stdout closes when node exits; drain every event first
	b.cmd.Wait()
	code, sig := exitStatus(b.cmd.ProcessState)
	b.mu.Lock()
	b.exitDesc = describeExit(code, sig)
	stopping := b.stopping || !b.started // a failed start is reported by start
	pending := b.restarts
	b.restarts = map[int]chan error{}
	b.mu.Unlock()
	close(b.exited)
	// Workers the primary never reported as gone died with it.
	for _, w := range b.c.Snapshot().Workers {
		b.c.exited(w.ID, nil, "", stopping, "")
	}
	dead := &StartError{
		What:   fmt.Sprintf("the node primary (pid %d)", b.cmd.Process.Pid),
		Reason: "exited (" + b.exitDesc + ")", Output: b.out.String(),
	}
	b.signalReady(dead)
	for _, ch := range pending {
		ch <- errors.New("the node primary exited during the rolling restart")
	}
	if !stopping {
		b.c.fail(fmt.Errorf("the node primary (pid %d) exited unexpectedly (%s)\n%s", b.cmd.Process.Pid, b.exitDesc, indent(b.out.String())))
	}
}

func (b *nodeBackend) rollingRestart(ctx context.Context) error {
	b.mu.Lock()
	b.nextRef++
	ref := b.nextRef
	ch := make(chan error, 1)
	b.restarts[ref] = ch
	b.mu.Unlock()
	if err := b.command(map[string]any{"cmd": "restart", "ref": ref}); err != nil {
		return fmt.Errorf("asking the node primary to restart: %w", err)
	}
	select {
	case err := <-ch:
		return err
	case <-b.exited:
		return errors.New("the node primary exited during the rolling restart")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *nodeBackend) stop(ctx context.Context) error {
	b.mu.Lock()
	b.stopping = true
	b.mu.Unlock()
	defer b.hcancel()
	defer func() {
		if b.dir != "" {
			os.RemoveAll(b.dir)
		}
	}()
	if b.cmd == nil {
		return nil
	}
	_ = b.command(map[string]string{"cmd": "stop"})
	var err error
	select {
	case <-b.exited:
	case <-ctx.Done():
		err = fmt.Errorf("node workers did not drain in time, killed them: %w", ctx.Err())
		b.killAll()
		<-b.exited
	}
	// The workers are in the primary's process group: make sure none
	// outlives it.
	_ = proc.KillGroup(b.cmd)
	b.killAll()
	return err
}
