package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

var slowHeadersProbe = Probe{
	Name:   "slow-headers",
	Lesson: RowTimeouts,
	Attack: "open a connection and send the request's headers a line every 300 ms, never finishing " +
		"(slowloris: a few hundred such clients hold every connection a server has)",
	Expected: "the server drops the connection once its header timeout passes, before the probe gives up (10s by default)",
	run: func(ctx context.Context, s *session) outcome {
		u, err := url.Parse(s.t.URL)
		if err != nil {
			return failed(nil, "%v", err)
		}
		conn, err := dial(ctx, u, s.t.TLS)
		if err != nil {
			return failed(nil, "connecting: %v", err)
		}
		defer conn.Close()
		s.requests++

		start := time.Now()
		// Whatever the server does, answer 408 or just close, the
		// reader sees it.
		type closed struct {
			resp *http.Response
			err  error
		}
		gone := make(chan closed, 1)
		go func() {
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			gone <- closed{resp, err}
		}()

		host := u.Host
		if _, err := fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nX-Forwarded-For: %s\r\n", host, s.clientIP); err != nil {
			return passed(nil, "the server refused the first header line (%v)", err)
		}
		tick := time.NewTicker(300 * time.Millisecond)
		defer tick.Stop()
		limit := time.NewTimer(s.t.SlowAllowance)
		defer limit.Stop()
		for n := 1; ; n++ {
			select {
			case c := <-gone:
				took := time.Since(start).Round(10 * time.Millisecond)
				if c.resp != nil {
					c.resp.Body.Close()
					return passed(&response{status: c.resp.StatusCode, header: c.resp.Header},
						"dropped after %s with %d %s", took, c.resp.StatusCode, http.StatusText(c.resp.StatusCode))
				}
				return passed(nil, "dropped after %s (connection closed: %s)", took, closeReason(c.err))
			case <-tick.C:
				if _, err := fmt.Fprintf(conn, "X-Slow-%d: a\r\n", n); err != nil {
					took := time.Since(start).Round(10 * time.Millisecond)
					return passed(nil, "dropped after %s (write failed: %v)", took, err)
				}
			case <-limit.C:
				return failed(nil, "still connected after %s of dribbled headers: nothing stops slow clients", s.t.SlowAllowance)
			case <-ctx.Done():
				return failed(nil, "interrupted")
			}
		}
	},
}

func closeReason(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "EOF"):
		return "EOF"
	case strings.Contains(msg, "reset"):
		return "reset"
	}
	return msg
}

// dial opens a raw connection to u, with TLS for https.
func dial(ctx context.Context, u *url.URL, cfg *tls.Config) (net.Conn, error) {
	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	if u.Scheme != "https" {
		return d.DialContext(ctx, "tcp", addr)
	}
	if cfg == nil {
		cfg = &tls.Config{}
	} else {
		cfg = cfg.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = u.Hostname()
	}
	td := &tls.Dialer{NetDialer: d, Config: cfg}
	return td.DialContext(ctx, "tcp", addr)
}
