// Package launch starts and stops the security lab's app as a real cluster on
// loopback: the Go app (labs/secure) in labs/cluster's Go workers, or the
// Express app (content/labs/secure) under Node's cluster module, with the
// chosen rate-limit store (and a throw-away redis-server when the store is
// redis and no REDIS_URL was given). Whatever fails half-way is torn down
// before Start returns.
package launch

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/loopback"
	"github.com/nodedive/nodedive/labs/probe"
	"github.com/nodedive/nodedive/labs/secure"
	"github.com/nodedive/nodedive/labs/secure/redisrun"
)

// Runtimes.
const (
	RuntimeGo   = "go"
	RuntimeNode = "node"
)

// Options describe a lab run. Zero values take the lesson's defaults.
type Options struct {
	Runtime string // go (default) or node
	Workers int    // default 2
	Policy  string // rr (default) or none
	Store   string // shared (Go's default), primary (Node's default), redis or memory
	// RedisURL is a Redis to use for the redis store; empty starts a
	// redis-server from PATH for the run.
	RedisURL string
	TLS      bool
	Port     int // on 127.0.0.1; 0 picks a free one

	Limit          int           // requests per client per Window; default 100
	Window         time.Duration // default 15m
	TokenTTL       time.Duration // default 15m
	HeaderTimeout  time.Duration // default 5s
	RequestTimeout time.Duration // default 10s
	// NoTTLHook turns off POST /login?ttl=, the lab-only short-token
	// hook the expiry probe uses.
	NoTTLHook bool
	// Weak removes defences (Go runtime only).
	Weak secure.Weaknesses
	// Secret signs the tokens; empty makes a random one for the run
	// (with a warning in Lab.Warnings).
	Secret string

	// Node is the node executable of the Node runtime (a path, or a name
	// on PATH); empty is node on PATH. npm ci runs on it too.
	Node string
	// CacheDir is where the Node runtime's npm packages are installed.
	CacheDir string
	// Progress hears slow steps (npm install, redis start).
	Progress func(msg string)
	// Log receives the processes' output (worker stderr: error stacks).
	Log io.Writer
	// Executable is the binary the Go workers run; empty is this one.
	// Tests set it to the test binary (which must call
	// cluster.RunChildIfRequested in TestMain).
	Executable string
	// NpmEnv is added to npm's environment (tests).
	NpmEnv []string
}

// Lab is a running app.
type Lab struct {
	URL     string
	Runtime string
	Store   string
	Policy  string
	// Workers are the worker pids at start; Primary is the primary's pid
	// (this process for the Go runtime).
	Workers []int
	Primary int
	// Config is the app's effective configuration (Secret included).
	Config secure.Config
	// CertPEM is the self-signed certificate when TLS is on.
	CertPEM []byte
	// RedisURL is the Redis in use for the redis store.
	RedisURL string
	// Warnings are things the learner should know (e.g. a random secret).
	Warnings []string

	redisPID int

	mu       sync.Mutex
	stopped  bool
	stops    []func(context.Context) error // in reverse order of start
	snapshot func() []int
}

// Validate checks opts without starting anything.
func (o Options) Validate() error {
	if o.Runtime != "" && o.Runtime != RuntimeGo && o.Runtime != RuntimeNode {
		return unknown("runtime", o.Runtime, []string{RuntimeGo, RuntimeNode})
	}
	if o.Workers < 0 || o.Workers > cluster.MaxWorkers {
		return fmt.Errorf("workers must be between 1 and %d, got %d", cluster.MaxWorkers, o.Workers)
	}
	if o.Policy != "" {
		if _, err := cluster.ParsePolicy(o.Policy); err != nil {
			return err
		}
	}
	if o.Store != "" && !contains(secure.Stores, o.Store) {
		return unknown("rate-limit store", o.Store, secure.Stores)
	}
	if o.Runtime == RuntimeNode && o.Store == secure.StoreShared {
		return errors.New("the shared store is a Go-runtime feature: Node's cluster workers are separate V8 " +
			"processes that share no memory, so Express counts in the primary (primary) or in Redis (redis)")
	}
	if o.Runtime == RuntimeNode && o.Weak != (secure.Weaknesses{}) {
		return errors.New("weakened apps are a Go-runtime feature: the Express app always runs hardened")
	}
	if err := loopback.ValidPort(o.Port); err != nil {
		return err
	}
	if o.Node != "" && o.Runtime != RuntimeNode {
		return errors.New("a node executable only matters to the node runtime: the Go app runs no node")
	}
	if o.Runtime == RuntimeNode && o.CacheDir == "" {
		return errors.New("the node runtime needs a cache directory for its npm packages")
	}
	if o.Secret != "" && len(o.Secret) < 32 {
		return fmt.Errorf("the JWT secret has %d bytes: use at least 32 (e.g. openssl rand -hex 32)", len(o.Secret))
	}
	return nil
}

func unknown(what, got string, valid []string) error {
	return &suggest.NotFoundError{Kind: what, Name: got, Suggestions: suggest.Nearest(got, valid, 1), Known: valid}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (o Options) withDefaults() Options {
	if o.Runtime == "" {
		o.Runtime = RuntimeGo
	}
	if o.Workers == 0 {
		o.Workers = 2
	}
	if o.Policy == "" {
		o.Policy = string(cluster.PolicyRR)
	}
	if o.Store == "" {
		// Each app's exact store that costs least: Go workers share
		// memory; Node's cluster workers cannot, and count in the
		// primary.
		o.Store = secure.StoreShared
		if o.Runtime == RuntimeNode {
			o.Store = secure.StorePrimary
		}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

func (o Options) say(msg string) {
	if o.Progress != nil {
		o.Progress(msg)
	}
}

// Start runs the lab app and returns once every worker serves. ctx bounds
// the whole run: when it ends, everything stops (Stop is still needed to
// wait for it and clean up).
func Start(ctx context.Context, opts Options) (_ *Lab, err error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	// A taken port is reported at once, before anything slow starts
	// (npm ci, Redis).
	if err := loopback.Check(opts.Port); err != nil {
		return nil, err
	}
	lab := &Lab{Runtime: opts.Runtime, Store: opts.Store, Policy: opts.Policy}
	defer func() {
		if err != nil {
			// Nothing half-started stays behind.
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = lab.Stop(sctx)
		}
	}()

	secret := opts.Secret
	if secret == "" {
		b := make([]byte, 32)
		rand.Read(b)
		secret = hex.EncodeToString(b)
		lab.Warnings = append(lab.Warnings, secure.SecretEnv+" is not set: the tokens are signed with a random "+
			"secret made for this run (they stop working when it ends). Set it to keep sessions across restarts.")
	}
	cfg := secure.Config{
		Limit:          opts.Limit,
		Window:         opts.Window,
		Store:          opts.Store,
		Secret:         []byte(secret),
		TokenTTL:       opts.TokenTTL,
		TTLHook:        !opts.NoTTLHook,
		HeaderTimeout:  opts.HeaderTimeout,
		RequestTimeout: opts.RequestTimeout,
		Weak:           opts.Weak,
	}.WithDefaults()

	if opts.Store == secure.StoreRedis && !opts.Weak.NoRateLimit {
		cfg.RedisURL = opts.RedisURL
		if cfg.RedisURL == "" {
			opts.say("starting redis-server on 127.0.0.1")
			r, err := redisrun.Start(ctx)
			if err != nil {
				return nil, err
			}
			lab.onStop(func(context.Context) error { return r.Close() })
			cfg.RedisURL = r.URL
			lab.redisPID = r.PID()
		}
		lab.RedisURL = cfg.RedisURL
	}
	if opts.TLS {
		cert, key, err := secure.SelfSignedCert()
		if err != nil {
			return nil, err
		}
		cfg.TLSCertPEM, cfg.TLSKeyPEM = cert, key
		lab.CertPEM = cert
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lab.Config = cfg

	switch opts.Runtime {
	case RuntimeNode:
		err = lab.startNode(ctx, opts, cfg)
	default:
		err = lab.startGo(ctx, opts, cfg)
	}
	if err != nil {
		return nil, err
	}
	return lab, nil
}

func (l *Lab) startGo(ctx context.Context, opts Options, cfg secure.Config) error {
	blob, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	files, closeFiles, err := secure.ClusterFiles(cfg)
	if err != nil {
		return err
	}
	l.onStop(func(context.Context) error { return closeFiles() })
	c, err := cluster.Start(ctx, cluster.Config{
		Runtime:    cluster.RuntimeGo,
		Workers:    opts.Workers,
		Policy:     cluster.Policy(opts.Policy),
		Port:       opts.Port,
		App:        secure.ClusterApp,
		AppConfig:  blob,
		Handlers:   secure.ClusterHandlers(cfg),
		Files:      files,
		Log:        opts.Log,
		Executable: opts.Executable,
	})
	if err != nil {
		return err
	}
	l.onStop(c.Stop)
	l.URL = baseURL(cfg, c.Port())
	s := c.Snapshot()
	l.Primary = s.PrimaryPID
	for _, w := range s.Workers {
		l.Workers = append(l.Workers, w.PID)
	}
	l.snapshot = func() []int {
		var pids []int
		for _, ev := range c.Events() {
			if ev.Kind == cluster.EventForked {
				pids = append(pids, ev.PID)
			}
		}
		return pids
	}
	return nil
}

func baseURL(cfg secure.Config, port int) string {
	scheme := "http"
	if len(cfg.TLSCertPEM) > 0 {
		scheme = "https"
	}
	return fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)
}

func (l *Lab) onStop(f func(context.Context) error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stops = append(l.stops, f)
}

// Stop stops the app, then Redis, and removes temp files. It is safe to
// call more than once.
func (l *Lab) Stop(ctx context.Context) error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return nil
	}
	l.stopped = true
	stops := l.stops
	l.mu.Unlock()
	var errs []error
	for i := len(stops) - 1; i >= 0; i-- {
		if err := stops[i](ctx); err != nil && !errors.Is(err, cluster.ErrStopped) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// PIDs lists every process the lab started that may still exist (workers
// forked so far, a Node primary, redis-server), for leak checks.
func (l *Lab) PIDs() []int {
	var pids []int
	if l.snapshot != nil {
		pids = l.snapshot()
	} else {
		pids = append(pids, l.Workers...)
	}
	if l.Runtime == RuntimeNode && l.Primary != 0 {
		pids = append(pids, l.Primary)
	}
	if l.redisPID != 0 {
		pids = append(pids, l.redisPID)
	}
	return pids
}

// Target is the probe target for this lab: its URL, trust in its
// self-signed certificate, and a slow-client allowance a little over its
// header timeout.
func (l *Lab) Target() probe.Target {
	t := probe.Target{
		URL:           l.URL,
		SlowAllowance: l.Config.HeaderTimeout + 2*time.Second,
	}
	if len(l.CertPEM) > 0 {
		pool, err := secure.CertPool(l.CertPEM)
		if err == nil {
			t.TLS = &tls.Config{RootCAs: pool}
		}
	}
	// A burst needs to get past the limit on every worker of a
	// per-worker store, and then see it hold.
	t.MaxBurst = max(200, (l.Config.Limit+1)*(len(l.Workers)+1)+50)
	return t
}

// Describe is a one-line summary of the running lab.
func (l *Lab) Describe() string {
	parts := []string{
		fmt.Sprintf("%s app", map[string]string{RuntimeGo: "Go", RuntimeNode: "Express"}[l.Runtime]),
		fmt.Sprintf("%d workers (%s)", len(l.Workers), l.Policy),
		fmt.Sprintf("store %s", l.Store),
		fmt.Sprintf("limit %d per %s", l.Config.Limit, l.Config.Window),
	}
	if l.Config.Weak != (secure.Weaknesses{}) {
		parts = append(parts, "WEAKENED")
	}
	return strings.Join(parts, ", ")
}
