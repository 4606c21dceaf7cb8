package scale

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
)

// instanceProc is one running instance process, seen from the lab.
type instanceProc struct {
	spec instanceSpec
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *proc.Tail // stderr: forwarded to the log, its tail explains a failed start
	done chan struct{}

	mu      sync.Mutex
	primary int
	workers map[int]int // worker id -> pid, live ones
	seen    []int       // every pid this instance ever had, for leak checks
	killed  bool
	exitMsg string
}

// startInstance runs the instance role of exe (inside a network namespace
// when netns is set) and waits until its cluster serves.
//
// killCtx ending kills the instance at once (the lab's last resort); ctx
// only bounds the wait for it to start.
func startInstance(ctx, killCtx context.Context, exe string, spec instanceSpec, netns string, log io.Writer, onMsg func(*instanceProc, childMsg)) (*instanceProc, error) {
	blob, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	var cmd *exec.Cmd
	if netns != "" {
		// ip netns exec enters the namespace and then execs exe, so the
		// process (and its parent-death signal) stays the same.
		cmd = exec.CommandContext(killCtx, "ip", "netns", "exec", netns, exe, InstanceRole)
	} else {
		cmd = exec.CommandContext(killCtx, exe, InstanceRole)
	}
	// Everything the instance and its cluster put in the temp directory
	// (the Node runtime copies its server there) lands in one directory
	// that the lab removes once the instance is gone, even after SIGKILL.
	tmp, err := proc.TempDir("nodedive-scale-instance-")
	if err != nil {
		return nil, err
	}
	cmd.Env = append(os.Environ(), specEnv+"="+string(blob), "TMPDIR="+tmp)
	p := &instanceProc{spec: spec, cmd: cmd, out: &proc.Tail{Max: 4 << 10, To: log, Prefix: fmt.Sprintf("[instance %d] ", spec.ID)}, done: make(chan struct{}), workers: map[int]int{}}
	cmd.Stderr = p.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if p.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	proc.Prepare(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("starting instance %d: %w", spec.ID, err)
	}
	p.remember(cmd.Process.Pid)
	ready := make(chan childMsg, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		readChild(stdout, func(m childMsg) {
			switch m.Event {
			case "ready":
				p.mu.Lock()
				p.primary = m.Primary
				for _, w := range m.Workers {
					p.workers[w.ID] = w.PID
				}
				p.mu.Unlock()
				p.remember(m.Primary)
				for _, w := range m.Workers {
					p.remember(w.PID)
				}
				select {
				case ready <- m:
				default:
				}
			case "cluster":
				if n := m.Cluster; n != nil {
					p.mu.Lock()
					switch n.Kind {
					case "listening":
						p.workers[n.Worker] = n.PID
					case "exited":
						delete(p.workers, n.Worker)
					}
					p.mu.Unlock()
					if n.PID != 0 {
						p.remember(n.PID)
					}
				}
			case "failed":
				p.mu.Lock()
				p.exitMsg = m.Error
				p.mu.Unlock()
			}
			if onMsg != nil {
				onMsg(p, m)
			}
		})
	}()
	go func() {
		<-readerDone
		_ = cmd.Wait()
		os.RemoveAll(tmp)
		close(p.done)
	}()

	timer := time.NewTimer(45 * time.Second)
	defer timer.Stop()
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("instance %d could not start: %s", spec.ID, p.failure())
	case <-timer.C:
		p.kill()
		return nil, fmt.Errorf("instance %d was not serving after 45s: %s", spec.ID, p.failure())
	case <-ctx.Done():
		p.kill()
		return nil, ctx.Err()
	}
}

func (p *instanceProc) remember(pid int) {
	if pid <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, q := range p.seen {
		if q == pid {
			return
		}
	}
	p.seen = append(p.seen, pid)
}

func (p *instanceProc) failure() string {
	p.mu.Lock()
	msg := p.exitMsg
	p.mu.Unlock()
	if msg == "" {
		msg = "exited"
	}
	if out := strings.TrimSpace(p.out.String()); out != "" {
		msg += "\n" + out
	}
	return msg
}

// alive reports whether the instance process runs.
func (p *instanceProc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill ends the instance at once, as a crashed host would: SIGKILL to its
// process and its cluster. Go workers and a Node primary also get the
// parent-death signal; Node workers leave when their IPC channel closes.
func (p *instanceProc) kill() {
	p.mu.Lock()
	p.killed = true
	// Only processes known to be live now: an old pid may be reused.
	pids := []int{p.primary}
	for _, pid := range p.workers {
		pids = append(pids, pid)
	}
	p.mu.Unlock()
	_ = proc.KillGroup(p.cmd)
	// Workers run in their own process groups (labs/proc): kill those
	// too rather than wait for the parent-death signal.
	for _, pid := range pids {
		if pid > 0 && pid != p.cmd.Process.Pid {
			syscall.Kill(-pid, syscall.SIGKILL)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	<-p.done
}

// stop asks the instance to drain and exit, then kills what is left.
func (p *instanceProc) stop(ctx context.Context) {
	p.in.Close()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-ctx.Done():
	case <-time.After(6 * time.Second):
	}
	p.kill()
}

func (p *instanceProc) pids() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int(nil), p.seen...)
}

func (p *instanceProc) workerList() map[int]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[int]int, len(p.workers))
	for k, v := range p.workers {
		m[k] = v
	}
	return m
}

var errNoInstance = errors.New("no such instance")
