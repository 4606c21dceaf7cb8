// Package redisrun starts a throw-away redis-server for a lab: loopback only,
// a random free port, a temp working directory, no persistence. It dies with
// nodedive (labs/proc) and leaves nothing on disk.
package redisrun

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
	"github.com/nodedive/nodedive/labs/loopback"
)

// InstallHint says how to get redis-server, or how to do without starting one.
const InstallHint = "install Redis (apt install redis-server, brew install redis) so that `redis-server` is on PATH, " +
	"or point the lab at a running Redis with REDIS_URL=redis://127.0.0.1:6379"

// ErrNoRedis is returned (wrapped) when redis-server is not on PATH.
var ErrNoRedis = errors.New("redis-server was not found on PATH")

// Server is a running redis-server.
type Server struct {
	// URL is the redis:// address clients connect to.
	URL string
	// Addr is host:port.
	Addr string

	cmd  *exec.Cmd
	out  *proc.Tail // what redis-server printed, to explain a failed start
	dir  string
	done chan struct{}
	once sync.Once
	err  error
}

// Start runs redis-server on 127.0.0.1 and returns once it answers PING.
// Cancelling ctx kills it; call Close in any case to remove its directory.
func Start(ctx context.Context) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoRedis, InstallHint)
	}
	var lastErr error
	// A free port found by listening and closing can be taken by someone
	// else before redis binds it; try a few times.
	for range 3 {
		port, err := loopback.FreePort()
		if err != nil {
			return nil, err
		}
		s, err := start(ctx, bin, port)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, bin string, port int) (*Server, error) {
	dir, err := proc.TempDir("nodedive-redis-")
	if err != nil {
		return nil, err
	}
	addr := loopback.Addr(port)
	cmd := exec.CommandContext(ctx, bin,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "",
		"--appendonly", "no",
		"--protected-mode", "yes",
		"--daemonize", "no",
		"--loglevel", "warning",
	)
	cmd.Dir = dir
	out := &proc.Tail{Max: 16 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	proc.Prepare(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting redis-server: %w", err)
	}
	s := &Server{URL: "redis://" + addr, Addr: addr, cmd: cmd, out: out, dir: dir, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx, 10*time.Second); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// waitReady polls with PING until redis answers PONG.
func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if pingOK(s.Addr) {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("redis-server exited before it was ready: %s", strings.TrimSpace(s.out.String()))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer PING within %s: %s", limit, strings.TrimSpace(s.out.String()))
		}
	}
}

func pingOK(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// PID is the redis-server process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Close kills redis-server, waits for it and removes its directory.
func (s *Server) Close() error {
	s.once.Do(func() {
		_ = proc.KillGroup(s.cmd)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			s.err = errors.New("redis-server did not exit after SIGKILL")
		}
		if err := os.RemoveAll(s.dir); err != nil && s.err == nil {
			s.err = err
		}
	})
	return s.err
}
