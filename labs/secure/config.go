// Package secure is the hardened HTTP app of the security lab (lesson q15),
// written in Go with the same contract as the Express app in
// content/labs/secure, so one probe suite (labs/probe) can attack both:
//
//	GET  /       200 {"runtime","pid","message"}
//	POST /login  {email,password} → 400 missing or malformed, 401 wrong,
//	             200 {"token","tokenType","expiresIn"} (JWT HS256, 15 min)
//	GET  /me     Authorization: Bearer <token> → 200 user, 401 otherwise
//	GET  /boom   500 {"error":"Internal server error"}, stack in the log only
//
// The defences, in the order the Express app mounts them: helmet's default
// headers, a CORS allow-list, a rate limit (draft-7 headers, 429 with
// Retry-After), a 10 KB JSON body limit, header and body read timeouts and
// optional TLS. Each can be switched off (Weaknesses) to watch a probe fail.
package secure

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nodedive/nodedive/labs/secure/ratelimit/shmtable"
)

// Demo account seeded at start; the lab and its lesson document it.
const (
	DemoEmail    = "learner@example.com"
	DemoName     = "Demo Learner"
	DemoPassword = "open-sesame-42"
)

// SecretEnv is the environment variable the CLI reads the JWT secret from.
const SecretEnv = "NODEDIVE_JWT_SECRET"

// Defaults of the lesson's app (and of the Express app).
const (
	DefaultOrigin         = "https://trusted.com"
	DefaultLimit          = 100
	DefaultWindow         = 15 * time.Minute
	DefaultTokenTTL       = 15 * time.Minute
	DefaultMaxBody        = 10 << 10 // express.json({limit: '10kb'})
	DefaultHeaderTimeout  = 5 * time.Second
	DefaultRequestTimeout = 10 * time.Second
)

// Store names: where the rate-limit counters live.
const (
	StoreMemory  = "memory"  // per process: each worker counts alone
	StorePrimary = "primary" // in the cluster primary, asked over IPC
	StoreRedis   = "redis"   // in Redis, shared by every process
	StoreShared  = "shared"  // in memory every worker maps, counted in place
)

// Stores lists the store names in the order the lab presents them.
var Stores = []string{StoreMemory, StorePrimary, StoreRedis, StoreShared}

// Config is everything that shapes the app. It travels to cluster workers
// as JSON, so it holds only data; the rate-limit Store itself is built on
// each side from Store and RedisURL.
type Config struct {
	// AllowedOrigins is the CORS allow-list. Empty means DefaultOrigin.
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
	// Limit requests per client per Window. Zero means DefaultLimit.
	Limit  int           `json:"limit,omitempty"`
	Window time.Duration `json:"window,omitempty"`
	// Store is shared, primary, redis or memory; empty means shared.
	Store    string `json:"store,omitempty"`
	RedisURL string `json:"redis_url,omitempty"`
	// SharedSlots sizes the shared store's table (a power of two); zero
	// means shmtable.DefaultSlots.
	SharedSlots int `json:"shared_slots,omitempty"`
	// Secret signs the JWTs. Every worker must get the same one, or a
	// token signed by one worker fails on the next.
	Secret []byte `json:"secret"`
	// TokenTTL is the token lifetime; zero means DefaultTokenTTL.
	TokenTTL time.Duration `json:"token_ttl,omitempty"`
	// TTLHook lets POST /login?ttl=SECONDS ask for a shorter-lived token,
	// so the expiry probe need not wait 15 minutes. Lab only.
	TTLHook bool `json:"ttl_hook,omitempty"`
	// MaxBody caps JSON bodies in bytes; zero means DefaultMaxBody.
	MaxBody int64 `json:"max_body,omitempty"`
	// HeaderTimeout drops a client that has not sent all its headers in
	// time (slowloris); RequestTimeout bounds reading the whole request.
	HeaderTimeout  time.Duration `json:"header_timeout,omitempty"`
	RequestTimeout time.Duration `json:"request_timeout,omitempty"`
	// TLSCertPEM and TLSKeyPEM, when set, make the server speak HTTPS.
	TLSCertPEM []byte `json:"tls_cert,omitempty"`
	TLSKeyPEM  []byte `json:"tls_key,omitempty"`
	// Weak switches defences off, to show the probes failing.
	Weak Weaknesses `json:"weak,omitzero"`
}

// Weaknesses are the defences a lab can remove. The zero value removes none.
type Weaknesses struct {
	// NoHeaders drops helmet's headers and advertises the framework in
	// X-Powered-By, as Express does without helmet.
	NoHeaders bool `json:"no_headers,omitempty"`
	// NoRateLimit lets every request through.
	NoRateLimit bool `json:"no_rate_limit,omitempty"`
	// OpenCORS answers Access-Control-Allow-Origin: * to everyone, as
	// cors() with no options does.
	OpenCORS bool `json:"open_cors,omitempty"`
	// NoBodyLimit accepts JSON bodies up to 1 MiB instead of MaxBody.
	NoBodyLimit bool `json:"no_body_limit,omitempty"`
	// NoTimeouts waits for slow clients forever.
	NoTimeouts bool `json:"no_timeouts,omitempty"`
	// LeakErrors sends the error and its stack to the client, like
	// Express's default error page outside production.
	LeakErrors bool `json:"leak_errors,omitempty"`
}

// AllWeak is every defence off: the bare app the benchmark compares with.
var AllWeak = Weaknesses{NoHeaders: true, NoRateLimit: true, OpenCORS: true, NoBodyLimit: true, NoTimeouts: true, LeakErrors: true}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if len(c.AllowedOrigins) == 0 {
		c.AllowedOrigins = []string{DefaultOrigin}
	}
	if c.Limit == 0 {
		c.Limit = DefaultLimit
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.Store == "" {
		c.Store = StoreShared
	}
	if c.SharedSlots == 0 {
		c.SharedSlots = shmtable.DefaultSlots
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.HeaderTimeout == 0 {
		c.HeaderTimeout = DefaultHeaderTimeout
	}
	if c.RequestTimeout == 0 {
		// Reading a whole request takes at least as long as its headers.
		c.RequestTimeout = max(DefaultRequestTimeout, 2*c.HeaderTimeout)
	}
	return c
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if c.Limit < 0 {
		return fmt.Errorf("rate limit %d: must be 1 or more", c.Limit)
	}
	if c.Window < 0 || (c.Window > 0 && c.Window < time.Second) {
		return fmt.Errorf("rate-limit window %s: must be at least 1s", c.Window)
	}
	switch c.Store {
	case "", StoreMemory, StorePrimary:
	case StoreShared:
		if err := validShared(c); err != nil {
			return err
		}
	case StoreRedis:
		if c.RedisURL == "" && !c.Weak.NoRateLimit {
			return errors.New("the redis store needs a Redis URL")
		}
	default:
		return fmt.Errorf("unknown rate-limit store %q: use %s", c.Store, strings.Join(Stores, ", "))
	}
	if len(c.Secret) < 32 {
		return fmt.Errorf("JWT secret of %d bytes: use at least 32 (set %s)", len(c.Secret), SecretEnv)
	}
	if c.TokenTTL < 0 {
		return fmt.Errorf("token lifetime %s: must be positive", c.TokenTTL)
	}
	if c.HeaderTimeout < 0 || c.RequestTimeout < 0 || (c.RequestTimeout > 0 && c.HeaderTimeout > c.RequestTimeout) {
		// Node refuses a headersTimeout longer than its requestTimeout.
		return fmt.Errorf("header timeout %s and request timeout %s: both positive, the header one no longer",
			c.HeaderTimeout, c.RequestTimeout)
	}
	if c.MaxBody < 0 {
		return fmt.Errorf("body limit %d: must be positive", c.MaxBody)
	}
	for _, o := range c.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
			return fmt.Errorf("CORS origin %q: want scheme://host[:port], e.g. %s", o, DefaultOrigin)
		}
	}
	if (len(c.TLSCertPEM) == 0) != (len(c.TLSKeyPEM) == 0) {
		return errors.New("TLS needs both a certificate and a key")
	}
	return nil
}
