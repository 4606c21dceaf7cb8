// Package loopback is how the labs pick and check ports: servers of the labs
// bind 127.0.0.1 only, never an address reachable from another machine.
package loopback

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// host is the only address lab servers listen on.
const host = "127.0.0.1"

// Addr is "127.0.0.1:PORT".
func Addr(port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// FreePort asks the kernel for a port nothing listens on right now. Another
// process may take it before the caller binds it; the labs accept that small
// window because the child that binds it reports a clear error if it happens.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", Addr(0))
	if err != nil {
		return 0, fmt.Errorf("finding a free port on %s: %w", host, err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ValidPort fails when port is not a TCP port number. 0 is valid: it stands
// for any free port. It does not look at what is listening, so it suits
// validating a configuration before anything starts.
func ValidPort(port int) error {
	if port < 0 || port > 65535 {
		return fmt.Errorf("port must be between 0 (any free port) and 65535, got %d", port)
	}
	return nil
}

// Check fails with a message that says what to do when port cannot be bound
// on 127.0.0.1, most often because something already listens on it. Port 0
// always passes: any free port will do. Labs call it before starting
// anything slow (npm ci, Redis, nginx), so a taken port is reported at once.
func Check(port int) error {
	if err := ValidPort(port); err != nil {
		return err
	}
	if port == 0 {
		return nil
	}
	ln, err := Listen(port)
	if err != nil {
		return err
	}
	return ln.Close()
}

// Listen binds port on 127.0.0.1 (0 picks a free one) with the same errors as
// Check, for a server that keeps the listener rather than checking first and
// binding later.
func Listen(port int) (*net.TCPListener, error) {
	if err := ValidPort(port); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", Addr(port))
	if err != nil {
		return nil, listenError(port, err)
	}
	return ln.(*net.TCPListener), nil
}

// inUseError says a port on 127.0.0.1 is taken. It unwraps to the listen
// error, so errors.Is(err, syscall.EADDRINUSE) holds for callers.
type inUseError struct {
	port int
	err  error
}

func (e *inUseError) Error() string {
	return fmt.Sprintf("port %d on %s is already in use: stop what is using it, pick another port, or use port 0 for a free one", e.port, host)
}

func (e *inUseError) Unwrap() error { return e.err }

func listenError(port int, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return &inUseError{port: port, err: err}
	}
	return fmt.Errorf("cannot listen on %s: %w", Addr(port), err)
}
