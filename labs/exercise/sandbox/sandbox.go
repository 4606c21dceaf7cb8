// Package sandbox runs a learner's program so that it cannot hang a check,
// flood the terminal, serve the network, or leave anything running.
//
// Every run goes through a small supervisor: nodedive itself, re-executed
// with the hidden Role argument (root.go's runChildRole, and TestMain in the
// tests of any package that runs the sandbox, call RunChild). The supervisor
//
//   - makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so every
//     process the program starts stays its descendant even after its parent
//     exits: a child spawned with detached:true, or a double-forked daemon
//     that called setsid, is reparented to the supervisor instead of init;
//   - starts the program in its own process group with a parent-death
//     signal, and reaps every descendant it inherits;
//   - when the program exits, or when it is told to stop (SIGTERM from the
//     parent, the parent's death, or its own deadline), sends SIGTERM to the
//     program's group, waits a grace period, then SIGKILLs its children one
//     generation at a time until none is left: killing a child reparents its
//     own children to the supervisor, so the next round reaches them.
//
// The parent side bounds the run in time (Spec.Timeout) and output
// (Spec.MaxOutput), gives the program HOST=127.0.0.1 and a free PORT, and can
// list the TCP sockets the program's processes listen on (Process.Listeners),
// so a check can fail a server that listens on a non-loopback address.
//
// Linux only, like the rest of nodedive's labs.
package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/labs/loopback"
)

// Defaults for the zero values of Spec.
const (
	DefaultTimeout   = 15 * time.Second
	DefaultGrace     = time.Second
	DefaultMaxOutput = 64 << 10
)

// Env names the sandbox sets for the program.
const (
	// HostEnv is the address the program must listen on: always 127.0.0.1.
	HostEnv = "HOST"
	// PortEnv is a port that was free on 127.0.0.1 when the run started.
	PortEnv = "PORT"
	// MarkEnv tags every process of a run (it is inherited), so tests can
	// prove from /proc that nothing of a run is left (see Survivors).
	MarkEnv = "NODEDIVE_SANDBOX"
)

// Spec says what to run and within which bounds.
type Spec struct {
	// Path is the executable (node), as a path or a name on PATH.
	Path string
	// Args follow the executable (the script and its arguments).
	Args []string
	// Dir is the working directory; empty means the current one.
	Dir string
	// Env is added to nodedive's environment, after HOST and PORT (so a
	// test may override PORT, never HOST: HOST is set again last).
	Env []string
	// Stdin feeds the program's standard input, which is then closed.
	Stdin string
	// Timeout stops the program when it expires; zero means DefaultTimeout.
	Timeout time.Duration
	// Grace is how long a stopped program has between SIGTERM and SIGKILL;
	// zero means DefaultGrace.
	Grace time.Duration
	// MaxOutput caps the bytes kept from stdout and stderr together; the
	// rest is dropped and Result.Truncated is set. Zero means
	// DefaultMaxOutput.
	MaxOutput int
	// Port is the PORT given to the program; zero picks a free one.
	Port int
}

// Result is what a run did.
type Result struct {
	// Output is stdout and stderr interleaved in the order they arrived.
	Output    string
	Stdout    string
	Stderr    string
	Truncated bool
	// ExitCode is the program's exit status, -1 when a signal ended it.
	ExitCode int
	// Signal names the signal that ended the program ("killed",
	// "terminated"...), or is empty.
	Signal string
	// TimedOut is set when Spec.Timeout stopped the program.
	TimedOut bool
	// Stopped is set when the program was still running when the caller
	// (Process.Stop, a cancelled context) or the time limit ended it.
	Stopped bool
	// Leftovers counts the processes the program left running after it
	// exited by itself, which the sandbox then killed.
	Leftovers int
	// Exposed lists the sockets the program listened on that other
	// machines could reach (not 127.0.0.0/8 or ::1), as seen when it was
	// stopped. Programs that end by themselves are not scanned.
	Exposed  []Listener
	Duration time.Duration
	// PID is the program's process id.
	PID int
}

// OK reports whether the program exited by itself with status 0.
func (r Result) OK() bool { return r.ExitCode == 0 && r.Signal == "" && !r.Stopped }

// Describe says in a few words how the run ended, for check messages.
func (r Result) Describe() string {
	var s string
	switch {
	case r.TimedOut:
		s = "it was stopped by the time limit"
	case r.Signal != "":
		s = "it was killed (" + r.Signal + ")"
	default:
		s = fmt.Sprintf("it exited with status %d", r.ExitCode)
	}
	if r.Leftovers > 0 {
		s += fmt.Sprintf("; it left %d process(es) running, which were killed", r.Leftovers)
	}
	for _, l := range r.Exposed {
		s += "; it listened on " + l.Addr + ", which other machines can reach"
	}
	if r.Truncated {
		s += "; its output was cut"
	}
	return s
}

// Process is a running program.
type Process struct {
	spec    Spec
	port    int
	mark    string
	started time.Time

	cmd      *exec.Cmd
	super    int // the supervisor's pid
	pid      int // the program's pid
	out      *capture
	lifeline *os.File // closing it tells the supervisor that we are gone

	status     chan supervisorStatus // the supervisor's final report
	done       chan struct{}         // closed when the supervisor has exited
	result     Result
	finishOnce sync.Once
	stopOnce   sync.Once
	timedOut   atomic.Bool
	timer      *time.Timer
	exposedMu  sync.Mutex
	exposed    []Listener // seen by requestStop, before the stop
}

var runSeq atomic.Uint64

// markPrefix starts the MarkEnv value of every run of this process.
func markPrefix() string { return "nodedive-" + strconv.Itoa(os.Getpid()) + "-" }

// Run starts the program and waits for it to end (by itself, at the time
// limit, or when ctx is cancelled). A program that exits with an error is not
// an error of Run: see the Result. Errors are for runs that could not start.
func Run(ctx context.Context, spec Spec) (Result, error) {
	p, err := Start(ctx, spec)
	if err != nil {
		return Result{}, err
	}
	return p.Wait(), nil
}

// Start starts the program and returns once it runs. It is stopped at the
// time limit or when ctx is cancelled, whichever comes first; call Stop or
// Wait to collect its Result and release it.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	spec = withDefaults(spec)
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding nodedive's own executable for the sandbox: %w", err)
	}
	path, err := exec.LookPath(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("cannot run %s: %w", spec.Path, err)
	}
	port := spec.Port
	if port == 0 {
		if port, err = loopback.FreePort(); err != nil {
			return nil, err
		}
	}
	p := &Process{
		spec:   spec,
		port:   port,
		mark:   markPrefix() + strconv.FormatUint(runSeq.Add(1), 10),
		out:    &capture{limit: spec.MaxOutput},
		status: make(chan supervisorStatus, 1),
		done:   make(chan struct{}),
	}
	if err := p.start(self, path); err != nil {
		return nil, err
	}
	p.timer = time.AfterFunc(spec.Timeout, func() {
		p.timedOut.Store(true)
		p.requestStop()
	})
	go func() {
		select {
		case <-ctx.Done():
			p.requestStop()
		case <-p.done:
		}
	}()
	return p, nil
}

func withDefaults(s Spec) Spec {
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.Grace <= 0 {
		s.Grace = DefaultGrace
	}
	if s.MaxOutput <= 0 {
		s.MaxOutput = DefaultMaxOutput
	}
	return s
}

func (p *Process) start(self, path string) error {
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return err
	}
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		statusR.Close()
		statusW.Close()
		return err
	}
	// The supervisor's own deadline backs up ours, should this process be
	// too wedged to send the stop.
	deadline := p.spec.Timeout + p.spec.Grace + 5*time.Second
	args := []string{
		Role, strconv.FormatInt(p.spec.Grace.Milliseconds(), 10),
		strconv.FormatInt(deadline.Milliseconds(), 10), "--", path,
	}
	cmd := exec.Command(self, append(args, p.spec.Args...)...)
	cmd.Dir = p.spec.Dir
	cmd.Env = p.env()
	cmd.Stdin = strings.NewReader(p.spec.Stdin)
	cmd.Stdout = p.out.stream(&p.out.stdout)
	cmd.Stderr = p.out.stream(&p.out.stderr)
	cmd.ExtraFiles = []*os.File{statusW, lifeR} // fds 3 and 4
	// Its own group, so a signal to our group (Ctrl-C in a terminal) does
	// not reach it before we can stop it in order; SIGTERM (which it
	// handles) when we die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	// The supervisor closes the pipes when everything under it is dead;
	// this only bounds the wait if it was itself killed.
	cmd.WaitDelay = time.Second
	p.started = time.Now()
	err = cmd.Start()
	statusW.Close()
	lifeR.Close()
	if err != nil {
		statusR.Close()
		lifeW.Close()
		return fmt.Errorf("starting the sandbox: %w", err)
	}
	p.cmd, p.super, p.lifeline = cmd, cmd.Process.Pid, lifeW

	first := make(chan supervisorStatus, 1)
	go p.readStatus(statusR, first)
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	// Wait for the first status line, not for the supervisor's exit: a
	// program that ends at once may have come and gone already.
	st, ok := <-first
	switch {
	case !ok:
		p.finish()
		return fmt.Errorf("the sandbox exited before starting %s: %s", path, strings.TrimSpace(p.out.stderrString()))
	case st.Error != "":
		p.finish()
		return fmt.Errorf("starting %s: %s", path, st.Error)
	}
	p.pid = st.Started
	return nil
}

func (p *Process) env() []string {
	env := append(os.Environ(),
		PortEnv+"="+strconv.Itoa(p.port),
		MarkEnv+"="+p.mark,
	)
	env = append(env, p.spec.Env...)
	return append(env, HostEnv+"=127.0.0.1")
}

// supervisorStatus is one JSON line on the status pipe: first the started
// pid (or a start error), then the end of the run.
type supervisorStatus struct {
	Started   int    `json:"started,omitempty"`
	Error     string `json:"error,omitempty"`
	Ended     bool   `json:"ended,omitempty"`
	ExitCode  int    `json:"exit"`
	Signal    string `json:"signal,omitempty"`
	Leftovers int    `json:"leftovers,omitempty"`
	// Stopped is set when the program was still running when the stop
	// came.
	Stopped bool `json:"stopped,omitempty"`
}

// readStatus reads the status pipe until the supervisor closes it: the first
// line goes to first (closed unsent if there is none), the end of the run to
// p.status.
func (p *Process) readStatus(r io.ReadCloser, first chan<- supervisorStatus) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	sentFirst := false
	defer func() {
		if !sentFirst {
			close(first)
		}
	}()
	for sc.Scan() {
		var st supervisorStatus
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		if !sentFirst {
			first <- st
			sentFirst = true
			continue
		}
		if st.Ended {
			p.status <- st
		}
	}
	close(p.status)
}

// PID is the program's process id.
func (p *Process) PID() int { return p.pid }

// Port is the PORT the program was given.
func (p *Process) Port() int { return p.port }

// Addr is 127.0.0.1:PORT, where a server under test is expected.
func (p *Process) Addr() string { return loopback.Addr(p.port) }

// Done is closed when the program and everything it started have ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Output returns what the program printed so far (stdout and stderr
// interleaved).
func (p *Process) Output() string { return p.out.allString() }

// Stop ends the program (SIGTERM, then SIGKILL after the grace period) and
// everything it started, and returns the Result. It is safe to call more
// than once and after the program ended by itself.
func (p *Process) Stop() Result {
	select {
	case <-p.done:
	default:
		p.requestStop()
	}
	return p.Wait()
}

// Wait waits for the program to end by itself (or to be stopped by the time
// limit or the context) and returns the Result.
func (p *Process) Wait() Result {
	<-p.done
	p.finish()
	return p.result
}

// requestStop asks the supervisor to stop the run and, should it not finish
// in time, kills it.
func (p *Process) requestStop() {
	p.stopOnce.Do(func() {
		// Last look at what it serves, while it still runs.
		if ls, err := p.Listeners(); err == nil {
			p.exposedMu.Lock()
			for _, l := range ls {
				if !l.Loopback {
					p.exposed = append(p.exposed, l)
				}
			}
			p.exposedMu.Unlock()
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		go func() {
			select {
			case <-p.done:
			case <-time.After(p.spec.Grace + 5*time.Second):
				// The supervisor is stuck: kill it. Its own children
				// die with it (parent-death signal).
				_ = syscall.Kill(-p.super, syscall.SIGKILL)
			}
		}()
	})
}

// finish fills in the Result once the supervisor has exited.
func (p *Process) finish() { p.finishOnce.Do(p.collect) }

func (p *Process) collect() {
	<-p.done
	if p.timer != nil {
		p.timer.Stop()
	}
	p.lifeline.Close()
	st, ok := <-p.status
	p.exposedMu.Lock()
	exposed := p.exposed
	p.exposedMu.Unlock()
	r := Result{
		Output:    p.out.allString(),
		Stdout:    p.out.stdoutString(),
		Stderr:    p.out.stderrString(),
		Truncated: p.out.isTruncated(),
		ExitCode:  st.ExitCode,
		Signal:    st.Signal,
		Leftovers: st.Leftovers,
		Exposed:   exposed,
		Duration:  max(time.Since(p.started), time.Nanosecond),
		PID:       p.pid,
	}
	if !ok {
		// The supervisor died without a report: it was killed.
		r.ExitCode, r.Signal = -1, "killed"
	}
	r.Stopped = st.Stopped || !ok
	r.TimedOut = r.Stopped && p.timedOut.Load()
	if st.Signal != "" {
		r.ExitCode = -1
	}
	p.result = r
}

// ErrNotListening is returned by WaitListening when the program ended or
// the wait timed out before anything accepted connections on its port.
var ErrNotListening = errors.New("the program is not listening on its PORT")

// WaitListening waits until something accepts TCP connections on
// 127.0.0.1:PORT, the program ends, or ctx is done.
func (p *Process) WaitListening(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if dialOK(p.Addr()) {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%w: it ended first", ErrNotListening)
		case <-ctx.Done():
			return fmt.Errorf("%w on %s: %w", ErrNotListening, p.Addr(), ctx.Err())
		case <-tick.C:
		}
	}
}

// Listeners lists the TCP sockets that the program and its descendants
// listen on, read from /proc.
func (p *Process) Listeners() ([]Listener, error) {
	select {
	case <-p.done:
		return nil, nil
	default:
	}
	return listenersOf(descendants(p.super))
}
