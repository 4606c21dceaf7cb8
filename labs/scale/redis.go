package scale

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nodedive/nodedive/labs/secure/redisrun"
)

// ErrRedisRunning is returned by ReviveRedis while Redis still answers.
var ErrRedisRunning = errors.New("redis-server is still running: kill it first")

// redis is the redis-server the lab started, if any; ReviveRedis replaces
// it, so it is read under the lock.
func (l *Lab) redis() *redisrun.Server {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.redisSrv
}

// ReviveRedis starts the lab's Redis again after KillRedis, at the same
// address, so every client (the lab's, the instances') reconnects by
// itself, and creates the queue's stream and consumer group again. What
// Redis held (sessions, cache entries, queued jobs) is gone, as after any
// restart of a Redis without persistence: the learner sees sessions lost
// and the cache refill.
func (l *Lab) ReviveRedis(ctx context.Context) error {
	srv := l.redis()
	if srv == nil {
		return ErrExternalRedis
	}
	pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	alive := l.rdb.Ping(pctx).Err() == nil
	cancel()
	if alive {
		return ErrRedisRunning
	}
	_, p, err := net.SplitHostPort(srv.Addr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return err
	}
	_ = srv.Close() // already killed; Close also removes its directory
	// It lives as long as the lab (Stop ends l.life), not the caller's ctx.
	next, err := redisrun.StartOn(l.life, port)
	if err != nil {
		return fmt.Errorf("starting Redis again on %s: %w", srv.Addr, err)
	}
	l.mu.Lock()
	if l.stopping {
		l.mu.Unlock()
		_ = next.Close()
		return ErrStopped
	}
	l.redisSrv = next
	l.mu.Unlock()
	// go-redis holds back new dials for about a second after failing ones,
	// so the lab's client needs a moment to see the new server.
	gctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		err := l.ensureGroup(gctx)
		if err == nil {
			return nil
		}
		select {
		case <-gctx.Done():
			return fmt.Errorf("redis-server is back but the job queue is not: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
