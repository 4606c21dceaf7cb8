package redisrun

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

func TestStartAndClose(t *testing.T) {
	nodetest.RequireTool(t, "redis-server", InstallHint)
	s, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL, "redis://127.0.0.1:") || !pingOK(s.Addr) {
		t.Fatalf("url %s, ping %v", s.URL, pingOK(s.Addr))
	}
	pid, dir := s.PID(), s.dir
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("redis-server %d still exists after Close: %v", pid, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s left behind", dir)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestContextEndKillsIt(t *testing.T) {
	nodetest.RequireTool(t, "redis-server", InstallHint)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cancel()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("redis-server survived its context")
	}
}

func TestMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background())
	if !errors.Is(err, ErrNoRedis) || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Errorf("got %v", err)
	}
}
