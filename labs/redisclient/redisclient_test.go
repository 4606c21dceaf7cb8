package redisclient

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestNothingReachesStderr: a client whose Redis is gone fails its
// commands, and go-redis's own logger says nothing on stderr.
func TestNothingReachesStderr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// go-redis's default logger holds the os.Stderr of its start; point
	// the process's descriptor 2 itself at the pipe.
	restore := redirectFD2(t, w)
	c, err := New("redis://"+addr, func(o *redis.Options) {
		o.DialTimeout = 100 * time.Millisecond
		o.MaxRetries = 0
		o.MinIdleConns = 2 // the pool dials in the background and logs failures
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("ping to a closed port succeeded")
	}
	time.Sleep(200 * time.Millisecond)
	c.Close()
	restore()
	w.Close()
	got, _ := io.ReadAll(r)
	if strings.Contains(string(got), "redis:") {
		t.Errorf("go-redis printed on stderr:\n%s", got)
	}
}

func TestBadURL(t *testing.T) {
	if _, err := New("http://nope", nil); err == nil || !strings.Contains(err.Error(), `bad Redis URL "http://nope"`) {
		t.Errorf("got %v", err)
	}
}

// redirectFD2 points file descriptor 2 at w until the returned function
// puts it back.
func redirectFD2(t *testing.T, w *os.File) func() {
	t.Helper()
	saved, err := syscall.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Dup3(int(w.Fd()), 2, 0); err != nil {
		t.Fatal(err)
	}
	return func() {
		_ = syscall.Dup3(saved, 2, 0)
		syscall.Close(saved)
	}
}
