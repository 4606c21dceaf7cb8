package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/secure/redisrun"
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
	if _, err := m.Hit(ctx, "c"); err != nil {
		t.Fatal(err)
	}
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
				_, _ = m.Hit(context.Background(), "k") // counted by Len below
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
		t.Errorf("%d calls for 3 hits one after another", calls)
	}
	broken := NewRemote(func(context.Context, []byte) ([]byte, error) { return nil, errors.New("primary gone") })
	if _, err := broken.Hit(context.Background(), "x"); err == nil {
		t.Error("no error from a broken remote")
	}
}

// Hits that arrive while a call is on its way go together in the next one,
// and each still gets its own exact count.
func TestRemoteGroupsConcurrentHits(t *testing.T) {
	holder := NewMemory(time.Minute)
	serve := ServeRemote(holder)
	var mu sync.Mutex
	var calls int
	gate := make(chan struct{})
	r := NewRemote(func(ctx context.Context, data []byte) ([]byte, error) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			<-gate // hold the first call until the others queue up
		}
		return serve(ctx, data)
	})
	const hits = 50
	counts := make(chan int, hits)
	var wg sync.WaitGroup
	for i := range hits {
		wg.Go(func() {
			key := "a"
			if i%5 == 0 {
				key = "b"
			}
			h, err := r.Hit(context.Background(), key)
			if err != nil {
				t.Error(err)
				return
			}
			if key == "a" {
				counts <- h.Count
			}
		})
	}
	// Wait until every hit is counted in or queued behind the first call.
	for {
		r.mu.Lock()
		queued := 0
		if r.next != nil {
			for _, h := range r.next.hits {
				queued += h.N
			}
		}
		r.mu.Unlock()
		if queued == hits-1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(gate)
	wg.Wait()
	close(counts)
	seen := map[int]bool{}
	for c := range counts {
		if seen[c] {
			t.Errorf("count %d given twice", c)
		}
		seen[c] = true
	}
	for c := 1; c <= 40; c++ {
		if !seen[c] {
			t.Errorf("count %d never given (the 40 hits of a should get 1..40)", c)
		}
	}
	if calls != 2 {
		t.Errorf("%d calls, want 2 (one, then all the others together)", calls)
	}
	if h, _ := holder.Hit(context.Background(), "b"); h.Count != 11 {
		t.Errorf("b counted %d times before this hit, want 10", h.Count-1)
	}
}

func TestCountOfAcrossAWindowEnd(t *testing.T) {
	// 5 hits: the first 2 end the old window at 99 and 100, the last 3
	// start the new one.
	c := remoteCount{First: 99, Last: 3, ResetMS: time.Now().Add(time.Minute).UnixMilli()}
	var got []int
	for pos := 1; pos <= 5; pos++ {
		got = append(got, countOf(c, 5, pos).Count)
	}
	if fmt.Sprint(got) != "[99 100 1 2 3]" {
		t.Errorf("counts %v", got)
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
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	store := NewMemory(15 * time.Minute)
	store.now = clock.now
	l := &Limiter{Store: store, Limit: 2, Window: 15 * time.Minute, Now: clock.now}
	if got := l.Policy(); got != "2;w=900" {
		t.Errorf("policy %q", got)
	}
	var verdicts []Verdict
	for range 3 {
		v, err := l.Check(context.Background(), "k")
		if err != nil {
			t.Fatal(err)
		}
		verdicts = append(verdicts, v)
		clock.add(time.Second)
	}
	if !verdicts[0].Allowed || !verdicts[1].Allowed || verdicts[2].Allowed {
		t.Errorf("allowed: %v", verdicts)
	}
	if got := string(l.AppendHeader(nil, verdicts[0])); got != "limit=2, remaining=1, reset=900" {
		t.Errorf("first RateLimit %q", got)
	}
	// The window started at the first request: two seconds later, 898 s
	// are left.
	if got := string(l.AppendHeader(nil, verdicts[2])); got != "limit=2, remaining=0, reset=898" {
		t.Errorf("third RateLimit %q", got)
	}
	// Another client has its own count.
	if v, _ := l.Check(context.Background(), "other"); !v.Allowed || v.Remaining != 1 {
		t.Errorf("another client: %+v", v)
	}
	// A store that cannot count is an error, never a silent pass.
	l.Store = NewRemote(func(context.Context, []byte) ([]byte, error) { return nil, errors.New("down") })
	if v, err := l.Check(context.Background(), "k"); err == nil || v.Allowed {
		t.Errorf("store down: %+v, %v", v, err)
	}
}
