package scale

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nodedive/nodedive/labs/load"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/scale/app"
)

// Snapshot is the lab at one moment, for a dashboard.
type Snapshot struct {
	URL       string          `json:"url"`
	Runtime   string          `json:"runtime"`
	Balancing nginx.Balancing `json:"balancing"`
	CacheMode CacheMode       `json:"cache_mode"`
	QueueMode bool            `json:"queue_mode"`
	NetNS     bool            `json:"netns"`
	Stopped   bool            `json:"stopped"`

	Nginx     NginxState     `json:"nginx"`
	Redis     RedisState     `json:"redis"`
	Instances []InstanceInfo `json:"instances"`

	// Requests and Errors (5xx answers) count every request nginx logged.
	Requests int64      `json:"requests"`
	Errors   int64      `json:"errors"`
	Cache    CacheStats `json:"cache"`
	Queue    QueueStats `json:"queue"`
	// Latency is the last second of the load run in progress (or the last
	// one), nil before any load.
	Latency     *LatencySample `json:"latency,omitempty"`
	LoadRunning bool           `json:"load_running"`
}

// NginxState is the balancer.
type NginxState struct {
	Up      bool  `json:"up"`
	PID     int   `json:"pid"`
	Workers []int `json:"workers"`
	Port    int   `json:"port"`
	Reloads int   `json:"reloads"`
}

// RedisState is the shared store.
type RedisState struct {
	Up      bool   `json:"up"`
	URL     string `json:"url"`
	Managed bool   `json:"managed"` // started by the lab
	PID     int    `json:"pid,omitempty"`
}

// InstanceInfo is one instance.
type InstanceInfo struct {
	ID   int    `json:"id"`
	Addr string `json:"addr"` // host:port nginx uses
	Port int    `json:"port"`
	// NetNS is the instance's network namespace, if any.
	NetNS string `json:"netns,omitempty"`
	PID   int    `json:"pid"` // the instance process (0 when dead)
	// Alive: the process runs. MarkedDown: nginx's passive health check
	// left it out and it has not answered nginx since. Healthy: both good.
	Alive      bool         `json:"alive"`
	MarkedDown bool         `json:"marked_down"`
	Healthy    bool         `json:"healthy"`
	Requests   int64        `json:"requests"` // responses nginx got from it
	Fails      int64        `json:"fails"`    // attempts nginx gave up on
	Revives    int          `json:"revives"`
	Workers    []WorkerInfo `json:"workers"`
}

// WorkerInfo is one worker of an instance's cluster.
type WorkerInfo struct {
	ID       int   `json:"id"`
	PID      int   `json:"pid"`
	Requests int64 `json:"requests"`
}

// CacheStats counts GET /product answers by their X-Cache header.
type CacheStats struct {
	Hits     int64   `json:"hits"`
	Misses   int64   `json:"misses"`
	HitRatio float64 `json:"hit_ratio"`
}

// QueueStats is the job stream.
type QueueStats struct {
	Enqueued  int64 `json:"enqueued"`
	Processed int64 `json:"processed"`
	Depth     int64 `json:"depth"`
	Workers   int   `json:"workers"`
}

// LatencySample is one interval of load.
type LatencySample struct {
	At     time.Time `json:"at"`
	RPS    float64   `json:"rps"`
	Errors int64     `json:"errors"`
	P50MS  float64   `json:"p50_ms"`
	P99MS  float64   `json:"p99_ms"`
}

// Snapshot returns the current state.
func (l *Lab) Snapshot() Snapshot {
	// /proc is read before taking the lock the log readers need.
	var nginxWorkers []int
	if l.ng != nil && l.ng.Running() {
		nginxWorkers = l.ng.WorkerPIDs()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Snapshot{
		Runtime: string(l.cfg.Runtime), Balancing: l.balancing, CacheMode: l.cache, QueueMode: l.queue,
		NetNS: l.netns != nil, Stopped: l.stopping,
		Requests: l.requests, Errors: l.errors5xx,
		Cache:       CacheStats{Hits: l.hits, Misses: l.misses},
		LoadRunning: l.loading,
		Redis:       RedisState{Up: l.redisUp, URL: l.redisURL, Managed: l.redisSrv != nil},
	}
	if l.redisSrv != nil {
		s.Redis.PID = l.redisSrv.PID()
	}
	if n := s.Cache.Hits + s.Cache.Misses; n > 0 {
		s.Cache.HitRatio = float64(s.Cache.Hits) / float64(n)
	}
	processed := l.processed.Load()
	s.Queue = QueueStats{Enqueued: l.enqueued, Processed: processed, Depth: max(0, l.enqueued-processed), Workers: l.cfg.QueueWorkers}
	if l.lastSample != nil {
		c := *l.lastSample
		s.Latency = &c
	}
	if l.ng != nil {
		s.URL = l.ng.URL()
		s.Nginx = NginxState{Up: l.nginxUp, PID: l.ng.PID(), Port: l.ng.Port(), Reloads: l.ng.Reloads()}
		if l.nginxUp {
			s.Nginx.Workers = nginxWorkers
		}
	}
	for _, sl := range l.slots {
		info := InstanceInfo{
			ID: sl.id, Addr: sl.addr, Port: sl.port, NetNS: sl.netns, MarkedDown: sl.down,
			Requests: sl.requests, Fails: sl.fails, Revives: sl.revives,
		}
		if sl.proc != nil && sl.proc.alive() {
			info.Alive = true
			info.PID = sl.proc.cmd.Process.Pid
			for id, pid := range sl.proc.workerList() {
				info.Workers = append(info.Workers, WorkerInfo{ID: id, PID: pid, Requests: sl.perWorker[pid]})
			}
			sortWorkers(info.Workers)
		}
		info.Healthy = info.Alive && !info.MarkedDown
		s.Instances = append(s.Instances, info)
	}
	return s
}

func sortWorkers(ws []WorkerInfo) {
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0 && ws[j].ID < ws[j-1].ID; j-- {
			ws[j], ws[j-1] = ws[j-1], ws[j]
		}
	}
}

// onAccess counts one request nginx logged.
func (l *Lab) onAccess(e nginx.Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	if e.Status >= 500 {
		l.errors5xx++
	}
	for i, t := range e.Tries {
		s := l.byAddr[t.Addr]
		if s == nil {
			continue
		}
		last := i == len(e.Tries)-1
		if !last || t.Status == 0 || t.Status == 502 || t.Status == 504 {
			s.fails++
			continue
		}
		s.requests++
		if pid, err := strconv.Atoi(e.Headers[load.WorkerHeader]); err == nil {
			s.perWorker[pid]++
		}
		if s.down {
			s.down = false
			l.events.emit(Event{
				Kind: EventRejoined, Instance: s.id,
				Message: fmt.Sprintf("nginx sent instance %d a request again and it answered: back in rotation (out for %s)", s.id, time.Since(s.downSince).Round(100*time.Millisecond)),
			})
		}
	}
	switch e.Headers[app.HeaderCache] {
	case "HIT":
		l.hits++
	case "MISS":
		l.misses++
	}
}

// onError follows nginx's view of the upstreams.
func (l *Lab) onError(e nginx.ErrorEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.byAddr[e.Upstream]
	switch {
	case e.Disabled && s != nil:
		if !s.down {
			s.down, s.downSince = true, time.Now()
			l.events.emit(Event{
				Kind: EventMarkedDown, Instance: s.id,
				Message: fmt.Sprintf("nginx marked instance %d down (%d failed tries within fail_timeout): it gets no requests for %s", s.id, l.cfg.MaxFails, l.cfg.FailTimeout),
			})
		}
	case e.NoLive:
		if l.rateOK("nolive") {
			l.events.emit(Event{Kind: EventNoLiveUpstreams, Message: "nginx: no live upstreams, every instance is out: clients get 502"})
		}
	case s != nil && (e.Level == "error" || e.Level == "crit"):
		if l.rateOK("err" + e.Upstream) {
			l.events.emit(Event{Kind: EventUpstreamFailed, Instance: s.id, Message: fmt.Sprintf("nginx → instance %d: %s", s.id, shortMessage(e.Message))})
		}
	}
}

// rateOK lets one notice of a kind through per second. Call with l.mu held.
func (l *Lab) rateOK(key string) bool {
	if time.Since(l.lastNotice[key]) < time.Second {
		return false
	}
	l.lastNotice[key] = time.Now()
	return true
}

func shortMessage(m string) string {
	for _, cut := range []string{", client:", " while "} {
		if i := indexOf(m, cut); i > 0 {
			m = m[:i]
		}
	}
	return m
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// monitor watches Redis, nginx and the queue length.
func (l *Lab) monitor() {
	defer l.loopDone.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-l.life.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(l.life, 400*time.Millisecond)
		n, err := l.rdb.XLen(ctx, app.StreamJobs).Result()
		cancel()
		if l.life.Err() != nil {
			return
		}
		up := err == nil
		l.mu.Lock()
		was := l.redisUp
		l.redisUp = up
		if up {
			l.enqueued = n
		}
		nginxWas := l.nginxUp
		l.nginxUp = l.ng.Running()
		nginxNow := l.nginxUp
		l.mu.Unlock()
		if was && !up {
			l.events.emit(Event{Kind: EventRedisDown, Message: "Redis is not answering (" + err.Error() + "): sessions, the Redis cache and the queue fail fast with 503 until it is back"})
		} else if !was && up {
			l.events.emit(Event{Kind: EventRedisUp, Message: "Redis answers again"})
		}
		if nginxWas && !nginxNow {
			l.events.emit(Event{Kind: EventNginxExited, Message: "nginx exited: nothing is balancing the traffic"})
		}
	}
}

// queueWorker is one background worker: it takes jobs from the stream (a
// consumer group, so each job goes to one worker), does the work and
// acknowledges it.
func (l *Lab) queueWorker(n int) {
	defer l.loopDone.Done()
	name := "worker-" + strconv.Itoa(n)
	for l.life.Err() == nil {
		res, err := l.rdb.XReadGroup(l.life, &redis.XReadGroupArgs{
			Group: app.ConsumerGroup, Consumer: name, Streams: []string{app.StreamJobs, ">"},
			Count: 1, Block: 300 * time.Millisecond,
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if l.life.Err() != nil {
				return
			}
			// NOGROUP: the stream or group vanished (a restarted Redis).
			ctx, cancel := context.WithTimeout(l.life, 300*time.Millisecond)
			_ = l.ensureGroup(ctx)
			cancel()
			select {
			case <-l.life.Done():
				return
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		for _, st := range res {
			for _, msg := range st.Messages {
				cost := l.cfg.JobCost
				if v, ok := msg.Values["job_ms"].(string); ok {
					if ms, err := strconv.Atoi(v); err == nil && ms > 0 && ms <= 1000 {
						cost = time.Duration(ms) * time.Millisecond
					}
				}
				_ = app.Burn(cost) // the CPU time is the point; the count is not needed
				ctx, cancel := context.WithTimeout(l.life, time.Second)
				err := l.rdb.XAck(ctx, app.StreamJobs, app.ConsumerGroup, msg.ID).Err()
				cancel()
				if err == nil {
					l.processed.Add(1)
				}
			}
		}
	}
}
