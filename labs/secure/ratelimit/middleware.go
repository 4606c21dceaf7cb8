package ratelimit

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Limiter is the middleware. Its answers follow express-rate-limit v8 with
// standardHeaders: 'draft-7' and legacyHeaders: false:
//
//	RateLimit-Policy: 100;w=900
//	RateLimit: limit=100, remaining=99, reset=900
//
// on every counted response, and once the count passes Limit, a 429 with
// Retry-After (seconds until the window resets).
type Limiter struct {
	Store  Store
	Limit  int
	Window time.Duration
	// Key names the client a request counts against (usually its IP).
	Key func(*http.Request) string
	// Reject writes the 429 response; the rate-limit headers are already
	// set. Nil writes a plain-text message.
	Reject http.HandlerFunc
	// Fail handles a store error. Like express-rate-limit (whose
	// passOnStoreError is false by default) the request is not let through
	// when the counters cannot be reached. Nil answers 500.
	Fail func(w http.ResponseWriter, r *http.Request, err error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Wrap returns next behind the limiter.
func (l *Limiter) Wrap(next http.Handler) http.Handler {
	policy := []string{fmt.Sprintf("%d;w=%d", l.Limit, ceilSeconds(l.Window))}
	prefix := "limit=" + strconv.Itoa(l.Limit) + ", remaining="
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit, err := l.Store.Hit(r.Context(), l.Key(r))
		if err != nil {
			if l.Fail != nil {
				l.Fail(w, r, err)
			} else {
				http.Error(w, "rate limiter unavailable", http.StatusInternalServerError)
			}
			return
		}
		now := time.Now
		if l.Now != nil {
			now = l.Now
		}
		reset := max(ceilSeconds(hit.Reset.Sub(now())), 0)
		remaining := max(l.Limit-hit.Count, 0)
		h := w.Header()
		// Canonical keys set directly: this runs on every request.
		h["Ratelimit-Policy"] = policy[:1:1]
		buf := make([]byte, 0, len(prefix)+32)
		buf = append(buf, prefix...)
		buf = strconv.AppendInt(buf, int64(remaining), 10)
		buf = append(buf, ", reset="...)
		buf = strconv.AppendInt(buf, reset, 10)
		h["Ratelimit"] = []string{string(buf)}
		if hit.Count > l.Limit {
			h.Set("Retry-After", strconv.FormatInt(reset, 10))
			if l.Reject != nil {
				l.Reject(w, r)
			} else {
				http.Error(w, "Too many requests, please try again later.", http.StatusTooManyRequests)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ceilSeconds rounds d up to whole seconds, as the JavaScript library's
// Math.ceil(ms / 1000) does.
func ceilSeconds(d time.Duration) int64 {
	return int64(math.Ceil(float64(d) / float64(time.Second)))
}
