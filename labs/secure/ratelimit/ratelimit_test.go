package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nodedive/nodedive/labs/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/secure/redisrun"
	"github.com/redis/go-redis/v9"
)

// fakeClock is a settable time source.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestMemoryWindowStartsAtFirstHit(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	m := NewMemory(time.Minute)
	m.now = clock.now
	ctx := context.Background()
	h, _ := m.Hit(ctx, "a")
	if h.Count != 1 || !h.Reset.Equal(time.Unix(1060, 0)) {
		t.Fatalf("first hit %+v", h)
	}
	clock.add(59 * time.Second)
	if h, _ = m.Hit(ctx, "a"); h.Count != 2 {
		t.Fatalf("second hit in the window: %+v", h)
	}
	if h, _ = m.Hit(ctx, "b"); h.Count != 1 {
		t.Fatalf("another key counts alone: %+v", h)
	}
	clock.add(time.Second) // a's window is over
	if h, _ = m.Hit(ctx, "a"); h.Count != 1 || !h.Reset.Equal(time.Unix(1120, 0)) {
		t.Fatalf("after the window: %+v", h)
	}
	// Clients whose window ended are forgotten.
	clock.add(2 * time.Minute)
	m.Hit(ctx, "c")
	if n := m.Len(); n != 1 {
		t.Errorf("%d clients remembered after their windows ended, want 1", n)
	}
}

func TestMemoryCountsExactlyUnderConcurrency(t *testing.T) {
	m := NewMemory(time.Minute)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				m.Hit(context.Background(), "k")
			}
		})
	}
	wg.Wait()
	if h, _ := m.Hit(context.Background(), "k"); h.Count != 801 {
		t.Errorf("count %d, want 801", h.Count)
	}
}

func TestRemoteRoundTrip(t *testing.T) {
	holder := NewMemory(time.Minute)
	serve := ServeRemote(holder)
	var calls int
	r := NewRemote(func(ctx context.Context, data []byte) ([]byte, error) {
		calls++
		return serve(ctx, data)
	})
	for i := 1; i <= 3; i++ {
		h, err := r.Hit(context.Background(), "1.2.3.4")
		if err != nil || h.Count != i || time.Until(h.Reset) < 59*time.Second {
			t.Fatalf("hit %d: %+v %v", i, h, err)
		}
	}
	if calls != 3 {
		t.Errorf("%d calls", calls)
	}
	broken := NewRemote(func(context.Context, []byte) ([]byte, error) { return nil, errors.New("primary gone") })
	if _, err := broken.Hit(context.Background(), "x"); err == nil {
		t.Error("no error from a broken remote")
	}
}

func TestRedisStoreSharesCounts(t *testing.T) {
	nodetest.RequireTool(t, "redis-server", redisrun.InstallHint)
	srv, err := redisrun.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	opts, _ := redis.ParseURL(srv.URL)
	// Two clients, as two workers would have.
	c1, c2 := redis.NewClient(opts), redis.NewClient(opts)
	defer c1.Close()
	defer c2.Close()
	s1, s2 := NewRedis(c1, 2*time.Second), NewRedis(c2, 2*time.Second)
	ctx := context.Background()
	for i := 1; i <= 4; i++ {
		s := s1
		if i%2 == 0 {
			s = s2
		}
		h, err := s.Hit(ctx, "ip")
		if err != nil || h.Count != i {
			t.Fatalf("hit %d: %+v %v", i, h, err)
		}
		if left := time.Until(h.Reset); left <= 0 || left > 2*time.Second {
			t.Errorf("reset in %v", left)
		}
	}
	if ttl := c1.PTTL(ctx, KeyPrefix+"ip").Val(); ttl <= 0 {
		t.Errorf("key has no expiry: %v", ttl)
	}
	time.Sleep(2100 * time.Millisecond)
	if h, _ := s1.Hit(ctx, "ip"); h.Count != 1 {
		t.Errorf("after the window: %+v", h)
	}
}

func TestLimiter(t *testing.T) {
	l := &Limiter{Store: NewMemory(15 * time.Minute), Limit: 2, Window: 15 * time.Minute,
		Key: func(*http.Request) string { return "k" }}
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	var codes []int
	var last http.Header
	for range 3 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		codes = append(codes, rec.Code)
		last = rec.Header()
	}
	if codes[0] != 204 || codes[1] != 204 || codes[2] != 429 {
		t.Errorf("codes %v", codes)
	}
	if last.Get("Retry-After") != "900" || last.Get("RateLimit") != "limit=2, remaining=0, reset=900" || last.Get("RateLimit-Policy") != "2;w=900" {
		t.Errorf("429 headers %v", last)
	}
	// A store that cannot count refuses the request (no silent pass).
	l.Store = NewRemote(func(context.Context, []byte) ([]byte, error) { return nil, errors.New("down") })
	rec := httptest.NewRecorder()
	h = l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 {
		t.Errorf("store down: %d", rec.Code)
	}
}
