// Package scale is the horizontal-scaling lab (lesson q13): N instances, each
// a real labs/cluster cluster in its own process on its own port (or its own
// network namespace), behind a real nginx generated and started by the lab,
// with Redis for shared sessions, a shared cache and a job queue. The learner
// kills and revives instances, switches nginx's balancing (a real reload),
// compares cache modes and offloads heavy work to background workers, and
// every number comes from the real processes: nginx's access and error logs,
// Redis, and the load generator.
//
//	lab, err := scale.Start(ctx, scale.Config{Instances: 3})
//	defer lab.Stop(context.Background())
//	rep, err := lab.RunLoad(ctx, scale.LoadOptions{Workload: scale.WorkloadHello, Duration: 5 * time.Second})
//	lab.KillInstance(2); lab.ReviveInstance(ctx, 2)
//	lab.SetBalancing(ctx, nginx.LeastConn); lab.SetCache(scale.CacheRedis); lab.SetQueue(true)
//	snap := lab.Snapshot()
//
// Every process the lab starts (nginx master and workers, redis-server, the
// instances and their workers) goes through labs/proc and is gone when Stop
// returns, when ctx ends, or when nodedive dies.
package scale

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/load"
	"github.com/nodedive/nodedive/labs/loopback"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/npmcache"
	"github.com/nodedive/nodedive/labs/redisclient"
	"github.com/nodedive/nodedive/labs/scale/app"
	"github.com/nodedive/nodedive/labs/secure/redisrun"
)

// NodeAppDir is the Node app's directory in content.Labs().
const NodeAppDir = "scale"

// Errors of the control methods.
var (
	ErrStopped        = errors.New("the lab is stopped")
	ErrLoadRunning    = errors.New("a load run is already going")
	ErrAlreadyRunning = errors.New("that instance is already running")
	ErrNotRunning     = errors.New("that instance is not running")
	ErrExternalRedis  = errors.New("this Redis was not started by the lab (REDIS_URL): stop it yourself")
)

// Lab is a running scaling lab. All methods are safe for concurrent use.
type Lab struct {
	cfg     Config
	exe     string
	nodeApp string
	node    noderun.Info // the Node runtime's node
	events  *broker

	life   context.Context // ends at Stop: background loops
	endAll context.CancelFunc

	redisSrv *redisrun.Server
	redisURL string
	// redisViaNS is the Redis URL each instance uses in namespace mode.
	redisViaNS map[int]string
	rdb        *redis.Client // the lab's own: monitor and queue workers
	ng         *nginx.Server
	netns      *netnsSet
	loopDone   sync.WaitGroup

	processed atomic.Int64

	mu         sync.Mutex
	warnings   []string
	slots      []*slot
	byAddr     map[string]*slot
	cache      CacheMode
	queue      bool
	balancing  nginx.Balancing
	redisUp    bool
	nginxUp    bool
	enqueued   int64
	requests   int64 // through nginx, from its access log
	errors5xx  int64
	hits       int64
	misses     int64
	lastSample *LatencySample
	loading    bool
	nginxPIDs  []int
	stopping   bool
	lastNotice map[string]time.Time
	stopOnce   sync.Once
	stopErr    error
	stopped    chan struct{}
}

// slot is one instance position: a fixed port (and address) that nginx
// knows, and the process currently filling it, if any.
type slot struct {
	id        int
	port      int
	addr      string // what nginx connects to
	netns     string
	proc      *instanceProc
	past      []*instanceProc
	requests  int64
	fails     int64
	perWorker map[int]int64 // pid -> responses
	down      bool          // nginx left it out and has not had an answer from it since
	downSince time.Time
	revives   int
}

// Start validates cfg, starts Redis (unless cfg.RedisURL), the instances and
// nginx, and returns once nginx answers. Whatever fails half-way is torn
// down before Start returns. ctx bounds the lab's life.
func Start(ctx context.Context, cfg Config) (_ *Lab, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	// Missing tools are reported before anything starts.
	if _, err := nginx.Find(); err != nil {
		return nil, err
	}
	if err := loopback.Check(cfg.Port); err != nil {
		return nil, err
	}
	exe := cfg.Executable
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	life, endAll := context.WithCancel(context.Background())
	l := &Lab{
		cfg: cfg, exe: exe, events: newBroker(), life: life, endAll: endAll,
		byAddr: map[string]*slot{}, cache: cfg.Cache, queue: cfg.Queue, balancing: cfg.Balancing,
		lastNotice: map[string]time.Time{}, stopped: make(chan struct{}),
	}
	defer func() {
		if err != nil {
			sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			_ = l.Stop(sctx)
		}
	}()

	if cfg.NetNS {
		if why := netnsUnavailable(); why != "" {
			l.warn("--netns: " + why + "; the instances run on loopback ports instead (separate processes, one host)")
		} else {
			l.say("creating a network namespace per instance")
			if l.netns, err = newNetns(ctx, cfg.Instances); err != nil {
				return nil, err
			}
		}
	}

	if err := l.startRedis(ctx); err != nil {
		return nil, err
	}
	if l.netns != nil {
		// Inside a namespace, 127.0.0.1 is the namespace's own loopback:
		// each instance reaches Redis at the host end of its veth link,
		// where the lab passes the connections on to Redis.
		if err := l.forwardRedis(); err != nil {
			return nil, err
		}
	}
	if cfg.Runtime == cluster.RuntimeNode {
		if l.node, err = noderun.Identify(ctx, cfg.Node); err != nil {
			return nil, err
		}
		src, err := fs.Sub(content.Labs(), NodeAppDir)
		if err != nil {
			return nil, err
		}
		dir, err := npmcache.Ensure(ctx, src, cfg.CacheDir, npmcache.Options{Name: NodeAppDir, Progress: cfg.Progress, Env: cfg.NpmEnv, Node: l.node.Path})
		if err != nil {
			return nil, err
		}
		l.nodeApp = dir + "/app.js"
	}

	// Ports first, so nginx's configuration is fixed for the lab's life.
	for i := 1; i <= cfg.Instances; i++ {
		s := &slot{id: i, perWorker: map[int]int64{}}
		if l.netns != nil {
			s.netns = l.netns.name(i)
			s.port = 3000 + i
			s.addr = net.JoinHostPort(l.netns.addr(i), strconv.Itoa(s.port))
		} else {
			if s.port, err = loopback.FreePort(); err != nil {
				return nil, err
			}
			s.addr = loopback.Addr(s.port)
		}
		l.slots = append(l.slots, s)
		l.byAddr[s.addr] = s
	}
	l.say(fmt.Sprintf("starting %d instances (%s cluster, %d workers each)", cfg.Instances, cfg.Runtime, cfg.Workers))
	errs := make(chan error, len(l.slots))
	for _, s := range l.slots {
		go func() { errs <- l.startSlot(ctx, s) }()
	}
	var startErrs []error
	for range l.slots {
		if err := <-errs; err != nil {
			startErrs = append(startErrs, err)
		}
	}
	if err := errors.Join(startErrs...); err != nil {
		return nil, err
	}

	l.say("starting nginx on 127.0.0.1")
	l.ng, err = nginx.Start(ctx, l.nginxConfig(cfg.Balancing), nginx.Options{OnAccess: l.onAccess, OnError: l.onError})
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.nginxUp = true
	l.nginxPIDs = append([]int{l.ng.SupervisorPID(), l.ng.PID()}, l.ng.WorkerPIDs()...)
	l.mu.Unlock()

	l.loopDone.Add(1 + cfg.QueueWorkers)
	go l.monitor()
	for i := range cfg.QueueWorkers {
		go l.queueWorker(i + 1)
	}
	// The caller's ctx bounds the lab.
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			_ = l.Stop(sctx)
		case <-l.stopped:
		}
	}()
	return l, nil
}

func (l *Lab) say(msg string) {
	if l.cfg.Progress != nil {
		l.cfg.Progress(msg)
	}
}

func (l *Lab) warn(msg string) {
	l.mu.Lock()
	l.warnings = append(l.warnings, msg)
	l.mu.Unlock()
	l.events.emit(Event{Kind: EventWarning, Message: msg})
}

func (l *Lab) nginxConfig(b nginx.Balancing) nginx.Config {
	var ups []string
	for _, s := range l.slots {
		ups = append(ups, s.addr)
	}
	return nginx.Config{
		Port:         l.cfg.Port,
		Upstreams:    ups,
		Balancing:    b,
		MaxFails:     l.cfg.MaxFails,
		FailTimeout:  l.cfg.FailTimeout,
		LogHeaders:   []string{app.HeaderInstance, load.WorkerHeader, app.HeaderWorkerID, app.HeaderCache},
		ProxyTimeout: 5 * time.Second,
		Supervisor:   l.exe,
	}
}

func (l *Lab) startRedis(ctx context.Context) error {
	l.redisURL = l.cfg.RedisURL
	if l.redisURL == "" {
		l.say("starting redis-server on 127.0.0.1")
		srv, err := redisrun.Start(ctx)
		if err != nil {
			return err
		}
		l.redisSrv = srv
		l.redisURL = srv.URL
	}
	rdb, err := redisclient.New(l.redisURL, func(opt *redis.Options) {
		opt.DialTimeout = 300 * time.Millisecond
		opt.ReadTimeout = 500 * time.Millisecond
		opt.WriteTimeout = 500 * time.Millisecond
		opt.MaxRetries = 0
		opt.PoolSize = 8 + l.cfg.QueueWorkers
	})
	if err != nil {
		return err
	}
	l.rdb = rdb
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := l.rdb.Ping(pctx).Err(); err != nil {
		return fmt.Errorf("cannot reach Redis at %s: %w", l.redisURL, err)
	}
	// A fresh start: the lab's keys only (a shared REDIS_URL keeps the rest).
	if err := l.resetKeys(pctx); err != nil {
		return fmt.Errorf("preparing Redis at %s: %w", l.redisURL, err)
	}
	l.redisUp = true
	return nil
}

func (l *Lab) resetKeys(ctx context.Context) error {
	for _, pattern := range []string{app.KeyCache + "*", app.KeyDB + "*"} {
		iter := l.rdb.Scan(ctx, 0, pattern, 500).Iterator()
		for iter.Next(ctx) {
			l.rdb.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return err
		}
	}
	if err := l.rdb.Del(ctx, app.StreamJobs).Err(); err != nil {
		return err
	}
	return l.ensureGroup(ctx)
}

func (l *Lab) ensureGroup(ctx context.Context) error {
	err := l.rdb.XGroupCreateMkStream(ctx, app.StreamJobs, app.ConsumerGroup, "$").Err()
	if err != nil && !isBusyGroup(err) {
		return err
	}
	return nil
}

func isBusyGroup(err error) bool {
	return err != nil && len(err.Error()) >= 9 && err.Error()[:9] == "BUSYGROUP"
}

// forwardRedis listens on the host end of every instance's veth link and
// passes connections to Redis.
func (l *Lab) forwardRedis() error {
	u, err := url.Parse(l.redisURL)
	if err != nil {
		return err
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "6379")
	}
	_, port, _ := net.SplitHostPort(target)
	l.redisViaNS = map[int]string{}
	for i := 1; i <= l.cfg.Instances; i++ {
		addr := net.JoinHostPort(l.netns.hostAddr(i), port)
		if err := forward(l.life, addr, target); err != nil {
			return err
		}
		v := *u
		v.Host = addr
		l.redisViaNS[i] = v.String()
	}
	return nil
}

// appConfig is the instance app's configuration for slot s.
func (l *Lab) appConfig(id int) app.Config {
	redisURL := l.redisURL
	if u, ok := l.redisViaNS[id]; ok {
		redisURL = u
	}
	return app.Config{
		Instance:   id,
		RedisURL:   redisURL,
		SlowMS:     int(l.cfg.SlowDelay / time.Millisecond),
		CacheTTLMS: int(l.cfg.CacheTTL / time.Millisecond),
		JobMS:      int(l.cfg.JobCost / time.Millisecond),
	}
}

func (l *Lab) startSlot(ctx context.Context, s *slot) error {
	blob, err := json.Marshal(l.appConfig(s.id))
	if err != nil {
		return err
	}
	spec := instanceSpec{ID: s.id, Runtime: l.cfg.Runtime, Workers: l.cfg.Workers, Port: s.port, AppConfig: blob, NodeApp: l.nodeApp, Node: l.node.Path}
	if s.netns != "" {
		spec.Forward = s.addr
	}
	p, err := startInstance(ctx, l.life, l.exe, spec, s.netns, l.cfg.Log, l.onChildMsg)
	if err != nil {
		return err
	}
	l.mu.Lock()
	s.proc = p
	stopping := l.stopping
	l.mu.Unlock()
	if stopping {
		p.kill()
		return ErrStopped
	}
	w := p.workerList()
	l.events.emit(Event{
		Kind: EventInstanceUp, Instance: s.id, PID: p.cmd.Process.Pid,
		Message: fmt.Sprintf("instance %d serving on %s (pid %d, %d workers)", s.id, s.addr, p.cmd.Process.Pid, len(w)),
	})
	go l.watch(s, p)
	return nil
}

// watch reports an instance that ended without being asked to.
func (l *Lab) watch(s *slot, p *instanceProc) {
	<-p.done
	p.mu.Lock()
	killed := p.killed
	p.mu.Unlock()
	l.mu.Lock()
	stopping := l.stopping
	l.mu.Unlock()
	if killed || stopping {
		return
	}
	l.events.emit(Event{
		Kind: EventInstanceExited, Instance: s.id, PID: p.cmd.Process.Pid,
		Message: fmt.Sprintf("instance %d exited by itself: %s", s.id, p.failure()),
	})
}

func (l *Lab) onChildMsg(p *instanceProc, m childMsg) {
	if m.Event != "cluster" || m.Cluster == nil {
		return
	}
	switch m.Cluster.Kind {
	case cluster.EventExited, cluster.EventRespawned, cluster.EventCrashLoop:
		l.mu.Lock()
		stopping := l.stopping
		p.mu.Lock()
		killed := p.killed
		p.mu.Unlock()
		l.mu.Unlock()
		if stopping || killed {
			return
		}
		l.events.emit(Event{
			Kind: EventWorker, Instance: p.spec.ID, PID: m.Cluster.PID,
			Message: fmt.Sprintf("instance %d: %s", p.spec.ID, m.Cluster.Message),
		})
	}
}

// KillInstance kills instance id (1-based) with SIGKILL, primary and
// workers, like a host that loses power. nginx finds out on its own.
func (l *Lab) KillInstance(id int) error {
	s, err := l.slot(id)
	if err != nil {
		return err
	}
	l.mu.Lock()
	p := s.proc
	l.mu.Unlock()
	if p == nil || !p.alive() {
		return fmt.Errorf("instance %d: %w", id, ErrNotRunning)
	}
	at := time.Now()
	p.kill()
	l.mu.Lock()
	s.past = append(s.past, p)
	s.proc = nil
	l.mu.Unlock()
	l.events.emit(Event{
		Time: at, Kind: EventInstanceKilled, Instance: id, PID: p.cmd.Process.Pid,
		Message: fmt.Sprintf("instance %d killed (SIGKILL, pid %d and its workers); nginx will notice on its next tries", id, p.cmd.Process.Pid),
	})
	return nil
}

// ReviveInstance starts instance id again on its old address; nginx sends it
// traffic again once its fail_timeout has passed.
func (l *Lab) ReviveInstance(ctx context.Context, id int) error {
	s, err := l.slot(id)
	if err != nil {
		return err
	}
	l.mu.Lock()
	if s.proc != nil && s.proc.alive() {
		l.mu.Unlock()
		return fmt.Errorf("instance %d: %w", id, ErrAlreadyRunning)
	}
	if s.proc != nil {
		s.past = append(s.past, s.proc)
		s.proc = nil
	}
	s.revives++
	l.mu.Unlock()
	return l.startSlot(ctx, s)
}

func (l *Lab) slot(id int) (*slot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopping {
		return nil, ErrStopped
	}
	if id < 1 || id > len(l.slots) {
		return nil, fmt.Errorf("instance %d: %w (the lab has instances 1 to %d)", id, errNoInstance, len(l.slots))
	}
	return l.slots[id-1], nil
}

// SetBalancing rewrites nginx's upstream block and reloads nginx (SIGHUP):
// new workers take the new method, old ones finish their requests.
func (l *Lab) SetBalancing(ctx context.Context, b nginx.Balancing) error {
	if _, err := nginx.ParseBalancing(string(b)); err != nil {
		return err
	}
	l.mu.Lock()
	if l.stopping {
		l.mu.Unlock()
		return ErrStopped
	}
	l.mu.Unlock()
	if err := l.ng.Reload(ctx, l.nginxConfig(b)); err != nil {
		return err
	}
	l.mu.Lock()
	l.balancing = b
	l.nginxPIDs = append(l.nginxPIDs, l.ng.WorkerPIDs()...)
	l.mu.Unlock()
	l.events.emit(Event{Kind: EventReloaded, Message: fmt.Sprintf("nginx reloaded: balancing is now %s", b)})
	return nil
}

// SetCache picks how GET /product reads in the lab's load runs.
func (l *Lab) SetCache(m CacheMode) error {
	if _, err := ParseCacheMode(string(m)); err != nil {
		return err
	}
	l.mu.Lock()
	l.cache = m
	l.mu.Unlock()
	l.events.emit(Event{Kind: EventCacheMode, Message: "cache mode: " + string(m)})
	return nil
}

// SetQueue picks whether POST /report enqueues (true) or works in the
// request (false) in the lab's load runs.
func (l *Lab) SetQueue(on bool) {
	l.mu.Lock()
	l.queue = on
	l.mu.Unlock()
	msg := "heavy work runs inside the request"
	if on {
		msg = "heavy work goes on the Redis stream for the background workers"
	}
	l.events.emit(Event{Kind: EventQueueMode, Message: msg})
}

// KillRedis kills the redis-server the lab started, to show the degraded
// state: endpoints that need Redis answer 503 at once, nothing hangs.
// ReviveRedis brings it back.
func (l *Lab) KillRedis() error {
	srv := l.redis()
	if srv == nil {
		return ErrExternalRedis
	}
	return srv.Close()
}

// URL is nginx's address: where clients go.
func (l *Lab) URL() string { return l.ng.URL() }

// NginxConfig is the generated nginx.conf in force.
func (l *Lab) NginxConfig() string { return l.ng.ConfigText() }

// RedisURL is the Redis in use.
func (l *Lab) RedisURL() string { return l.redisURL }

// Node is the node that runs the instances' clusters (the Node runtime
// only; zero for the Go runtime).
func (l *Lab) Node() noderun.Info { return l.node }

// Warnings are things the learner should know (e.g. why --netns fell back).
func (l *Lab) Warnings() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.warnings...)
}

// Events returns the history so far, oldest first.
func (l *Lab) Events() []Event { return l.events.events() }

// Subscribe returns a channel of every event from now on, in order, and a
// cancel func. Slow readers never block the lab. The channel is closed after
// EventStopped, or on cancel.
func (l *Lab) Subscribe() (<-chan Event, func()) { return l.events.subscribe() }

// Config is the configuration in force, defaults filled in.
func (l *Lab) Config() Config { return l.cfg }

// PIDs lists every process the lab started (nginx master and workers,
// redis-server, instances, their cluster primaries and workers), including
// ones that have exited, for leak checks.
func (l *Lab) PIDs() []int {
	l.mu.Lock()
	pids := append([]int(nil), l.nginxPIDs...)
	var procs []*instanceProc
	for _, s := range l.slots {
		procs = append(procs, s.past...)
		if s.proc != nil {
			procs = append(procs, s.proc)
		}
	}
	l.mu.Unlock()
	if srv := l.redis(); srv != nil {
		pids = append(pids, srv.PID())
	}
	for _, p := range procs {
		pids = append(pids, p.pids()...)
	}
	slices.Sort(pids)
	return slices.Compact(pids)
}

// Stop stops load-bearing parts in order (nginx, instances, queue workers,
// Redis), removes temp files and namespaces, and waits for every process.
// It is idempotent.
func (l *Lab) Stop(ctx context.Context) error {
	l.stopOnce.Do(func() {
		l.mu.Lock()
		l.stopping = true
		var procs []*instanceProc
		for _, s := range l.slots {
			if s.proc != nil {
				procs = append(procs, s.proc)
			}
		}
		l.mu.Unlock()
		l.events.emit(Event{Kind: EventStopping, Message: "stopping nginx, the instances and Redis"})
		var errs []error
		if l.ng != nil {
			errs = append(errs, l.ng.Stop(ctx))
		}
		var wg sync.WaitGroup
		for _, p := range procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.stop(ctx)
			}()
		}
		wg.Wait()
		l.endAll()
		l.loopDone.Wait()
		if l.rdb != nil {
			l.rdb.Close()
		}
		if srv := l.redis(); srv != nil {
			errs = append(errs, srv.Close())
		}
		if l.netns != nil {
			errs = append(errs, l.netns.remove())
		}
		l.stopErr = errors.Join(errs...)
		l.events.emit(Event{Kind: EventStopped, Message: "stopped: nothing of the lab is running"})
		l.events.close()
		close(l.stopped)
	})
	<-l.stopped
	return l.stopErr
}

// Done is closed once Stop has finished.
func (l *Lab) Done() <-chan struct{} { return l.stopped }
