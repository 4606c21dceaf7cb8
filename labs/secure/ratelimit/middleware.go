package ratelimit

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"
)

// Limiter decides on each request and writes the answers of
// express-rate-limit v8 with standardHeaders: 'draft-7' and legacyHeaders:
// false:
//
//	RateLimit-Policy: 100;w=900
//	RateLimit: limit=100, remaining=99, reset=900
//
// on every counted response, and once the count passes Limit, a 429 with
// Retry-After: the seconds left in that client's window (the window starts
// at the client's first request), the same number as the header's reset.
// express-rate-limit sends Retry-After only while standard or legacy
// headers are on; the lab's apps always send the standard ones.
//
// It knows nothing of HTTP servers: the app asks Check and sets the headers
// it returns, so the same rules serve any server library.
type Limiter struct {
	Store  Store
	Limit  int
	Window time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verdict is the Limiter's answer for one request.
type Verdict struct {
	// Allowed is false once the client is over the limit: answer 429.
	Allowed bool
	// Remaining is how many more requests the window allows.
	Remaining int
	// Reset is how many whole seconds are left in the window, for the
	// RateLimit header and, on a 429, Retry-After.
	Reset int64
	// Full says the store had no room to count the client: it is
	// refused until a slot frees up (Reset).
	Full bool
}

// Check counts one request for key. An error means the store could not be
// reached; like express-rate-limit (whose passOnStoreError is false by
// default) the caller must then refuse the request, not let it through. A
// store with no room for the client (*FullError) is not an error here: the
// verdict refuses the request until room frees up, like a spent limit.
func (l *Limiter) Check(ctx context.Context, key string) (Verdict, error) {
	hit, err := l.Store.Hit(ctx, key)
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	if err != nil {
		var full *FullError
		if errors.As(err, &full) {
			return Verdict{Allowed: false, Full: true, Reset: max(ceilSeconds(full.Reset.Sub(now())), 0)}, nil
		}
		return Verdict{}, err
	}
	return Verdict{
		Allowed:   hit.Count <= l.Limit,
		Remaining: max(l.Limit-hit.Count, 0),
		Reset:     max(ceilSeconds(hit.Reset.Sub(now())), 0),
	}, nil
}

// Policy is the value of the RateLimit-Policy header, the same for every
// response.
func (l *Limiter) Policy() string {
	return strconv.Itoa(l.Limit) + ";w=" + strconv.FormatInt(ceilSeconds(l.Window), 10)
}

// AppendHeader appends the value of the RateLimit header for v to dst; it
// appends rather than returns a string because it runs on every request.
func (l *Limiter) AppendHeader(dst []byte, v Verdict) []byte {
	dst = append(dst, "limit="...)
	dst = strconv.AppendInt(dst, int64(l.Limit), 10)
	dst = append(dst, ", remaining="...)
	dst = strconv.AppendInt(dst, int64(v.Remaining), 10)
	dst = append(dst, ", reset="...)
	return strconv.AppendInt(dst, v.Reset, 10)
}

// ceilSeconds rounds d up to whole seconds, as the JavaScript library's
// Math.ceil(ms / 1000) does.
func ceilSeconds(d time.Duration) int64 {
	return int64(math.Ceil(float64(d) / float64(time.Second)))
}
