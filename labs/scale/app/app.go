// Package app is the scaling lab's instance app in Go, served by every worker
// of every instance (a labs/cluster cluster). The Node app in
// content/labs/scale/app.js answers the same routes the same way, so the lab
// and its tests drive either runtime alike:
//
//	GET  /                           who answered: instance, worker id, pid
//	POST /login?user=U&store=S       start a session (S = memory or redis), cookie sid
//	GET  /me?store=S                 the session's user, or 401 where it is unknown
//	GET  /product/{id}?cache=C       a slow read (C = none, local or redis: cache-aside)
//	PUT  /product/{id}?price=P       write the product, then invalidate its cache entries
//	POST /report?mode=M              heavy work: M = inline (in the request) or queue
//	                                 (a job on a Redis stream, done by background workers)
//
// Every response carries X-Instance and X-Worker-Id (the cluster adds
// X-Worker-Pid); cache reads carry X-Cache (HIT, MISS or BYPASS). Memory
// sessions and the local cache live in one worker process, as a Map in a
// Node process does: behind a balancer, each process is a separate memory.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/redisclient"
)

// Name is the app's name in the cluster registry.
const Name = "scale"

// Redis keys, shared with the Node app and the lab (which consumes the
// stream and reads the counters).
const (
	KeySession     = "scale:session:" // + sid -> user
	KeyDB          = "scale:db:product:"
	KeyCache       = "scale:cache:product:"
	StreamJobs     = "scale:jobs"
	ConsumerGroup  = "scale-workers"
	SessionTTL     = 10 * time.Minute
	SessionCookie  = "sid"
	HeaderInstance = "X-Instance"
	HeaderWorkerID = "X-Worker-Id"
	HeaderCache    = "X-Cache"
)

// Config is the AppConfig every worker receives (JSON, same fields for the
// Node app).
type Config struct {
	Instance int    `json:"instance"`
	RedisURL string `json:"redis_url"`
	// SlowMS is how long the "database" read of /product takes.
	SlowMS int `json:"slow_ms"`
	// CacheTTLMS is the cache entries' time to live.
	CacheTTLMS int `json:"cache_ttl_ms"`
	// JobMS is the CPU time one /report costs (a busy loop).
	JobMS int `json:"job_ms"`
}

// WithDefaults fills unset fields with the lab's defaults.
func (c Config) WithDefaults() Config {
	if c.SlowMS == 0 {
		c.SlowMS = 40
	}
	if c.CacheTTLMS == 0 {
		c.CacheTTLMS = 5000
	}
	if c.JobMS == 0 {
		c.JobMS = 20
	}
	return c
}

func init() {
	cluster.RegisterApp(Name, newApp)
}

type server struct {
	cfg    Config
	w      *cluster.Worker
	rdb    *redis.Client
	loop   sync.Mutex // one "event loop": CPU work runs one at a time per process, as in Node
	mu     sync.Mutex
	memory map[string]string     // sid -> user: this process only
	local  map[string]localEntry // product id -> cached value: this process only
}

type localEntry struct {
	value   Product
	expires time.Time
}

// Product is what /product returns.
type Product struct {
	ID    int `json:"id"`
	Price int `json:"price"`
}

func newApp(w *cluster.Worker, raw json.RawMessage) (*cluster.App, error) {
	var cfg Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return nil, fmt.Errorf("scale app config: %w", err)
		}
	}
	cfg = cfg.WithDefaults()
	if cfg.RedisURL == "" {
		return nil, errors.New("scale app: redis_url is not set")
	}
	// Fail fast when Redis is gone: the lab shows a degraded state, never
	// a hang.
	rdb, err := redisclient.New(cfg.RedisURL, func(opt *redis.Options) {
		opt.DialTimeout = 300 * time.Millisecond
		opt.ReadTimeout = 500 * time.Millisecond
		opt.WriteTimeout = 500 * time.Millisecond
		opt.MaxRetries = 0
		opt.PoolSize = 32
	})
	if err != nil {
		return nil, fmt.Errorf("scale app: %w", err)
	}
	s := &server{cfg: cfg, w: w, rdb: rdb, memory: map[string]string{}, local: map[string]localEntry{}}
	return &cluster.App{Handler: s.routes(), Configure: func(h *http.Server) {
		h.ReadHeaderTimeout = 5 * time.Second
		h.RegisterOnShutdown(func() { s.rdb.Close() })
	}}, nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.hello)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /me", s.me)
	mux.HandleFunc("GET /product/{id}", s.readProduct)
	mux.HandleFunc("PUT /product/{id}", s.writeProduct)
	mux.HandleFunc("POST /report", s.report)
	mux.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
		s.send(rw, http.StatusNotFound, map[string]any{"error": "not found"})
	})
	return mux
}

// send writes a JSON answer that says who served it.
func (s *server) send(rw http.ResponseWriter, status int, body map[string]any) {
	if body == nil {
		body = map[string]any{}
	}
	body["instance"] = s.cfg.Instance
	body["worker"] = s.w.ID()
	body["pid"] = s.w.PID()
	b, _ := json.Marshal(body)
	h := rw.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set(HeaderInstance, strconv.Itoa(s.cfg.Instance))
	h.Set(HeaderWorkerID, strconv.Itoa(s.w.ID()))
	rw.WriteHeader(status)
	_, _ = rw.Write(append(b, '\n'))
}

func (s *server) fail(rw http.ResponseWriter, err error) {
	s.send(rw, http.StatusServiceUnavailable, map[string]any{"error": "redis unavailable: " + err.Error()})
}

func (s *server) hello(rw http.ResponseWriter, r *http.Request) {
	s.send(rw, http.StatusOK, map[string]any{"runtime": "go"})
}

func store(r *http.Request) (string, error) {
	switch st := r.URL.Query().Get("store"); st {
	case "memory", "redis":
		return st, nil
	case "":
		return "", errors.New("store must be memory or redis")
	default:
		return "", fmt.Errorf("unknown session store %q: use memory or redis", st)
	}
}

func (s *server) login(rw http.ResponseWriter, r *http.Request) {
	st, err := store(r)
	if err != nil {
		s.send(rw, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	user := r.URL.Query().Get("user")
	if user == "" {
		user = "learner"
	}
	b := make([]byte, 16)
	rand.Read(b)
	sid := hex.EncodeToString(b)
	if st == "memory" {
		s.mu.Lock()
		s.memory[sid] = user
		s.mu.Unlock()
	} else if err := s.rdb.Set(r.Context(), KeySession+sid, user, SessionTTL).Err(); err != nil {
		s.fail(rw, err)
		return
	}
	http.SetCookie(rw, &http.Cookie{Name: SessionCookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	s.send(rw, http.StatusOK, map[string]any{"user": user, "store": st})
}

func (s *server) me(rw http.ResponseWriter, r *http.Request) {
	st, err := store(r)
	if err != nil {
		s.send(rw, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		s.send(rw, http.StatusUnauthorized, map[string]any{"error": "no session cookie: POST /login first"})
		return
	}
	var user string
	if st == "memory" {
		s.mu.Lock()
		user = s.memory[c.Value]
		s.mu.Unlock()
	} else {
		user, err = s.rdb.Get(r.Context(), KeySession+c.Value).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			s.fail(rw, err)
			return
		}
	}
	if user == "" {
		s.send(rw, http.StatusUnauthorized, map[string]any{
			"error": fmt.Sprintf("unknown session here (instance %d, pid %d): this %s store never saw it", s.cfg.Instance, s.w.PID(), st),
		})
		return
	}
	s.send(rw, http.StatusOK, map[string]any{"user": user, "store": st})
}

func productID(r *http.Request) (int, error) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 1 || id > 1_000_000 {
		return 0, errors.New("product id must be a number from 1 to 1000000")
	}
	return id, nil
}

// loadProduct is the slow source of truth: a Redis read plus SlowMS of
// pretend query time.
func (s *server) loadProduct(ctx context.Context, id int) (Product, error) {
	select {
	case <-time.After(time.Duration(s.cfg.SlowMS) * time.Millisecond):
	case <-ctx.Done():
		return Product{}, ctx.Err()
	}
	price, err := s.rdb.Get(ctx, KeyDB+strconv.Itoa(id)).Int()
	if errors.Is(err, redis.Nil) {
		return Product{ID: id, Price: 10 * id}, nil
	}
	if err != nil {
		return Product{}, err
	}
	return Product{ID: id, Price: price}, nil
}

func (s *server) readProduct(rw http.ResponseWriter, r *http.Request) {
	id, err := productID(r)
	if err != nil {
		s.send(rw, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	mode := r.URL.Query().Get("cache")
	ttl := time.Duration(s.cfg.CacheTTLMS) * time.Millisecond
	key := strconv.Itoa(id)
	answer := func(p Product, source, cache string) {
		rw.Header().Set(HeaderCache, cache)
		s.send(rw, http.StatusOK, map[string]any{"id": p.ID, "price": p.Price, "source": source, "cache": mode})
	}
	switch mode {
	case "", "none":
		mode = "none"
		p, err := s.loadProduct(r.Context(), id)
		if err != nil {
			s.fail(rw, err)
			return
		}
		answer(p, "db", "BYPASS")
	case "local":
		s.mu.Lock()
		e, ok := s.local[key]
		s.mu.Unlock()
		if ok && time.Now().Before(e.expires) {
			answer(e.value, "local", "HIT")
			return
		}
		p, err := s.loadProduct(r.Context(), id)
		if err != nil {
			s.fail(rw, err)
			return
		}
		s.mu.Lock()
		s.local[key] = localEntry{value: p, expires: time.Now().Add(ttl)}
		s.mu.Unlock()
		answer(p, "db", "MISS")
	case "redis":
		b, err := s.rdb.Get(r.Context(), KeyCache+key).Bytes()
		if err == nil {
			var p Product
			if json.Unmarshal(b, &p) == nil {
				answer(p, "redis", "HIT")
				return
			}
		} else if !errors.Is(err, redis.Nil) {
			s.fail(rw, err)
			return
		}
		p, err := s.loadProduct(r.Context(), id)
		if err != nil {
			s.fail(rw, err)
			return
		}
		v, _ := json.Marshal(p)
		if err := s.rdb.Set(r.Context(), KeyCache+key, v, ttl).Err(); err != nil {
			s.fail(rw, err)
			return
		}
		answer(p, "db", "MISS")
	default:
		s.send(rw, http.StatusBadRequest, map[string]any{"error": fmt.Sprintf("unknown cache mode %q: use none, local or redis", mode)})
	}
}

// writeProduct updates the source of truth, then invalidates: the Redis
// entry (every instance sees that) and this process's local entry (the
// other processes keep theirs until the TTL ends: stale reads).
func (s *server) writeProduct(rw http.ResponseWriter, r *http.Request) {
	id, err := productID(r)
	if err != nil {
		s.send(rw, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	price, err := strconv.Atoi(r.URL.Query().Get("price"))
	if err != nil || price < 0 {
		s.send(rw, http.StatusBadRequest, map[string]any{"error": "price must be a whole number, 0 or more"})
		return
	}
	key := strconv.Itoa(id)
	if err := s.rdb.Set(r.Context(), KeyDB+key, price, 0).Err(); err != nil {
		s.fail(rw, err)
		return
	}
	if err := s.rdb.Del(r.Context(), KeyCache+key).Err(); err != nil {
		s.fail(rw, err)
		return
	}
	s.mu.Lock()
	delete(s.local, key)
	s.mu.Unlock()
	s.send(rw, http.StatusOK, map[string]any{
		"id": id, "price": price,
		"invalidated": []string{"redis", fmt.Sprintf("local cache of pid %d only", s.w.PID())},
	})
}

// Burn keeps a CPU busy for d, the way a synchronous loop blocks Node's
// event loop (the lesson's cpuTask). Exported for the lab's queue workers.
func Burn(d time.Duration) int {
	until := time.Now().Add(d)
	spins := 0
	for time.Now().Before(until) {
		spins++
	}
	return spins
}

func (s *server) report(rw http.ResponseWriter, r *http.Request) {
	job := time.Duration(s.cfg.JobMS) * time.Millisecond
	switch mode := r.URL.Query().Get("mode"); mode {
	case "", "inline":
		// The Go runtime would run these in parallel on other threads;
		// the lock makes one process do one at a time, as Node does.
		start := time.Now()
		s.loop.Lock()
		spins := Burn(job)
		s.loop.Unlock()
		s.send(rw, http.StatusOK, map[string]any{"mode": "inline", "spins": spins, "ms": time.Since(start).Milliseconds()})
	case "queue":
		id, err := s.rdb.XAdd(r.Context(), &redis.XAddArgs{
			Stream: StreamJobs,
			Values: map[string]any{"kind": "report", "instance": s.cfg.Instance, "job_ms": s.cfg.JobMS, "at": time.Now().UnixMilli()},
		}).Result()
		if err != nil {
			s.fail(rw, err)
			return
		}
		s.send(rw, http.StatusAccepted, map[string]any{"mode": "queue", "job": id})
	default:
		s.send(rw, http.StatusBadRequest, map[string]any{"error": fmt.Sprintf("unknown mode %q: use inline or queue", mode)})
	}
}
