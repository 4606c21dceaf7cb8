package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/labs/loopback"
)

// Runtime says what runs the cluster.
type Runtime string

const (
	// RuntimeGo re-executes the nodedive binary as the workers; the
	// calling process is the primary.
	RuntimeGo Runtime = "go"
	// RuntimeNode runs the lesson's JavaScript server (cluster.isPrimary)
	// on the installed node.
	RuntimeNode Runtime = "node"
)

// Runtimes lists the valid runtimes.
func Runtimes() []Runtime { return []Runtime{RuntimeGo, RuntimeNode} }

// Policy is the scheduling policy, as in Node's cluster module.
type Policy string

const (
	// PolicyRR (SCHED_RR, Node's default outside Windows): the primary
	// accepts every connection and hands it to the next worker in turn.
	PolicyRR Policy = "rr"
	// PolicyNone (SCHED_NONE): the workers share the listening socket and
	// accept for themselves; the kernel decides who wins each connection.
	PolicyNone Policy = "none"
)

// Policies lists the valid policies.
func Policies() []Policy { return []Policy{PolicyRR, PolicyNone} }

// MaxWorkers bounds Config.Workers: each worker is a full process.
const MaxWorkers = 64

// ParseRuntime checks a runtime name; an unknown one gets a suggestion.
func ParseRuntime(s string) (Runtime, error) {
	for _, r := range Runtimes() {
		if strings.EqualFold(s, string(r)) {
			return r, nil
		}
	}
	return "", unknownName("runtime", s, []string{"go", "node"})
}

// ParsePolicy checks a scheduling policy name; an unknown one gets a
// suggestion.
func ParsePolicy(s string) (Policy, error) {
	for _, p := range Policies() {
		if strings.EqualFold(s, string(p)) {
			return p, nil
		}
	}
	return "", unknownName("scheduling policy", s, []string{"rr", "none"})
}

func unknownName(what, got string, valid []string) error {
	msg := fmt.Sprintf("unknown %s %q (valid: %s)", what, got, strings.Join(valid, ", "))
	if s := suggest.Nearest(got, valid, 1); len(s) > 0 {
		msg += fmt.Sprintf(": did you mean %q?", s[0])
	}
	return errors.New(msg)
}

// Backoff governs respawning. A worker that dies within MinUptime of its
// start (or before it listened) counts as a crash at start; consecutive ones
// double the wait before the next respawn, from Initial up to Max, and after
// MaxCrashes of them the cluster gives up with a *CrashLoopError instead of
// respawning forever.
type Backoff struct {
	Initial    time.Duration // default 100ms
	Max        time.Duration // default 5s
	MinUptime  time.Duration // default 1s
	MaxCrashes int           // default 5
}

// Handler answers a worker's Call in the primary. It runs on its own
// goroutine, so handlers that share state must lock. The result is encoded
// as JSON for the worker; an error is sent back as a *CallError. ctx ends
// when the cluster stops.
type Handler func(ctx context.Context, from WorkerRef, payload json.RawMessage) (any, error)

// WorkerRef identifies the worker behind a Call.
type WorkerRef struct {
	ID, Slot, PID int
}

// Config describes a cluster. The zero value of every field but Workers has
// a sensible default.
type Config struct {
	Runtime Runtime // default go
	Workers int     // 1..MaxWorkers
	Policy  Policy  // default rr
	// Port on 127.0.0.1; 0 picks a free one. The cluster only ever
	// listens on loopback.
	Port int

	// App names a registered Go app (RegisterApp); default "hello".
	// Ignored by the Node runtime, which uses NodeApp.
	App string
	// AppConfig is handed verbatim to every worker's app (Go: the
	// factory's config argument; Node: the factory's first argument,
	// parsed). It travels in the environment, so keep it small.
	AppConfig json.RawMessage
	// Handlers answer workers' Calls in the primary, for both runtimes
	// (the Node primary relays calls to them over its stdio).
	Handlers map[string]Handler
	// Env is added to the workers' environment.
	Env []string
	// Files are handed to every Go worker, respawns and rolling-restart
	// replacements included, as inherited descriptors; the worker's app
	// finds them with Worker.File. The caller keeps them open while the
	// cluster runs and closes them after Stop. A memory region that all
	// workers map (a memfd) travels this way.
	Files map[string]*os.File

	// Executable is the binary a Go worker runs; default os.Executable().
	Executable string
	// Node is the node executable the Node runtime runs (a path, or a
	// name on PATH); empty is node on PATH.
	Node string
	// NodeApp is the path of a JavaScript module that exports the
	// worker's app: module.exports = (config, cluster) => handler (an
	// http request listener such as an Express app, or an http.Server).
	// Empty serves the built-in hello app.
	NodeApp string

	// Log receives the workers' stdout and stderr, one line at a time with
	// a "[worker ID pid PID]" prefix. Without it output is only kept (the
	// last 4 KiB per worker) for crash reports.
	Log io.Writer

	// StartTimeout bounds waiting for a worker to listen; default 15s.
	StartTimeout time.Duration
	// DrainTimeout bounds a draining worker's wait for its in-flight
	// requests before it closes them; default 10s.
	DrainTimeout time.Duration
	Backoff      Backoff
}

// maxAppConfig bounds Config.AppConfig.
const maxAppConfig = 100 << 10

// withDefaults fills in the defaults without validating.
func (c Config) withDefaults() Config {
	if c.Runtime == "" {
		c.Runtime = RuntimeGo
	}
	if c.Policy == "" {
		c.Policy = PolicyRR
	}
	if c.App == "" {
		c.App = DefaultApp
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 15 * time.Second
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 10 * time.Second
	}
	if c.Backoff.Initial <= 0 {
		c.Backoff.Initial = 100 * time.Millisecond
	}
	if c.Backoff.Max <= 0 {
		c.Backoff.Max = 5 * time.Second
	}
	if c.Backoff.MinUptime <= 0 {
		c.Backoff.MinUptime = time.Second
	}
	if c.Backoff.MaxCrashes <= 0 {
		c.Backoff.MaxCrashes = 5
	}
	return c
}

// Validate checks c without starting anything: worker count, names, port
// range and whether the port is free, the app, and JSON of AppConfig.
func (c Config) Validate() error {
	c = c.withDefaults()
	if _, err := ParseRuntime(string(c.Runtime)); err != nil {
		return err
	}
	if _, err := ParsePolicy(string(c.Policy)); err != nil {
		return err
	}
	if c.Workers < 1 || c.Workers > MaxWorkers {
		return fmt.Errorf("workers must be between 1 and %d, got %d", MaxWorkers, c.Workers)
	}
	if c.Runtime == RuntimeGo {
		if _, ok := lookupApp(c.App); !ok {
			return unknownName("app", c.App, Apps())
		}
	}
	if err := validateFiles(c.Files, c.Runtime); err != nil {
		return err
	}
	if len(c.AppConfig) > 0 && !json.Valid(c.AppConfig) {
		return errors.New("app config is not valid JSON")
	}
	if len(c.AppConfig) > maxAppConfig {
		// It travels in an environment variable, which Linux caps at
		// 128 KiB; files are the way to hand workers anything bigger.
		return fmt.Errorf("app config is %d bytes; the limit is %d (pass a file path instead)", len(c.AppConfig), maxAppConfig)
	}
	return loopback.Check(c.Port)
}
