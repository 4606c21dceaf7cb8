package secure

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/nodedive/nodedive/labs/secure/ratelimit"
	"github.com/redis/go-redis/v9"
)

// Options are what the app needs besides its Config: things that cannot
// travel as JSON or that the host process decides.
type Options struct {
	// Store holds the rate-limit counters. Nil builds one from the
	// config: a Memory for "memory", a Redis client for "redis". The
	// "primary" store needs the cluster's IPC, so its host passes a
	// ratelimit.Remote here.
	Store ratelimit.Store
	// Log receives error stacks and server errors; nil means stderr.
	Log io.Writer
	// PID is reported by GET /; zero means this process's.
	PID int
}

// App is the hardened app: an http.Handler plus the server settings
// (timeouts, TLS) that belong with it.
type App struct {
	cfg     Config
	handler http.Handler
	log     *log.Logger
	pid     int
	users   *users
	tokens  tokens
	tlsCert *tls.Certificate
	closers []func() error
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
		a.tlsCert = &cert
	}
	var err error
	if a.users, err = seedUsers(); err != nil {
		return nil, fmt.Errorf("seeding the demo user: %w", err)
	}

	var h http.Handler = http.HandlerFunc(a.route)
	h = a.parseJSON(h)
	if !cfg.Weak.NoRateLimit {
		store := opt.Store
		if store == nil {
			if store, err = a.buildStore(); err != nil {
				return nil, err
			}
		}
		limiter := &ratelimit.Limiter{
			Store:  store,
			Limit:  cfg.Limit,
			Window: cfg.Window,
			Key:    rateKey,
			Reject: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusTooManyRequests, errorBody{"Too many requests, please try again later."})
			},
			Fail: func(w http.ResponseWriter, r *http.Request, err error) { a.fail(w, r, err, nil) },
		}
		h = limiter.Wrap(h)
	}
	h = a.recoverPanics(h)
	if cfg.Weak.OpenCORS {
		h = openCORS(h)
	} else {
		h = cors(cfg.AllowedOrigins, h)
	}
	if cfg.Weak.NoHeaders {
		h = poweredBy(h)
	} else {
		h = helmet(h)
	}
	a.handler = h
	return a, nil
}

func (a *App) buildStore() (ratelimit.Store, error) {
	switch a.cfg.Store {
	case StoreMemory:
		return ratelimit.NewMemory(a.cfg.Window), nil
	case StoreRedis:
		opts, err := redis.ParseURL(a.cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("redis URL %q: %w", a.cfg.RedisURL, err)
		}
		client := redis.NewClient(opts)
		a.closers = append(a.closers, client.Close)
		return ratelimit.NewRedis(client, a.cfg.Window), nil
	case StorePrimary:
		return nil, errors.New("the primary store counts in the cluster primary: run the app in the cluster (or pass a ratelimit.Remote)")
	}
	return nil, fmt.Errorf("unknown store %q", a.cfg.Store)
}

// ServeHTTP answers one request.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

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

// ConfigureServer applies the app's server-side defences to s: header and
// request read timeouts against slow clients, Node's header size limit and
// keep-alive timeout, the error log, and TLS when the config has a cert.
func (a *App) ConfigureServer(s *http.Server) {
	if a.cfg.Weak.NoTimeouts {
		// Wait for slow clients forever, whatever the host's defaults.
		s.ReadHeaderTimeout, s.ReadTimeout, s.IdleTimeout = 0, 0, 0
	} else {
		// ReadHeaderTimeout runs from the first byte of a request to its
		// last header: dribbling one header byte at a time does not
		// reset it, which is what beats slowloris.
		s.ReadHeaderTimeout = a.cfg.HeaderTimeout
		s.ReadTimeout = a.cfg.RequestTimeout
		s.IdleTimeout = 5 * time.Second // Node's keepAliveTimeout
	}
	s.MaxHeaderBytes = 16 << 10 // Node's --max-http-header-size
	s.ErrorLog = a.log
	if a.tlsCert != nil {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*a.tlsCert}, MinVersion: tls.VersionTLS12}
	}
}

// NewServer returns an http.Server for the app, configured.
func (a *App) NewServer() *http.Server {
	s := &http.Server{Handler: a}
	a.ConfigureServer(s)
	return s
}

// rateKey is express-rate-limit v8's default key: the client IP, with IPv6
// addresses grouped by their /56 network (one customer's whole allocation).
func rateKey(r *http.Request) string {
	key := clientIP(r)
	if !strings.Contains(key, ":") {
		return key // IPv4 (clientIP returns addresses in canonical form)
	}
	if a, err := netip.ParseAddr(key); err == nil {
		if p, err := a.Prefix(56); err == nil {
			return p.String()
		}
	}
	return key
}

// ---------------------------------------------------------------- routes

type errorBody struct {
	Error string `json:"error"`
}

func (a *App) route(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if len(path) > 1 {
		// Express routes are not strict about a trailing slash.
		path = strings.TrimSuffix(path, "/")
	}
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case path == "/" && get:
		writeJSON(w, http.StatusOK, struct {
			Runtime string `json:"runtime"`
			PID     int    `json:"pid"`
			Message string `json:"message"`
		}{"go", a.pid, "hello from a cluster worker"})
	case path == "/login" && r.Method == http.MethodPost:
		a.login(w, r)
	case path == "/me" && get:
		a.me(w, r)
	case path == "/boom" && get:
		a.boom()
	default:
		writeJSON(w, http.StatusNotFound, errorBody{"Not found"})
	}
}

func (a *App) login(w http.ResponseWriter, r *http.Request) {
	body, _ := r.Context().Value(bodyKey{}).(map[string]any)
	email, hasEmail := body["email"]
	password, hasPassword := body["password"]
	if !hasEmail || !hasPassword || email == "" || password == "" {
		writeJSON(w, http.StatusBadRequest, errorBody{"Email and password required"})
		return
	}
	e, eok := email.(string)
	p, pok := password.(string)
	if !eok || !pok || !validEmail(e) || len(p) > maxPasswordBytes {
		writeJSON(w, http.StatusBadRequest, errorBody{"Email must be an address and password a string of at most 72 bytes"})
		return
	}
	u := a.users.check(e, p)
	if u == nil {
		writeJSON(w, http.StatusUnauthorized, errorBody{"Invalid email or password"})
		return
	}
	ttl := a.cfg.TokenTTL
	if a.cfg.TTLHook {
		// Lab-only: a shorter token for the expiry probe, never longer
		// than the configured lifetime.
		if s, err := strconv.Atoi(r.URL.Query().Get("ttl")); err == nil && s >= 1 {
			ttl = min(time.Duration(s)*time.Second, ttl)
		}
	}
	token, err := a.tokens.sign(u, ttl)
	if err != nil {
		a.fail(w, r, err, nil)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Token     string `json:"token"`
		TokenType string `json:"tokenType"`
		ExpiresIn int64  `json:"expiresIn"`
	}{token, "Bearer", int64(ttl / time.Second)})
}

var bearer = regexp.MustCompile(`(?i)^Bearer (\S+)$`)

func (a *App) me(w http.ResponseWriter, r *http.Request) {
	m := bearer.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		writeJSON(w, http.StatusUnauthorized, errorBody{"Missing bearer token"})
		return
	}
	sub, err := a.tokens.verify(m[1])
	u := a.users.byEmail[sub]
	if err != nil || u == nil {
		writeJSON(w, http.StatusUnauthorized, errorBody{"Invalid or expired token"})
		return
	}
	writeJSON(w, http.StatusOK, struct {
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

// recoverPanics is the global error handler: a panic becomes a 500 with a
// fixed message, and the stack goes to the log only.
func (a *App) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.fail(w, r, fmt.Errorf("panic: %v", v), debug.Stack())
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// fail logs err with its stack and answers 500, with the details only when
// the LeakErrors weakness is on.
func (a *App) fail(w http.ResponseWriter, r *http.Request, err error, stack []byte) {
	if stack == nil {
		stack = debug.Stack()
	}
	a.log.Printf("%s %s: %v\n%s", r.Method, r.URL.Path, err, stack)
	if a.cfg.Weak.LeakErrors {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error(), "stack": string(stack)})
		return
	}
	writeJSON(w, http.StatusInternalServerError, errorBody{"Internal server error"})
}

// ---------------------------------------------------------------- bodies

type bodyKey struct{}

// parseJSON is express.json({limit}): a request with a JSON body has it
// parsed before routing, whatever the route; an oversized body is refused
// with 413 (before reading it when Content-Length says so), a malformed one
// with 400. Bodies of other types are left unread.
func (a *App) parseJSON(next http.Handler) http.Handler {
	limit := a.cfg.MaxBody
	if a.cfg.Weak.NoBodyLimit {
		limit = 1 << 20
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hasBody(r) || !isJSON(r.Header.Get("Content-Type")) {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > limit {
			a.bodyError(w, r, http.StatusRequestEntityTooLarge, "Request body too large", nil)
			return
		}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			a.bodyError(w, r, http.StatusRequestEntityTooLarge, "Request body too large", err)
			return
		case errors.Is(err, os.ErrDeadlineExceeded):
			a.bodyError(w, r, http.StatusRequestTimeout, "Request Timeout", err)
			return
		case err != nil:
			a.bodyError(w, r, http.StatusBadRequest, "Bad Request", err)
			return
		}
		var body any
		if len(bytes.TrimSpace(raw)) > 0 {
			// Like body-parser's strict mode, only objects and arrays.
			first := bytes.TrimLeft(raw, " \t\r\n")[0]
			if first != '{' && first != '[' {
				err = errors.New("JSON body must be an object or an array")
			} else {
				err = json.Unmarshal(raw, &body)
			}
			if err != nil {
				a.bodyError(w, r, http.StatusBadRequest, "Malformed JSON body", err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, body)))
	})
}

// bodyError answers a client error in the body. It is not logged: these are
// the client's mistakes, not the server's.
func (a *App) bodyError(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if a.cfg.Weak.LeakErrors && err != nil {
		writeJSON(w, status, map[string]string{"error": err.Error(), "stack": string(debug.Stack())})
		return
	}
	writeJSON(w, status, errorBody{msg})
}

func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"Internal server error"}`)
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
