package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// KeyPrefix is put before every client key in Redis. The Express app's
// rate-limit-redis store uses the same prefix, so both apps pointed at one
// Redis count a client once.
const KeyPrefix = "nodedive:rl:"

// incrementScript is the counting rule of rate-limit-redis v6, run atomically
// inside Redis: the first hit of a window sets the key with its expiry, later
// hits increment it. It returns the count and the milliseconds left.
var incrementScript = redis.NewScript(`
local windowMs = tonumber(ARGV[1])
local timeToExpire = redis.call("PTTL", KEYS[1])
if timeToExpire <= 0 then
  redis.call("SET", KEYS[1], 1, "PX", windowMs)
  return { 1, windowMs }
end
local totalHits = redis.call("INCR", KEYS[1])
return { totalHits, timeToExpire }
`)

// Redis is a store shared through a Redis server: every process that uses
// the same server and prefix sees the same counts.
type Redis struct {
	client redis.Scripter
	window time.Duration
	prefix string
}

// NewRedis returns a store on client (a *redis.Client or any Scripter)
// whose windows last window.
func NewRedis(client redis.Scripter, window time.Duration) *Redis {
	return &Redis{client: client, window: window, prefix: KeyPrefix}
}

// Hit counts one request for key.
func (r *Redis) Hit(ctx context.Context, key string) (Hit, error) {
	res, err := incrementScript.Run(ctx, r.client, []string{r.prefix + key}, r.window.Milliseconds()).Int64Slice()
	if err != nil {
		return Hit{}, fmt.Errorf("redis rate-limit store: %w", err)
	}
	if len(res) != 2 {
		return Hit{}, fmt.Errorf("redis rate-limit store: script returned %d values, want 2", len(res))
	}
	return Hit{Count: int(res[0]), Reset: time.Now().Add(time.Duration(res[1]) * time.Millisecond)}, nil
}
