package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Target is the server under attack and what the probes may assume of it.
type Target struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:3000.
	URL string
	// TLS configures HTTPS clients (e.g. RootCAs trusting the lab's
	// self-signed certificate). Nil uses the system's roots.
	TLS *tls.Config
	// Email and Password log in for the token probes; empty means the
	// lab's demo account.
	Email, Password string
	// TrustedOrigin is an origin the server's CORS allow-list should
	// accept; ForeignOrigin one it must not. Empty means the lab's.
	TrustedOrigin, ForeignOrigin string
	// SlowAllowance is how long the server may keep a client that sends
	// its headers a byte at a time before the slow-header probe fails.
	// Zero means 10s.
	SlowAllowance time.Duration
	// MaxBurst caps the requests of one burst probe. Zero means 2000.
	MaxBurst int
	// RequestTimeout bounds each ordinary request. Zero means 15s.
	RequestTimeout time.Duration
}

// Defaults the lab's apps are built for.
const (
	DefaultEmail         = "learner@example.com"
	DefaultPassword      = "open-sesame-42"
	DefaultTrustedOrigin = "https://trusted.com"
	DefaultForeignOrigin = "https://evil.example"
)

func (t Target) withDefaults() Target {
	t.URL = strings.TrimRight(t.URL, "/")
	if t.Email == "" {
		t.Email = DefaultEmail
	}
	if t.Password == "" {
		t.Password = DefaultPassword
	}
	if t.TrustedOrigin == "" {
		t.TrustedOrigin = DefaultTrustedOrigin
	}
	if t.ForeignOrigin == "" {
		t.ForeignOrigin = DefaultForeignOrigin
	}
	if t.SlowAllowance <= 0 {
		t.SlowAllowance = 10 * time.Second
	}
	if t.MaxBurst <= 0 {
		t.MaxBurst = 2000
	}
	if t.RequestTimeout <= 0 {
		t.RequestTimeout = 15 * time.Second
	}
	return t
}

// ParseURL checks that raw is an http or https base URL and returns it.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("probe URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("probe URL %q: want an http:// or https:// URL, e.g. http://127.0.0.1:3000", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("probe URL %q has no host: want e.g. http://127.0.0.1:3000", raw)
	}
	return u, nil
}

// IsLoopback reports whether the URL's host is this machine (localhost or a
// loopback address).
func IsLoopback(u *url.URL) bool {
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Check makes sure something that speaks HTTP answers at t.URL, and says
// what to do when not: nothing listening, not HTTP, TLS on one side only.
func Check(ctx context.Context, t Target) error {
	t = t.withDefaults()
	u, err := ParseURL(t.URL)
	if err != nil {
		return err
	}
	s := newSession(t)
	defer s.close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = s.do(ctx, http.MethodGet, "/", nil, nil)
	if err == nil {
		return nil
	}
	var (
		opErr   *net.OpError
		dnsErr  *net.DNSError
		recErr  tls.RecordHeaderError
		certErr *tls.CertificateVerificationError
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("nothing is listening at %s: start the server (or check the port) and try again", t.URL)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot resolve %q: check the host name in %s", u.Hostname(), t.URL)
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%s answered plain HTTP to an HTTPS request: use http:// instead", t.URL)
	case errors.As(err, &recErr):
		return fmt.Errorf("%s did not answer TLS: is it an HTTPS server? (for plain HTTP use http://)", t.URL)
	case errors.As(err, &certErr):
		return fmt.Errorf("%s presented a certificate this machine does not trust (%v): for your own "+
			"self-signed dev server add --insecure", t.URL, certErr.Err)
	case strings.Contains(err.Error(), "malformed HTTP"), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET),
		// A server that speaks first (an SSH banner) trips net/http
		// before the request is even sent.
		strings.Contains(err.Error(), "readLoopPeekFailLocked"):
		return fmt.Errorf("%s accepted the connection but did not answer HTTP (%w): is it an HTTP server, and is the scheme right?", t.URL, err)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &opErr) && opErr.Timeout():
		return fmt.Errorf("%s did not answer within 10s: is the host reachable and the server running?", t.URL)
	}
	return fmt.Errorf("probing %s: %w", t.URL, err)
}

// session is one probe's connection to the target: a keep-alive client, and
// the address the probe claims to come from.
type session struct {
	t      *Target
	client *http.Client
	// clientIP is sent as X-Forwarded-For. A server that trusts its
	// loopback proxy, as the lab's apps do, counts requests per such
	// client. Sticky sessions (the rate-limit probes) keep one address;
	// the others present every request as a new client, so no probe
	// spends another's rate-limit budget.
	clientIP string
	sticky   bool
	requests int
}

func newSession(t Target) *session {
	t = t.withDefaults()
	tr := &http.Transport{
		TLSClientConfig:     t.TLS,
		MaxIdleConnsPerHost: 4,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	return &session{
		t:        &t,
		client:   &http.Client{Transport: tr, Timeout: t.RequestTimeout, CheckRedirect: noRedirects},
		clientIP: randomClientIP(),
	}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// randomClientIP picks an address in 198.18.0.0/15, reserved for network
// benchmarks, so it is nobody's.
func randomClientIP() string {
	n := rand.N(1 << 17)
	return fmt.Sprintf("198.%d.%d.%d", 18+n>>16, (n>>8)&0xff, max(n&0xff, 1))
}

func (s *session) close() { s.client.CloseIdleConnections() }

// response is what the probes keep of an HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

const maxBody = 256 << 10

// do sends one request with the session's X-Forwarded-For. body may be nil.
func (s *session) do(ctx context.Context, method, path string, body io.Reader, header http.Header) (*response, error) {
	return s.doWith(ctx, s.client, method, path, body, header)
}

func (s *session) doWith(ctx context.Context, c *http.Client, method, path string, body io.Reader, header http.Header) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.t.URL+path, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if !s.sticky {
		s.clientIP = randomClientIP()
	}
	req.Header.Set("X-Forwarded-For", s.clientIP)
	req.Header.Set("User-Agent", "nodedive-probe")
	s.requests++
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// postJSON posts raw bytes as application/json.
func (s *session) postJSON(ctx context.Context, path string, raw []byte) (*response, error) {
	return s.do(ctx, http.MethodPost, path, bytes.NewReader(raw), http.Header{"Content-Type": {"application/json"}})
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// brief shows the start of a body on one line.
func brief(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}
