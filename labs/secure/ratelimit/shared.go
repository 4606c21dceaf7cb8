package ratelimit

import (
	"context"
	"errors"
	"time"

	"github.com/nodedive/nodedive/labs/secure/ratelimit/shmtable"
)

// Shared is a store whose counters live in a table that every process of a
// cluster maps (see shmtable): each worker counts a client in place, with
// atomic operations, so the count is exact across workers at about the
// price of the per-worker Memory store.
type Shared struct {
	table *shmtable.Table
	now   func() time.Time
}

// NewShared counts in table.
func NewShared(table *shmtable.Table) *Shared {
	return &Shared{table: table, now: time.Now}
}

// Hit counts one request for key. When the table has no room for a new
// client, the error is a *FullError: the request is refused until Reset.
func (s *Shared) Hit(_ context.Context, key string) (Hit, error) {
	h, err := s.table.Hit(key, s.now())
	if err != nil {
		var full *shmtable.FullError
		if errors.As(err, &full) {
			return Hit{}, &FullError{Reset: full.Reset, Err: err}
		}
		return Hit{}, err
	}
	return Hit{Count: h.Count, Reset: h.Reset}, nil
}

// FullError is a store's answer when it has no room left to count a new
// client. The Limiter refuses the request, as for a client over its limit,
// until Reset, when room frees up: a store that cannot count must not let
// anyone through uncounted.
type FullError struct {
	Reset time.Time
	Err   error
}

func (e *FullError) Error() string { return e.Err.Error() }
func (e *FullError) Unwrap() error { return e.Err }
