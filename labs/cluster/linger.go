package cluster

import (
	"io"
	"net"
	"sync"
	"time"
)

// Lingering close. fasthttp answers a request it refuses before reading it
// all (a body over the limit, above all) and closes the connection at once.
// The client may still be sending the body; the kernel answers those bytes,
// and the unread ones, with a reset, and a client that is still writing sees
// "broken pipe" instead of the 413 waiting in its receive buffer. net/http
// and Apache avoid this the same way: shut the sending side (the client
// reads the response and a FIN), throw away what the client still sends for
// a bounded time, then close.
const (
	lingerFor = time.Second
	lingerMax = 1 << 20 // bytes discarded at most
)

// lingerListener hands out connections that linger on Close.
type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if _, ok := c.(halfCloser); !ok {
		return c, nil
	}
	return &lingerConn{Conn: c}, nil
}

type halfCloser interface{ CloseWrite() error }

type lingerConn struct {
	net.Conn
	once sync.Once
}

// Close returns at once: the draining happens in the background, so the
// server's goroutine is free and a closing worker does not wait on it.
func (c *lingerConn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		if err = c.Conn.(halfCloser).CloseWrite(); err != nil {
			err = c.Conn.Close()
			return
		}
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(lingerFor))
			_, _ = io.CopyN(io.Discard, c.Conn, lingerMax)
			_ = c.Conn.Close()
		}()
	})
	return err
}
