package nginx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
	"github.com/nodedive/nodedive/labs/loopback"
)

// Server is a running nginx master with its workers.
type Server struct {
	bin  string
	dir  string
	port int

	cmd    *exec.Cmd // nginx's master, or its supervisor
	master int
	stdin  io.WriteCloser // the supervisor's: closing it stops nginx
	out    *proc.Tail     // what nginx printed, to explain a failed start
	done   chan struct{}

	mu      sync.Mutex
	cfg     Config
	reloads int
	stopped bool

	tail     *tailer
	stopOnce sync.Once
	stopErr  error
}

// Options are the callbacks that read nginx's logs. Both run on one
// goroutine, in log order.
type Options struct {
	// OnAccess receives each access log entry.
	OnAccess func(Entry)
	// OnError receives each error log line at level warn or above.
	OnError func(ErrorEntry)
}

// Start writes the configuration, runs nginx and returns once it answers on
// its port. ctx bounds its life. A port in use or a bad configuration is
// reported with nginx's own message.
func Start(ctx context.Context, cfg Config, opts Options) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	bin := cfg.Binary
	if bin == "" {
		var err error
		if bin, err = Find(); err != nil {
			return nil, err
		}
	}
	port := cfg.Port
	if port == 0 {
		p, err := loopback.FreePort()
		if err != nil {
			return nil, err
		}
		port = p
	} else if err := loopback.Check(port); err != nil {
		return nil, err
	}
	dir, err := proc.TempDir("nodedive-nginx-")
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	s := &Server{bin: bin, dir: dir, port: port, cfg: cfg, done: make(chan struct{}), out: &proc.Tail{}}
	if err := s.writeConfig(cfg); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Check first: a broken configuration gets nginx's own words.
	if err := s.test(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.tail = newTailer(filepath.Join(dir, "access.log"), filepath.Join(dir, "error.log"), opts)

	if err := s.launch(ctx, cfg.Supervisor); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	go s.tail.run()
	if err := s.waitReady(ctx, 10*time.Second); err != nil {
		_ = s.Stop(context.Background())
		return nil, err
	}
	return s, nil
}

// launch starts nginx, directly or under the supervisor.
func (s *Server) launch(ctx context.Context, supervisor string) error {
	if supervisor == "" {
		cmd := exec.CommandContext(ctx, s.bin, s.args()...)
		cmd.Dir = s.dir
		cmd.Stdout = s.out
		cmd.Stderr = s.out
		proc.Prepare(cmd)
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting nginx: %w", err)
		}
		s.cmd, s.master = cmd, cmd.Process.Pid
		go func() {
			_ = cmd.Wait()
			close(s.done)
		}()
		return nil
	}
	cmd := exec.CommandContext(ctx, supervisor, append([]string{SupervisorRole, s.bin}, s.args()...)...)
	cmd.Dir = s.dir
	cmd.Stderr = s.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		return err
	}
	proc.Prepare(cmd)
	// The supervisor must outlive us long enough to kill nginx's group:
	// a catchable parent-death signal, and a polite cancel.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the nginx supervisor: %w", err)
	}
	s.cmd = cmd
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	pid := make(chan int, 1)
	go func() {
		p, err := readMasterPID(stdout)
		if err != nil {
			p = 0
		}
		pid <- p
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case p := <-pid:
		if p == 0 {
			<-s.done
			return s.startFailure()
		}
		s.master = p
		return nil
	case <-time.After(10 * time.Second):
		_ = proc.KillGroup(cmd)
		return errors.New("the nginx supervisor did not start nginx within 10s")
	}
}

func (s *Server) args() []string {
	return []string{"-p", s.dir + "/", "-c", filepath.Join(s.dir, "nginx.conf"), "-e", filepath.Join(s.dir, "error.log")}
}

func (s *Server) writeConfig(cfg Config) error {
	conf := render(cfg, s.dir, s.port, os.Geteuid() == 0)
	return os.WriteFile(filepath.Join(s.dir, "nginx.conf"), []byte(conf), 0o600)
}

// test runs nginx -t on the written configuration.
func (s *Server) test(ctx context.Context) error {
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(tctx, s.bin, append(s.args(), "-t", "-q")...)
	cmd.Dir = s.dir
	proc.Prepare(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("nginx rejected the generated configuration: %s", strings.TrimSpace(string(out)))
	}
	return nil
}

// waitReady waits until nginx accepts connections on its port.
func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	addr := loopback.Addr(s.port)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.done:
			return s.startFailure()
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(30 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nginx did not listen on %s within %s: %s", addr, limit, s.logTail())
		}
	}
}

// startFailure explains why nginx exited during start-up, naming the
// common case of a port someone else holds.
func (s *Server) startFailure() error {
	msg := s.logTail()
	if strings.Contains(msg, "Address already in use") {
		return fmt.Errorf("port %d on 127.0.0.1 is already in use; pick another with a free port or stop what holds it (nginx: %s)", s.port, msg)
	}
	return fmt.Errorf("nginx exited while starting: %s", msg)
}

func (s *Server) logTail() string {
	msg := strings.TrimSpace(s.out.String())
	if b, err := os.ReadFile(filepath.Join(s.dir, "error.log")); err == nil && len(b) > 0 {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		msg = strings.TrimSpace(msg + "\n" + strings.Join(lines[max(0, len(lines)-3):], "\n"))
	}
	if msg == "" {
		msg = "(no output)"
	}
	return msg
}

// Reload writes cfg (same port) and makes the running master load it: nginx
// starts new workers with the new configuration and lets the old ones finish
// their requests. A configuration nginx rejects is not applied. It returns
// once the old workers have been replaced.
func (s *Server) Reload(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("nginx is stopped")
	}
	old := s.cfg
	if err := s.writeConfig(cfg); err != nil {
		return err
	}
	if err := s.test(ctx); err != nil {
		_ = s.writeConfig(old)
		return err
	}
	before := childPIDs(s.master)
	if err := syscall.Kill(s.master, syscall.SIGHUP); err != nil {
		return fmt.Errorf("reloading nginx: %w", err)
	}
	s.cfg = cfg
	s.reloads++
	deadline := time.Now().Add(cfg.ProxyTimeout + 5*time.Second)
	for time.Now().Before(deadline) {
		now := childPIDs(s.master)
		// Done when the new workers run and the old ones have left:
		// until then an old worker may still answer a kept-alive
		// client with the old configuration.
		if freshWorkers(before, now) >= cfg.Workers && freshWorkers(now, before) == len(before) {
			return nil
		}
		select {
		case <-s.done:
			return errors.New("nginx exited during the reload: " + s.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("nginx did not replace its workers within the reload deadline")
}

func freshWorkers(before, now []int) int {
	n := 0
	for _, p := range now {
		fresh := true
		for _, q := range before {
			if p == q {
				fresh = false
			}
		}
		if fresh {
			n++
		}
	}
	return n
}

// Config is the configuration in force.
func (s *Server) Config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// Reloads counts successful reloads.
func (s *Server) Reloads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloads
}

// Port is where nginx listens on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// URL is http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }

// Dir is the temp directory with nginx.conf and the logs.
func (s *Server) Dir() string { return s.dir }

// ConfigText is the nginx.conf in force, for the learner to read.
func (s *Server) ConfigText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _ := os.ReadFile(filepath.Join(s.dir, "nginx.conf"))
	return string(b)
}

// PID is the master's process id.
func (s *Server) PID() int { return s.master }

// SupervisorPID is the supervisor's process id, 0 without one.
func (s *Server) SupervisorPID() int {
	if s.stdin == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// WorkerPIDs lists the master's current worker processes.
func (s *Server) WorkerPIDs() []int { return childPIDs(s.master) }

// Done is closed when the master has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// Running reports whether the master is alive.
func (s *Server) Running() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Stop asks nginx for a fast shutdown (SIGTERM), kills the whole process
// group if it lingers, reads the last log lines and removes the directory.
// It is idempotent.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopped = true
		s.mu.Unlock()
		if s.cmd != nil {
			if s.stdin != nil {
				// The supervisor stops nginx (SIGTERM, then its group).
				s.stdin.Close()
				_ = s.cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-s.done:
				case <-time.After(4 * time.Second):
				case <-ctx.Done():
				}
			} else {
				_ = proc.SignalGroup(s.cmd, syscall.SIGTERM)
				select {
				case <-s.done:
				case <-time.After(2 * time.Second):
				case <-ctx.Done():
				}
			}
			select {
			case <-s.done:
			default:
				// Whatever is left: the launched process's group,
				// and nginx's (master and workers share it).
				if err := proc.KillGroup(s.cmd); err != nil && !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH) {
					s.stopErr = err
				}
				if s.master > 0 && s.master != s.cmd.Process.Pid {
					_ = syscall.Kill(-s.master, syscall.SIGKILL)
				}
				<-s.done
			}
		}
		if s.tail != nil {
			s.tail.stop()
		}
		if err := os.RemoveAll(s.dir); err != nil && s.stopErr == nil {
			s.stopErr = err
		}
	})
	return s.stopErr
}

// Get is a small helper for tests and demos: one request through nginx.
func (s *Server) Get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+path, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// childPIDs lists the processes whose parent is pid, from /proc.
func childPIDs(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
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
		// The command name is in parentheses and may hold spaces.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, n)
		}
	}
	return kids
}
