package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
	"github.com/nodedive/nodedive/labs/loopback"
)

// goBackend is the Go runtime: this process is the primary, the workers
// are the nodedive binary re-executed with ChildRole.
type goBackend struct {
	c   *Cluster
	cfg Config
	exe string

	ln     *net.TCPListener
	lnFile *os.File // none: the listening socket the workers inherit

	// killCtx runs every worker command: cancelling it SIGKILLs all their
	// process groups, the last resort of stop.
	killCtx context.Context
	killAll context.CancelFunc
	// hctx is the handlers' context; it ends when the cluster stops.
	hctx    context.Context
	hcancel context.CancelFunc

	mu        sync.Mutex
	phase     phase
	procs     map[int]*goProc // live workers by id
	slots     []*slot
	rotation  []*goProc // rr: the listening workers, in turn order
	rrNext    int
	pending   []*net.TCPConn // rr: accepted, waiting for any worker to listen
	nextID    int
	startFail chan error

	wg         sync.WaitGroup // one per spawned process, done after it is reaped
	acceptDone chan struct{}
}

type phase int

const (
	phaseStarting phase = iota
	phaseRunning
	phaseStopping
)

// slot is one of the N worker positions.
type slot struct {
	current *goProc
	crashes int         // consecutive crashes at start
	timer   *time.Timer // pending respawn
}

// goProc is one worker process.
type goProc struct {
	id, slot, pid int
	cmd           *exec.Cmd
	ipc           *ipcConn
	out           *outputTail
	startedAt     time.Time

	// Guarded by goBackend.mu.
	planned     bool // the primary asked it to leave
	isListening bool

	// sendMu orders connection hand-offs against the drain message, so
	// no connection is ever sent after "drain".
	sendMu   sync.Mutex
	draining bool

	listening  chan struct{}
	exited     chan struct{}
	readerDone chan struct{}
	exitDesc   string
}

// sendConn passes conn's descriptor to a worker. The kernel duplicates it
// into the worker as the message is received; the caller closes its own.
func sendConn(ipc *ipcConn, conn *net.TCPConn) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var sendErr error
	if err := rc.Control(func(fd uintptr) { sendErr = ipc.sendRaw(connPacket, int(fd)) }); err != nil {
		return err
	}
	return sendErr
}

// maxPending bounds connections the rr primary holds while no worker is
// listening (all crashed at once); beyond it new ones are closed.
const maxPending = 4096

func newGoBackend(c *Cluster) *goBackend {
	killCtx, killAll := context.WithCancel(context.Background())
	hctx, hcancel := context.WithCancel(context.Background())
	return &goBackend{
		c: c, cfg: c.cfg,
		killCtx: killCtx, killAll: killAll,
		hctx: hctx, hcancel: hcancel,
		procs:      map[int]*goProc{},
		startFail:  make(chan error, 1),
		acceptDone: make(chan struct{}),
	}
}

func (b *goBackend) start(ctx context.Context) error {
	b.exe = b.cfg.Executable
	if b.exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding the nodedive executable to run as workers: %w", err)
		}
		b.exe = exe
	}
	ln, err := loopback.Listen(b.cfg.Port)
	if err != nil {
		return err
	}
	b.ln = ln
	b.c.setPort(b.ln.Addr().(*net.TCPAddr).Port)
	b.c.setPrimaryPID(os.Getpid())
	if b.cfg.Policy == PolicyNone {
		// File dups the socket; the dup is what workers inherit. The
		// primary never accepts on it.
		if b.lnFile, err = b.ln.File(); err != nil {
			b.ln.Close()
			return fmt.Errorf("sharing the listening socket: %w", err)
		}
		close(b.acceptDone)
	} else {
		go b.acceptLoop()
	}

	b.slots = make([]*slot, b.cfg.Workers)
	for i := range b.slots {
		b.slots[i] = &slot{}
	}
	var started []*goProc
	for i := range b.slots {
		p, err := b.spawn(i, true, nil)
		if err != nil {
			b.abortStart()
			return err
		}
		started = append(started, p)
	}
	timeout := time.NewTimer(b.cfg.StartTimeout)
	defer timeout.Stop()
	for _, p := range started {
		select {
		case <-p.listening:
		case err := <-b.startFail:
			b.abortStart()
			return err
		case <-timeout.C:
			b.abortStart()
			return &StartError{
				What:   fmt.Sprintf("worker %d (pid %d)", p.id, p.pid),
				Reason: fmt.Sprintf("not listening after %v", b.cfg.StartTimeout), Output: p.out.String(),
			}
		case <-ctx.Done():
			b.abortStart()
			return ctx.Err()
		}
	}
	b.mu.Lock()
	select {
	case err := <-b.startFail:
		b.mu.Unlock()
		b.abortStart()
		return err
	default:
	}
	b.phase = phaseRunning
	b.mu.Unlock()
	return nil
}

// abortStart tears down a failed start quickly: nothing is serving yet.
func (b *goBackend) abortStart() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = b.stop(ctx)
}

// spawn starts a worker for slot. asCurrent makes it the slot's worker at
// once (first start, respawn); a rolling restart promotes it only after it
// listens. respawnOf names the crashed worker it replaces.
func (b *goBackend) spawn(slotIdx int, asCurrent bool, respawnOf *WorkerRef) (*goProc, error) {
	b.mu.Lock()
	if b.phase == phaseStopping {
		b.mu.Unlock()
		return nil, ErrStopped
	}
	b.nextID++
	id := b.nextID
	b.wg.Add(1)
	b.mu.Unlock()

	p, err := b.startProcess(id, slotIdx)
	if err != nil {
		b.wg.Done()
		return nil, err
	}
	b.mu.Lock()
	b.procs[id] = p
	if asCurrent {
		b.slots[slotIdx].current = p
	}
	stopping := b.phase == phaseStopping
	if stopping {
		p.planned = true
	}
	b.mu.Unlock()
	b.c.forked(id, slotIdx, p.pid, respawnOf)
	go b.readWorker(p)
	go b.wait(p)
	if stopping {
		// stop began while this one was starting: it leaves at once.
		b.sendDrain(p)
	}
	return p, nil
}

func (b *goBackend) startProcess(id, slotIdx int) (*goProc, error) {
	ipc, childEnd, err := newSocketPair()
	if err != nil {
		return nil, err
	}
	defer childEnd.Close()
	cmd := exec.CommandContext(b.killCtx, b.exe, ChildRole)
	cmd.Env = append(os.Environ(), b.cfg.Env...)
	cmd.Env = append(cmd.Env,
		envID+"="+strconv.Itoa(id),
		envSlot+"="+strconv.Itoa(slotIdx),
		envPolicy+"="+string(b.cfg.Policy),
		envApp+"="+b.cfg.App,
		envConfig+"="+string(b.cfg.AppConfig),
		envDrain+"="+strconv.FormatInt(b.cfg.DrainTimeout.Milliseconds(), 10),
	)
	cmd.ExtraFiles = []*os.File{childEnd}
	if b.lnFile != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, b.lnFile)
	}
	var filesEnv string
	cmd.ExtraFiles, filesEnv = inheritFiles(cmd.ExtraFiles, b.cfg.Files)
	cmd.Env = append(cmd.Env, filesEnv)
	out := newOutputTail(fmt.Sprintf("[worker %d] ", id), b.cfg.Log)
	cmd.Stdout, cmd.Stderr = out, out
	proc.Prepare(cmd)
	if err := cmd.Start(); err != nil {
		ipc.close()
		return nil, fmt.Errorf("starting worker %d (%s %s): %w", id, b.exe, ChildRole, err)
	}
	return &goProc{
		id: id, slot: slotIdx, pid: cmd.Process.Pid,
		cmd: cmd, ipc: ipc, out: out, startedAt: time.Now(),
		listening:  make(chan struct{}),
		exited:     make(chan struct{}),
		readerDone: make(chan struct{}),
	}, nil
}

// readWorker handles one worker's messages until its socket closes.
func (b *goBackend) readWorker(p *goProc) {
	defer close(p.readerDone)
	for {
		m, fd, err := p.ipc.recv()
		if err != nil {
			return
		}
		if fd >= 0 {
			syscall.Close(fd) // workers never send descriptors
		}
		switch m.Type {
		case msgListening:
			b.onListening(p)
		case msgStats:
			b.c.stats(p.id, m.Requests, m.Conns, m.RSS)
		case msgCall:
			go b.answer(p, m)
		}
	}
}

func (b *goBackend) onListening(p *goProc) {
	b.mu.Lock()
	if p.isListening {
		b.mu.Unlock()
		return
	}
	p.isListening = true
	var pending []*net.TCPConn
	if !p.planned && b.cfg.Policy == PolicyRR {
		b.rotation = append(b.rotation, p)
		pending, b.pending = b.pending, nil
	}
	b.mu.Unlock()
	b.c.listening(p.id)
	close(p.listening)
	for _, conn := range pending {
		b.dispatch(conn)
	}
}

// answer runs a worker's Call through the registered handler.
func (b *goBackend) answer(p *goProc, m *message) {
	reply := &message{Type: msgReply, Call: m.Call}
	h := b.cfg.Handlers[m.Name]
	if h == nil {
		reply.Err = fmt.Sprintf("no handler registered in the primary for %q", m.Name)
	} else {
		res, err := callHandler(b.hctx, h, WorkerRef{ID: p.id, Slot: p.slot, PID: p.pid}, m.Data)
		if err != nil {
			reply.Err = err.Error()
		} else if reply.Data, err = json.Marshal(res); err != nil {
			reply.Err = "encoding the answer: " + err.Error()
		}
	}
	_ = p.ipc.send(reply, -1)
}

// callHandler runs h, turning a panic into an error so one bad call cannot
// take the primary (and so the whole cluster) down.
func callHandler(ctx context.Context, h Handler, from WorkerRef, data json.RawMessage) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, from, data)
}

// acceptLoop is the rr primary: accept every connection and hand it to the
// next worker.
func (b *goBackend) acceptLoop() {
	defer close(b.acceptDone)
	for {
		conn, err := b.ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or a connection aborted before we took
			// it: wait a moment rather than spin.
			time.Sleep(5 * time.Millisecond)
			continue
		}
		b.dispatch(conn)
	}
}

// dispatch sends an accepted socket to the next listening worker, trying
// the others if that one has gone, and holds it while none is listening.
func (b *goBackend) dispatch(conn *net.TCPConn) {
	for {
		b.mu.Lock()
		if b.phase == phaseStopping {
			b.mu.Unlock()
			conn.Close()
			return
		}
		n := len(b.rotation)
		if n == 0 {
			if len(b.pending) < maxPending {
				b.pending = append(b.pending, conn)
			} else {
				conn.Close()
			}
			b.mu.Unlock()
			return
		}
		p := b.rotation[b.rrNext%n]
		b.rrNext = (b.rrNext + 1) % n
		b.mu.Unlock()

		p.sendMu.Lock()
		if p.draining {
			p.sendMu.Unlock()
			continue
		}
		err := sendConn(p.ipc, conn)
		p.sendMu.Unlock()
		if err == nil {
			conn.Close() // the worker has its own copy now
			return
		}
		b.leaveRotation(p) // it died: try the next one
	}
}

func (b *goBackend) leaveRotation(p *goProc) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if i := slices.Index(b.rotation, p); i >= 0 {
		b.rotation = slices.Delete(b.rotation, i, i+1)
	}
}

// drain asks p to finish and exit: out of the rotation first, then the
// drain message, which the worker reads after every connection sent before.
func (b *goBackend) drain(p *goProc) {
	b.mu.Lock()
	p.planned = true
	if i := slices.Index(b.rotation, p); i >= 0 {
		b.rotation = slices.Delete(b.rotation, i, i+1)
	}
	b.mu.Unlock()
	b.sendDrain(p)
}

func (b *goBackend) sendDrain(p *goProc) {
	p.sendMu.Lock()
	already := p.draining
	p.draining = true
	if !already {
		_ = p.ipc.send(&message{Type: msgDrain}, -1)
	}
	p.sendMu.Unlock()
	select {
	case <-p.exited:
	default:
		if !already {
			b.c.draining(p.id)
		}
	}
}

// wait reaps p and decides what its exit means.
func (b *goBackend) wait(p *goProc) {
	defer b.wg.Done()
	p.cmd.Wait()
	code, sig := exitStatus(p.cmd.ProcessState)
	p.exitDesc = describeExit(code, sig)
	// Let the reader take the worker's last messages (its final request
	// count) before the books close; its socket end closed with it.
	select {
	case <-p.readerDone:
	case <-time.After(time.Second):
	}
	p.ipc.close()

	output := p.out.String()
	b.mu.Lock()
	delete(b.procs, p.id)
	if i := slices.Index(b.rotation, p); i >= 0 {
		b.rotation = slices.Delete(b.rotation, i, i+1)
	}
	planned, listened, ph := p.planned, p.isListening, b.phase
	s := b.slots[p.slot]
	current := s.current == p
	if current {
		s.current = nil
	}
	if ph == phaseStarting && !planned && current {
		// Sent under the lock so start sees it before it declares the
		// cluster running.
		reason := "exited (" + p.exitDesc + ") before listening"
		if listened {
			reason = "died (" + p.exitDesc + ") while the cluster was starting"
		}
		select {
		case b.startFail <- &StartError{What: fmt.Sprintf("worker %d (pid %d)", p.id, p.pid), Reason: reason, Output: output}:
		default:
		}
	}
	b.mu.Unlock()
	// Recorded before exited closes: whoever waits on it (a rolling
	// restart, then its caller's snapshot) must find the exit in the books.
	b.c.exited(p.id, code, sig, planned || ph == phaseStopping, output)
	close(p.exited)

	if !planned && ph == phaseRunning && current {
		b.scheduleRespawn(p, listened, output)
	}
	// Otherwise it was asked to leave, the cluster is starting (start
	// reports it) or stopping, or it was a rolling-restart candidate (the
	// restart reports it).
}

// scheduleRespawn replaces a crashed worker after a back-off that doubles
// with each consecutive crash at start, or gives up.
func (b *goBackend) scheduleRespawn(p *goProc, listened bool, output string) {
	bo := b.cfg.Backoff
	b.mu.Lock()
	s := b.slots[p.slot]
	if listened && time.Since(p.startedAt) >= bo.MinUptime {
		s.crashes = 0 // it ran fine for a while: this is a fresh crash
	}
	s.crashes++
	crashes := s.crashes
	if crashes >= bo.MaxCrashes {
		b.mu.Unlock()
		err := &CrashLoopError{Slot: p.slot, Crashes: crashes, Last: p.exitDesc, Output: output}
		b.c.emit(Event{Kind: EventCrashLoop, WorkerID: p.id, PID: p.pid, Slot: p.slot, Message: err.Error(), Output: output})
		b.c.fail(err)
		return
	}
	delay := min(bo.Initial<<(crashes-1), bo.Max)
	old := WorkerRef{ID: p.id, Slot: p.slot, PID: p.pid}
	s.timer = time.AfterFunc(delay, func() { b.respawn(old) })
	b.mu.Unlock()
}

func (b *goBackend) respawn(old WorkerRef) {
	b.mu.Lock()
	s := b.slots[old.Slot]
	s.timer = nil
	if b.phase != phaseRunning || s.current != nil {
		// Stopping, or a rolling restart already filled the slot.
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	if _, err := b.spawn(old.Slot, true, &old); err != nil && !errors.Is(err, ErrStopped) {
		b.c.fail(fmt.Errorf("respawning slot %d: %w", old.Slot, err))
	}
}

func (b *goBackend) rollingRestart(ctx context.Context) error {
	for i := range b.slots {
		b.mu.Lock()
		if b.phase != phaseRunning {
			b.mu.Unlock()
			return ErrStopped
		}
		old := b.slots[i].current
		b.mu.Unlock()

		p, err := b.spawn(i, false, nil)
		if err != nil {
			return err
		}
		timeout := time.NewTimer(b.cfg.StartTimeout)
		select {
		case <-p.listening:
			timeout.Stop()
		case <-p.exited:
			timeout.Stop()
			return &StartError{
				What:   fmt.Sprintf("new worker %d (pid %d)", p.id, p.pid),
				Reason: p.exitDesc + " before listening; the old worker keeps serving", Output: p.out.String(),
			}
		case <-timeout.C:
			b.drain(p)
			return &StartError{
				What:   fmt.Sprintf("new worker %d (pid %d)", p.id, p.pid),
				Reason: fmt.Sprintf("not listening after %v", b.cfg.StartTimeout), Output: p.out.String(),
			}
		case <-ctx.Done():
			timeout.Stop()
			b.drain(p)
			return ctx.Err()
		}

		b.mu.Lock()
		s := b.slots[i]
		if cur := s.current; cur != nil && cur != old {
			old = cur // a respawn replaced the old one meanwhile: retire that
		}
		s.current = p
		if s.timer != nil {
			s.timer.Stop()
			s.timer = nil
		}
		b.mu.Unlock()

		if old == nil {
			b.c.emit(Event{
				Kind: EventRestartStep, WorkerID: p.id, PID: p.pid, Slot: i,
				Message: fmt.Sprintf("slot %d: worker %d (pid %d) is serving (the slot was empty)", i, p.id, p.pid),
			})
			continue
		}
		b.c.emit(Event{
			Kind: EventRestartStep, WorkerID: p.id, PID: p.pid, Slot: i,
			Message: fmt.Sprintf("slot %d: worker %d (pid %d) is serving, draining worker %d (pid %d)", i, p.id, p.pid, old.id, old.pid),
		})
		b.drain(old)
		grace := time.NewTimer(b.cfg.DrainTimeout + time.Second)
		select {
		case <-old.exited:
		case <-grace.C:
			syscall.Kill(old.pid, syscall.SIGKILL)
			<-old.exited
		}
		grace.Stop()
	}
	return nil
}

func (b *goBackend) stop(ctx context.Context) error {
	b.mu.Lock()
	b.phase = phaseStopping
	for _, s := range b.slots {
		if s.timer != nil {
			s.timer.Stop()
			s.timer = nil
		}
	}
	pending := b.pending
	b.pending = nil
	live := make([]*goProc, 0, len(b.procs))
	for _, p := range b.procs {
		live = append(live, p)
	}
	b.mu.Unlock()

	// New connections are refused from here on; the ones already handed
	// out are served.
	if b.ln != nil {
		b.ln.Close()
	}
	if b.lnFile != nil {
		b.lnFile.Close()
	}
	<-b.acceptDone
	for _, conn := range pending {
		conn.Close()
	}
	for _, p := range live {
		b.drain(p)
	}

	all := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(all)
	}()
	var err error
	select {
	case <-all:
	case <-ctx.Done():
		err = fmt.Errorf("workers did not drain in time, killed them: %w", ctx.Err())
		b.killAll()
		<-all
	}
	b.killAll()
	b.hcancel()
	return err
}

// exitStatus turns a reaped process's state into Node's (code, signal)
// pair: code is nil when a signal ended it.
func exitStatus(ps *os.ProcessState) (*int, string) {
	if ps == nil {
		return nil, ""
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return nil, signalName(ws.Signal())
	}
	code := ps.ExitCode()
	return &code, ""
}
