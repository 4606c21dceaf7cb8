// Package ratelimit counts requests per client in fixed windows and answers
// 429 once a client is over its limit, the way express-rate-limit v8 does:
// the same counting rules, the same IETF draft-7 headers and Retry-After.
//
// Where the counters live is the lesson. Memory keeps them in the process, so
// each cluster worker counts alone; Remote asks another process (the cluster
// primary) that holds one Memory for everybody; Redis keeps them in Redis,
// shared by every process and every machine that uses it; Shared keeps them
// in memory that every worker of the cluster maps, as nginx's limit_req
// zone does, and counts in place with atomic operations (see shmtable).
package ratelimit

import (
	"context"
	"time"
)

// Hit is a store's answer for one counted request.
type Hit struct {
	// Count is how many requests the key made in the current window,
	// this one included.
	Count int
	// Reset is when the window ends and the count starts over.
	Reset time.Time
}

// Store counts requests per key. Each call to Hit counts one request.
// Implementations must be safe for concurrent use.
type Store interface {
	Hit(ctx context.Context, key string) (Hit, error)
}
