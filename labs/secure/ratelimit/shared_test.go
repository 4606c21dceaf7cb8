package ratelimit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nodedive/nodedive/labs/secure/ratelimit/shmtable"
)

func newSharedLimiter(t *testing.T, slots, limit int, window time.Duration, clock *fakeClock) *Limiter {
	t.Helper()
	table, err := shmtable.New(slots, window)
	if err != nil {
		t.Fatal(err)
	}
	// The table counts whole milliseconds from its creation: a fake clock
	// that starts before it, or between two milliseconds, would move a
	// window by less than a millisecond and round a second left up to the
	// next one. So the clock starts on a whole second after the table.
	clock.t = time.Now().Add(time.Second).Truncate(time.Second)
	store := NewShared(table)
	store.now = clock.now
	return &Limiter{Store: store, Limit: limit, Window: window, Now: clock.now}
}

// The reset and Retry-After are the seconds left in the client's own
// window, which started at its first request, as in express-rate-limit.
func TestSharedLimiterCountsSecondsLeftInTheClientsWindow(t *testing.T) {
	clock := &fakeClock{}
	l := newSharedLimiter(t, 64, 2, time.Minute, clock)
	check := func() Verdict {
		t.Helper()
		v, err := l.Check(context.Background(), "198.51.100.1")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := check(); !v.Allowed || v.Remaining != 1 || v.Reset != 60 {
		t.Errorf("first request: %+v", v)
	}
	clock.add(10 * time.Second)
	if v := check(); !v.Allowed || v.Remaining != 0 || v.Reset != 50 {
		t.Errorf("10s later: %+v", v)
	}
	clock.add(20*time.Second + 300*time.Millisecond)
	if v := check(); v.Allowed || v.Reset != 30 {
		t.Errorf("over the limit 30.3s in: %+v, want refused with 30s left (29.7 rounded up)", v)
	}
	clock.add(30 * time.Second)
	if v := check(); !v.Allowed || v.Remaining != 1 || v.Reset != 60 {
		t.Errorf("after the window: %+v", v)
	}
}

// A client that finds the table full is refused until the first window
// around it ends, not let through.
func TestSharedLimiterRefusesWhenTheTableIsFull(t *testing.T) {
	clock := &fakeClock{}
	l := newSharedLimiter(t, shmtable.MinSlots, 100, time.Minute, clock)
	for i := range shmtable.MinSlots {
		if v, err := l.Check(context.Background(), fmt.Sprint("client-", i)); err != nil || !v.Allowed {
			t.Fatalf("client %d: %+v %v", i, v, err)
		}
		clock.add(time.Second)
	}
	v, err := l.Check(context.Background(), "newcomer")
	if err != nil || v.Allowed || !v.Full || v.Remaining != 0 || v.Reset != 60-shmtable.MinSlots {
		t.Errorf("newcomer on a full table: %+v %v, want refused for %ds", v, err, 60-shmtable.MinSlots)
	}
	clock.add(time.Duration(60-shmtable.MinSlots) * time.Second)
	if v, err := l.Check(context.Background(), "newcomer"); err != nil || !v.Allowed || v.Remaining != 99 {
		t.Errorf("once the first window ended: %+v %v", v, err)
	}
}

// The per-request price of each in-process store, one client: compare
// ns/op. The cluster's price is measured by bench/secure.sh.
func BenchmarkLimiterCheck(b *testing.B) {
	table, err := shmtable.New(shmtable.DefaultSlots, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		store Store
	}{{"memory", NewMemory(time.Hour)}, {"shared", NewShared(table)}} {
		b.Run(c.name, func(b *testing.B) {
			l := &Limiter{Store: c.store, Limit: shmtable.MaxCount - 1, Window: time.Hour}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Check(context.Background(), "127.0.0.1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
