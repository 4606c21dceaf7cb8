package secure

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/netip"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/nodedive/nodedive/labs/redisclient"
	"github.com/nodedive/nodedive/labs/secure/ratelimit"
)

// Options are what the app needs besides its Config: things that cannot
// travel as JSON or that the host process decides.
type Options struct {
	// Store holds the rate-limit counters. Nil builds one from the
	// config: a Memory for "memory", a Redis client for "redis", a table
	// of this process's own for "shared". In a cluster, "primary" needs
	// the IPC and "shared" the region the primary hands over, so the
	// host passes those here.
	Store ratelimit.Store
	// Log receives error stacks and server errors; nil means stderr.
	Log io.Writer
	// PID is reported by GET /; zero means this process's.
	PID int
}

// App is the hardened app: a fasthttp handler plus the server settings
// (timeouts, limits, TLS) that belong with it.
//
// It is served by fasthttp rather than net/http for one measured reason:
// helmet's dozen headers cost net/http about half a microsecond each per
// response (a map insert, a copy of the map, a sort and a write), which on
// the cheapest route is a quarter of the cluster's throughput. fasthttp
// appends them to a reused buffer. See the README's benchmarks.
type App struct {
	cfg       Config
	log       *log.Logger
	pid       int
	users     *users
	tokens    tokens
	tlsConfig *tls.Config
	closers   []func() error

	limiter *ratelimit.Limiter // nil when the limit is off
	keys    lastKey
	// base holds the headers every answer of Handle starts with:
	// helmet's (or a weakened app's X-Powered-By), the Vary or open
	// Access-Control-Allow-Origin of cors, and RateLimit-Policy. They do
	// not depend on the request, and copying them from this template in
	// one go costs a fraction of setting them one by one.
	base fasthttp.ResponseHeader
	// rootBody is GET /'s answer, made once: it never changes.
	rootBody []byte
}

// New builds the app from cfg (zero fields take their defaults).
func New(cfg Config, opt Options) (*App, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = os.Stderr
	}
	a := &App{
		cfg:    cfg,
		log:    log.New(opt.Log, "", log.LstdFlags),
		pid:    opt.PID,
		tokens: tokens{secret: cfg.Secret, now: time.Now},
	}
	if a.pid == 0 {
		a.pid = os.Getpid()
	}
	if len(cfg.TLSCertPEM) > 0 {
		cert, err := tls.X509KeyPair(cfg.TLSCertPEM, cfg.TLSKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("TLS certificate: %w", err)
		}
		a.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var err error
	if a.users, err = seedUsers(); err != nil {
		return nil, fmt.Errorf("seeding the demo user: %w", err)
	}
	a.rootBody, _ = json.Marshal(struct {
		Runtime string `json:"runtime"`
		PID     int    `json:"pid"`
		Message string `json:"message"`
	}{"go", a.pid, "hello from a cluster worker"})

	if !cfg.Weak.NoRateLimit {
		store := opt.Store
		if store == nil {
			if store, err = a.buildStore(); err != nil {
				return nil, err
			}
		}
		a.limiter = &ratelimit.Limiter{Store: store, Limit: cfg.Limit, Window: cfg.Window}
	}
	a.base.DisableNormalizing() // keep helmet's spelling: see setHelmetHeaders
	if cfg.Weak.NoHeaders {
		setPoweredBy(&a.base)
	} else {
		setHelmetHeaders(&a.base)
	}
	setCORSHeaders(&a.base, cfg.Weak.OpenCORS)
	if a.limiter != nil {
		a.base.Set("RateLimit-Policy", a.limiter.Policy())
	}
	return a, nil
}

func (a *App) buildStore() (ratelimit.Store, error) {
	switch a.cfg.Store {
	case StoreMemory:
		return ratelimit.NewMemory(a.cfg.Window), nil
	case StoreRedis:
		client, err := redisclient.New(a.cfg.RedisURL, nil)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, client.Close)
		return ratelimit.NewRedis(client, a.cfg.Window), nil
	case StorePrimary:
		return nil, errors.New("the primary store counts in the cluster primary: run the app in the cluster (or pass a ratelimit.Remote)")
	case StoreShared:
		return privateSharedStore(a.cfg)
	}
	return nil, fmt.Errorf("unknown store %q", a.cfg.Store)
}

// Config returns the app's settings, defaults filled in.
func (a *App) Config() Config { return a.cfg }

// Close releases the store's connections.
func (a *App) Close() error {
	var errs []error
	for _, c := range a.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// ConfigureServer applies the app's server-side defences to s: the header
// and body read timeouts against slow clients, Node's header size limit and
// keep-alive timeout, the body limit, the answers to requests that never
// reach the app (too big, too slow, unreadable), the log, and TLS when the
// config has a certificate. It leaves s.Handler alone, so a host can wrap
// Handle.
func (a *App) ConfigureServer(s *fasthttp.Server) {
	if !a.cfg.Weak.NoTimeouts {
		// ReadTimeout runs from a request's first byte: dribbling one
		// header byte at a time does not reset it, which is what beats
		// slowloris. A request with a body then gets the longer request
		// timeout for the body (HeaderReceived runs once the headers
		// are in).
		s.ReadTimeout = a.cfg.HeaderTimeout
		s.IdleTimeout = 5 * time.Second // Node's keepAliveTimeout
		bodyTimeout := a.cfg.RequestTimeout
		s.HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
			if h.ContentLength() == 0 {
				return fasthttp.RequestConfig{}
			}
			return fasthttp.RequestConfig{ReadTimeout: bodyTimeout}
		}
	}
	// express.json refuses bodies over its limit, counting as it reads
	// when there is no Content-Length. fasthttp applies the limit to every
	// body, JSON or not: no route of the app takes any other kind.
	s.MaxRequestBodySize = int(a.bodyLimit())
	s.ReadBufferSize = 16 << 10 // Node's --max-http-header-size
	s.NoDefaultServerHeader = true
	s.Logger = a.log
	s.ErrorHandler = a.serverError
	s.TLSConfig = a.tlsConfig
	if s.Handler == nil {
		s.Handler = a.Handle
	}
}

// NewServer returns a fasthttp server for the app, configured.
func (a *App) NewServer() *fasthttp.Server {
	s := &fasthttp.Server{Handler: a.Handle}
	a.ConfigureServer(s)
	return s
}

// Listener wraps ln in TLS when the app has a certificate.
func (a *App) Listener(ln net.Listener) net.Listener {
	if a.tlsConfig == nil {
		return ln
	}
	return tls.NewListener(ln, a.tlsConfig)
}

func (a *App) bodyLimit() int64 {
	if a.cfg.Weak.NoBodyLimit {
		return 1 << 20
	}
	return a.cfg.MaxBody
}

// Handle answers one request. The defences run in the order of the
// lesson's Express app: helmet, cors, the global error handler around the
// rest, the rate limit, express.json, then the routes.
func (a *App) Handle(ctx *fasthttp.RequestCtx) {
	a.base.CopyTo(&ctx.Response.Header)
	if cors(ctx, a.cfg.AllowedOrigins, a.cfg.Weak.OpenCORS) {
		return
	}
	defer a.recoverPanic(ctx)
	if a.limiter != nil && !a.limit(ctx) {
		return
	}
	body, ok := a.parseJSON(ctx)
	if !ok {
		return
	}
	a.route(ctx, body)
}

// limit counts the request and reports whether it may go on; when it may
// not, the 429 (or the 500 for an unreachable store) is written.
func (a *App) limit(ctx *fasthttp.RequestCtx) bool {
	client := clientIP(remoteAddr(ctx), ctx.Request.Header.PeekAll("X-Forwarded-For"))
	v, err := a.limiter.Check(ctx, a.keys.of(client))
	if err != nil {
		a.fail(ctx, err, nil)
		return false
	}
	h := &ctx.Response.Header
	var buf [64]byte
	// Added, not set: no other step writes these, so there is nothing to
	// look for and replace.
	h.AddBytesKV(rateLimitKey, a.limiter.AppendHeader(buf[:0], v))
	if !v.Allowed {
		h.AddBytesKV(retryAfterKey, strconv.AppendInt(buf[:0], v.Reset, 10))
		writeJSON(ctx, fasthttp.StatusTooManyRequests, errorBody{"Too many requests, please try again later."})
		return false
	}
	return true
}

var (
	rateLimitKey  = []byte("RateLimit")
	retryAfterKey = []byte("Retry-After")
)

// remoteAddr is the address of the connection's other end.
func remoteAddr(ctx *fasthttp.RequestCtx) netip.Addr {
	if ip, ok := netip.AddrFromSlice(ctx.RemoteIP()); ok {
		return ip
	}
	return netip.IPv4Unspecified()
}

// ---------------------------------------------------------------- routes

type errorBody struct {
	Error string `json:"error"`
}

var jsonType = []byte("application/json; charset=utf-8")

// route dispatches on method and path; body is the parsed JSON body (nil
// without one).
func (a *App) route(ctx *fasthttp.RequestCtx, body any) {
	path := ctx.Path()
	if len(path) > 1 {
		// Express routes are not strict about a trailing slash.
		path = bytes.TrimSuffix(path, []byte("/"))
	}
	get := ctx.IsGet() || ctx.IsHead()
	switch {
	case string(path) == "/" && get:
		ctx.SetContentTypeBytes(jsonType)
		ctx.SetBody(a.rootBody)
	case string(path) == "/login" && ctx.IsPost():
		a.login(ctx, body)
	case string(path) == "/me" && get:
		a.me(ctx)
	case string(path) == "/boom" && get:
		a.boom()
	default:
		writeJSON(ctx, fasthttp.StatusNotFound, errorBody{"Not found"})
	}
}

func (a *App) login(ctx *fasthttp.RequestCtx, parsed any) {
	body, _ := parsed.(map[string]any)
	email, hasEmail := body["email"]
	password, hasPassword := body["password"]
	if !hasEmail || !hasPassword || email == "" || password == "" {
		writeJSON(ctx, fasthttp.StatusBadRequest, errorBody{"Email and password required"})
		return
	}
	e, eok := email.(string)
	p, pok := password.(string)
	if !eok || !pok || !validEmail(e) || len(p) > maxPasswordBytes {
		writeJSON(ctx, fasthttp.StatusBadRequest, errorBody{"Email must be an address and password a string of at most 72 bytes"})
		return
	}
	u := a.users.check(e, p)
	if u == nil {
		writeJSON(ctx, fasthttp.StatusUnauthorized, errorBody{"Invalid email or password"})
		return
	}
	ttl := a.cfg.TokenTTL
	if a.cfg.TTLHook {
		// Lab-only: a shorter token for the expiry probe, never longer
		// than the configured lifetime.
		if s, err := strconv.Atoi(string(ctx.QueryArgs().Peek("ttl"))); err == nil && s >= 1 {
			ttl = min(time.Duration(s)*time.Second, ttl)
		}
	}
	token, err := a.tokens.sign(u, ttl)
	if err != nil {
		a.fail(ctx, err, nil)
		return
	}
	writeJSON(ctx, fasthttp.StatusOK, struct {
		Token     string `json:"token"`
		TokenType string `json:"tokenType"`
		ExpiresIn int64  `json:"expiresIn"`
	}{token, "Bearer", int64(ttl / time.Second)})
}

var bearer = regexp.MustCompile(`(?i)^Bearer (\S+)$`)

func (a *App) me(ctx *fasthttp.RequestCtx) {
	m := bearer.FindSubmatch(ctx.Request.Header.Peek("Authorization"))
	if m == nil {
		writeJSON(ctx, fasthttp.StatusUnauthorized, errorBody{"Missing bearer token"})
		return
	}
	sub, err := a.tokens.verify(string(m[1]))
	u := a.users.byEmail[sub]
	if err != nil || u == nil {
		writeJSON(ctx, fasthttp.StatusUnauthorized, errorBody{"Invalid or expired token"})
		return
	}
	writeJSON(ctx, fasthttp.StatusOK, struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}{u.Email, u.Name})
}

// boom fails inside a handler, as a bug would: the Express app throws, the
// Go app panics, and both global error handlers turn it into a bland 500.
func (a *App) boom() {
	panic(errors.New("the /boom handler failed on purpose"))
}

// ---------------------------------------------------------------- errors

// recoverPanic is the global error handler, deferred around everything
// after cors: a panic becomes a 500 with a fixed message, and the stack goes
// to the log only. (fasthttp itself recovers nothing: a panic would take
// the whole worker down.)
func (a *App) recoverPanic(ctx *fasthttp.RequestCtx) {
	if v := recover(); v != nil {
		a.fail(ctx, fmt.Errorf("panic: %v", v), debug.Stack())
	}
}

// fail logs err with its stack and answers 500, with the details only when
// the LeakErrors weakness is on.
func (a *App) fail(ctx *fasthttp.RequestCtx, err error, stack []byte) {
	if stack == nil {
		stack = debug.Stack()
	}
	a.log.Printf("%s %s: %v\n%s", ctx.Method(), ctx.Path(), err, stack)
	if a.cfg.Weak.LeakErrors {
		writeJSON(ctx, fasthttp.StatusInternalServerError, map[string]string{"error": err.Error(), "stack": string(stack)})
		return
	}
	writeJSON(ctx, fasthttp.StatusInternalServerError, errorBody{"Internal server error"})
}

// serverError answers a request the server could not read, before Handle
// sees it (fasthttp then closes the connection): too big, too slow, or not
// HTTP. These are the client's doing, so nothing is logged.
func (a *App) serverError(ctx *fasthttp.RequestCtx, err error) {
	ctx.Response.Reset()
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		// Express meets its body limit inside express.json, after cors and
		// the rate limit have run: the headers are in, so do the same, and
		// the 413 carries the same headers (and counts against the limit).
		a.base.CopyTo(&ctx.Response.Header)
		if cors(ctx, a.cfg.AllowedOrigins, a.cfg.Weak.OpenCORS) {
			return
		}
		if a.limiter != nil && !a.limit(ctx) {
			return
		}
		a.clientError(ctx, fasthttp.StatusRequestEntityTooLarge, "Request body too large", err)
		return
	}
	if !a.cfg.Weak.NoHeaders {
		ctx.Response.Header.DisableNormalizing()
		setHelmetHeaders(&ctx.Response.Header)
	}
	var netErr net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		a.clientError(ctx, fasthttp.StatusRequestTimeout, "Request Timeout", err)
	case errors.As(err, new(*fasthttp.ErrSmallBuffer)):
		a.clientError(ctx, fasthttp.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large", err)
	default:
		a.clientError(ctx, fasthttp.StatusBadRequest, "Bad Request", err)
	}
}

// clientError answers a client's mistake. It is not logged: these are the
// client's mistakes, not the server's.
func (a *App) clientError(ctx *fasthttp.RequestCtx, status int, msg string, err error) {
	if a.cfg.Weak.LeakErrors && err != nil {
		writeJSON(ctx, status, map[string]string{"error": err.Error(), "stack": string(debug.Stack())})
		return
	}
	writeJSON(ctx, status, errorBody{msg})
}

// ---------------------------------------------------------------- bodies

// parseJSON is express.json(): a request with a JSON body has it parsed
// before routing, whatever the route, and a malformed one is refused with
// 400 (ok false). Bodies of other types are left alone. The size limit is
// the server's (ConfigureServer): an oversized body never gets here.
func (a *App) parseJSON(ctx *fasthttp.RequestCtx) (body any, ok bool) {
	if ctx.Request.Header.ContentLength() == 0 {
		return nil, true // no body (-1 is chunked: there may be one)
	}
	raw := ctx.Request.Body()
	if len(raw) == 0 || !isJSON(ctx.Request.Header.ContentType()) {
		return nil, true
	}
	if int64(len(raw)) > a.bodyLimit() {
		// Only reachable when a host configured a bigger server limit.
		a.clientError(ctx, fasthttp.StatusRequestEntityTooLarge, "Request body too large", nil)
		return nil, false
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return nil, true
	}
	var err error
	// Like body-parser's strict mode, only objects and arrays.
	if trimmed[0] != '{' && trimmed[0] != '[' {
		err = errors.New("JSON body must be an object or an array")
	} else {
		err = json.Unmarshal(trimmed, &body)
	}
	if err != nil {
		a.clientError(ctx, fasthttp.StatusBadRequest, "Malformed JSON body", err)
		return nil, false
	}
	return body, true
}

func isJSON(contentType []byte) bool {
	mt, _, err := mime.ParseMediaType(string(contentType))
	return err == nil && mt == "application/json"
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"Internal server error"}`)
		status = fasthttp.StatusInternalServerError
	}
	ctx.SetStatusCode(status)
	ctx.SetContentTypeBytes(jsonType)
	ctx.SetBody(b)
}
