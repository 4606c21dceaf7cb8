package loopback_test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nodedive/nodedive/labs/loopback"
)

func TestAddr(t *testing.T) {
	if got := loopback.Addr(8080); got != "127.0.0.1:8080" {
		t.Errorf("Addr(8080) = %q", got)
	}
}

func TestFreePortCanBeBoundOnLoopback(t *testing.T) {
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if port <= 0 || port > 65535 {
		t.Fatalf("FreePort() = %d", port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("the free port %d cannot be bound: %v", port, err)
	}
	ln.Close()
}

func TestCheck(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	free, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}

	if err := loopback.Check(0); err != nil {
		t.Errorf("Check(0): %v, want nil (any free port)", err)
	}
	if err := loopback.Check(free); err != nil {
		t.Errorf("Check(%d) on a free port: %v", free, err)
	}
	// Check must not keep the port: the caller binds it next.
	if ln, err := net.Listen("tcp", loopback.Addr(free)); err != nil {
		t.Errorf("port %d still held after Check: %v", free, err)
	} else {
		ln.Close()
	}

	err = loopback.Check(takenPort)
	want := "port " + strconv.Itoa(takenPort) + " on 127.0.0.1 is already in use: stop what is using it, pick another port, or use port 0 for a free one"
	if err == nil || err.Error() != want {
		t.Errorf("Check(taken port) = %v, want %q", err, want)
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Check(taken port) = %v, want it to wrap EADDRINUSE", err)
	}

	for _, bad := range []int{-1, 65536, 70000} {
		err := loopback.Check(bad)
		if err == nil || !strings.Contains(err.Error(), "between 0 (any free port) and 65535, got "+strconv.Itoa(bad)) {
			t.Errorf("Check(%d) = %v, want an out-of-range error", bad, err)
		}
		if err := loopback.ValidPort(bad); err == nil {
			t.Errorf("ValidPort(%d) = nil", bad)
		}
	}
	for _, ok := range []int{0, 1, 65535} {
		if err := loopback.ValidPort(ok); err != nil {
			t.Errorf("ValidPort(%d) = %v", ok, err)
		}
	}
}

func TestListenKeepsTheListener(t *testing.T) {
	ln, err := loopback.Listen(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().(*net.TCPAddr)
	if !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("Listen bound %v, want 127.0.0.1", addr.IP)
	}
	if _, err := loopback.Listen(addr.Port); err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Errorf("second Listen on %d = %v, want already in use", addr.Port, err)
	}
	if _, err := loopback.Listen(-5); err == nil {
		t.Error("Listen(-5) = nil error")
	}
}
