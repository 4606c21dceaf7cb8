// Package redisclient makes every go-redis client the labs use. go-redis
// logs connection trouble (a pool that cannot dial a Redis the learner just
// stopped) with its own logger, straight to stderr, which lands in the
// middle of a dashboard or a report. The labs say what happened to Redis in
// their own events and errors, so the library's logger is silenced here,
// before the first client exists.
package redisclient

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// quiet drops go-redis's log lines.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var silence sync.Once

// New parses a redis:// URL and returns a client for it, with tune (if not
// nil) applied to the options first.
func New(url string, tune func(*redis.Options)) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("bad Redis URL %q: %w", url, err)
	}
	if tune != nil {
		tune(opt)
	}
	silence.Do(func() { redis.SetLogger(quiet{}) })
	return redis.NewClient(opt), nil
}
