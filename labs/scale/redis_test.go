package scale

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRedisComesBack kills the lab's Redis and brings it back: the
// instances reconnect by themselves and Redis sessions work again.
func TestRedisComesBack(t *testing.T) {
	lab := startLab(t, Config{Instances: 1, Workers: 1})
	ev := collect(lab)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := lab.ReviveRedis(ctx); !errors.Is(err, ErrRedisRunning) {
		t.Errorf("reviving a running Redis: %v, want ErrRedisRunning", err)
	}
	addr := lab.Snapshot().Redis.URL
	if err := lab.KillRedis(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "redis shown down", 5*time.Second, func() bool { return !lab.Snapshot().Redis.Up })
	if _, err := lab.CheckSessions(ctx, "redis", 2); err == nil {
		t.Fatal("Redis sessions work with Redis dead")
	}
	if err := lab.ReviveRedis(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "redis shown up again", 5*time.Second, func() bool { return lab.Snapshot().Redis.Up })
	if got := lab.Snapshot().Redis.URL; got != addr {
		t.Errorf("Redis came back at %s, not at %s where the instances look", got, addr)
	}
	if !ev.has(EventRedisUp, 0) {
		t.Error("no redis-up event")
	}
	// The instances' clients reconnect on their own.
	var err error
	for range 20 {
		var chk *SessionCheck
		if chk, err = lab.CheckSessions(ctx, "redis", 3); err == nil && chk.OK == chk.Requests {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Errorf("Redis sessions after Redis came back: %v", err)
	}
}
