package scale

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/loopback"
	"github.com/nodedive/nodedive/labs/nginx"
)

// CacheMode is how GET /product reads: straight from the slow source, from a
// per-process memory cache, or from Redis shared by every instance.
type CacheMode string

// Where the product handler caches: nowhere, in each instance, or in Redis.
const (
	CacheNone  CacheMode = "none"
	CacheLocal CacheMode = "local"
	CacheRedis CacheMode = "redis"
)

// CacheModes lists the valid cache modes.
func CacheModes() []CacheMode { return []CacheMode{CacheNone, CacheLocal, CacheRedis} }

// ParseCacheMode checks a cache mode; an unknown one gets a suggestion.
func ParseCacheMode(s string) (CacheMode, error) {
	var names []string
	for _, m := range CacheModes() {
		if string(m) == s {
			return m, nil
		}
		names = append(names, string(m))
	}
	return "", &suggest.NotFoundError{Kind: "cache mode", Name: s, Suggestions: suggest.Nearest(s, names, 1), Known: names}
}

// Limits keep the lab to what a laptop runs comfortably.
const (
	MaxInstances = 8
	MaxWorkers   = 8
)

// Config describes a lab. Zero values take the defaults.
type Config struct {
	Instances int             // default 3
	Workers   int             // workers per instance (each instance is a cluster); default 2
	Runtime   cluster.Runtime // go (default) or node
	Balancing nginx.Balancing // default round-robin
	Cache     CacheMode       // default none
	Queue     bool            // /report enqueues instead of working in the request

	// Port is nginx's port on 127.0.0.1; 0 picks a free one.
	Port int
	// MaxFails and FailTimeout are nginx's passive health check; default
	// 3 and 2s (the lesson's example uses 10s; shorter shows the rejoin
	// within a short run).
	MaxFails    int
	FailTimeout time.Duration

	// RedisURL is a Redis to use; empty starts a throw-away redis-server.
	RedisURL string
	// NetNS runs each instance in its own network namespace with its own
	// address (root only; otherwise the lab falls back to loopback ports
	// and says why in Lab.Warnings).
	NetNS bool

	// SlowDelay is the slow endpoint's source read time; default 40ms.
	SlowDelay time.Duration
	// CacheTTL is the cache entries' life; default 5s.
	CacheTTL time.Duration
	// JobCost is the CPU time of one /report; default 20ms.
	JobCost time.Duration
	// QueueWorkers is the number of background workers consuming the
	// job stream; default 2.
	QueueWorkers int

	// Node is the node executable of the Node runtime (a path, or a name
	// on PATH); empty is node on PATH. npm ci runs on it too.
	Node string
	// CacheDir is where the Node runtime's npm packages are installed
	// (required for the node runtime).
	CacheDir string
	// NpmEnv is added to npm's environment (tests).
	NpmEnv []string
	// Executable is the binary instances run; empty is this one. Tests
	// use the test binary, whose TestMain must call RunChildIfRequested
	// and cluster.RunChildIfRequested.
	Executable string
	// Log receives the instances' output (worker stderr).
	Log io.Writer
	// Progress hears slow steps (npm install, starting processes).
	Progress func(string)
}

// Validate checks c without starting anything.
func (c Config) Validate() error {
	if c.Instances < 0 || c.Instances > MaxInstances {
		return fmt.Errorf("instances must be between 1 and %d, got %d", MaxInstances, c.Instances)
	}
	if c.Workers < 0 || c.Workers > MaxWorkers {
		return fmt.Errorf("workers per instance must be between 1 and %d, got %d", MaxWorkers, c.Workers)
	}
	if c.Runtime != "" {
		if _, err := cluster.ParseRuntime(string(c.Runtime)); err != nil {
			return err
		}
	}
	if c.Balancing != "" {
		if _, err := nginx.ParseBalancing(string(c.Balancing)); err != nil {
			return err
		}
	}
	if c.Cache != "" {
		if _, err := ParseCacheMode(string(c.Cache)); err != nil {
			return err
		}
	}
	if err := loopback.ValidPort(c.Port); err != nil {
		return err
	}
	if c.MaxFails < 0 || c.FailTimeout < 0 || c.SlowDelay < 0 || c.CacheTTL < 0 || c.JobCost < 0 || c.QueueWorkers < 0 {
		return errors.New("durations and counts must not be negative")
	}
	if c.FailTimeout != 0 && c.FailTimeout < time.Second {
		return fmt.Errorf("nginx counts fail_timeout in whole seconds: use at least 1s, got %v", c.FailTimeout)
	}
	if c.JobCost > time.Second || c.SlowDelay > 5*time.Second {
		return errors.New("job cost is capped at 1s and the slow delay at 5s, to keep runs short")
	}
	if c.QueueWorkers > 16 {
		return fmt.Errorf("at most 16 queue workers, got %d", c.QueueWorkers)
	}
	if c.Node != "" && c.Runtime != cluster.RuntimeNode {
		return errors.New("a node executable only matters to the node runtime: the go runtime runs no node")
	}
	if c.Runtime == cluster.RuntimeNode && c.CacheDir == "" {
		return errors.New("the node runtime needs a cache directory for its npm packages")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Instances == 0 {
		c.Instances = 3
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.Runtime == "" {
		c.Runtime = cluster.RuntimeGo
	}
	if c.Balancing == "" {
		c.Balancing = nginx.RoundRobin
	}
	if c.Cache == "" {
		c.Cache = CacheNone
	}
	if c.MaxFails == 0 {
		c.MaxFails = 3
	}
	if c.FailTimeout == 0 {
		c.FailTimeout = 2 * time.Second
	}
	if c.SlowDelay == 0 {
		c.SlowDelay = 40 * time.Millisecond
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = 5 * time.Second
	}
	if c.JobCost == 0 {
		c.JobCost = 20 * time.Millisecond
	}
	if c.QueueWorkers == 0 {
		c.QueueWorkers = 2
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c
}
