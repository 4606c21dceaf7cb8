package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"time"

	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/labs/load"
)

// Workload is what a load run sends through nginx.
type Workload string

const (
	// WorkloadHello is GET / (who answered), cheap: shows the balancing.
	WorkloadHello Workload = "hello"
	// WorkloadProduct is GET /product/1 with the lab's cache mode.
	WorkloadProduct Workload = "product"
	// WorkloadReport is POST /report, inline or queued by the lab's queue
	// setting.
	WorkloadReport Workload = "report"
)

// Workloads lists the valid workloads.
func Workloads() []Workload { return []Workload{WorkloadHello, WorkloadProduct, WorkloadReport} }

// ParseWorkload checks a workload name; an unknown one gets a suggestion.
func ParseWorkload(s string) (Workload, error) {
	var names []string
	for _, w := range Workloads() {
		if string(w) == s {
			return w, nil
		}
		names = append(names, string(w))
	}
	return "", &suggest.NotFoundError{Kind: "workload", Name: s, Suggestions: suggest.Nearest(s, names, 1), Known: names}
}

// LoadOptions describe one load run. Zero values take the defaults.
type LoadOptions struct {
	Workload    Workload      // default product
	Duration    time.Duration // default 5s
	MaxRequests int64         // 0: no cap besides the duration
	Connections int           // default 8
	// NoKeepAlive opens a connection per request (nginx balances requests
	// either way; the cluster behind each instance balances connections).
	NoKeepAlive bool
	// OnSample receives live per-second samples.
	OnSample func(load.Sample)
	// SampleEvery defaults to 1s.
	SampleEvery time.Duration
}

// LoadReport is what a run measured, through nginx.
type LoadReport struct {
	Workload  Workload  `json:"workload"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Balancing string    `json:"balancing"`
	Cache     CacheMode `json:"cache"`
	Queue     bool      `json:"queue"`
	// Result is the load generator's view: requests, errors, latency,
	// responses per worker pid.
	Result *load.Result `json:"result"`
	// Instances are nginx's counts during the run.
	Instances []InstanceCount `json:"instances"`
	// CacheStats counts X-Cache answers during the run.
	CacheStats CacheStats `json:"cache_stats"`
	// Enqueued is how many jobs the run put on the stream.
	Enqueued int64 `json:"enqueued"`
}

// InstanceCount is one instance's share of a run.
type InstanceCount struct {
	ID       int   `json:"id"`
	Requests int64 `json:"requests"`
	Fails    int64 `json:"fails"`
}

type counters struct {
	requests  int64
	perSlot   []InstanceCount
	hits, mis int64
	enqueued  int64
}

func (l *Lab) counters() counters {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := counters{requests: l.requests, hits: l.hits, mis: l.misses, enqueued: l.enqueued}
	for _, s := range l.slots {
		c.perSlot = append(c.perSlot, InstanceCount{ID: s.id, Requests: s.requests, Fails: s.fails})
	}
	return c
}

// target is the request a workload sends, with the lab's current modes.
func (l *Lab) target(w Workload) (method, path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch w {
	case WorkloadHello:
		return http.MethodGet, "/"
	case WorkloadReport:
		if l.queue {
			return http.MethodPost, "/report?mode=queue"
		}
		return http.MethodPost, "/report?mode=inline"
	default:
		return http.MethodGet, "/product/1?cache=" + string(l.cache)
	}
}

// RunLoad sends load through nginx and reports what the load generator and
// nginx saw. One run at a time (ErrLoadRunning).
func (l *Lab) RunLoad(ctx context.Context, opts LoadOptions) (*LoadReport, error) {
	if opts.Workload == "" {
		opts.Workload = WorkloadProduct
	}
	if _, err := ParseWorkload(string(opts.Workload)); err != nil {
		return nil, err
	}
	if opts.Duration == 0 && opts.MaxRequests == 0 {
		opts.Duration = 5 * time.Second
	}
	if opts.Connections == 0 {
		opts.Connections = 8
	}
	l.mu.Lock()
	if l.stopping {
		l.mu.Unlock()
		return nil, ErrStopped
	}
	if l.loading {
		l.mu.Unlock()
		return nil, ErrLoadRunning
	}
	l.loading = true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.loading = false
		l.mu.Unlock()
	}()

	method, path := l.target(opts.Workload)
	l.mu.Lock()
	rep := &LoadReport{Workload: opts.Workload, Method: method, Path: path, Balancing: string(l.balancing), Cache: l.cache, Queue: l.queue}
	l.mu.Unlock()
	before := l.counters()
	l.events.emit(Event{Kind: EventLoadStart, Message: fmt.Sprintf("load: %s %s, %d connections, %s", method, path, opts.Connections, describeBound(opts))})
	res, err := load.Run(ctx, load.Config{
		URL:         l.ng.URL() + path,
		Method:      method,
		Duration:    opts.Duration,
		MaxRequests: opts.MaxRequests,
		Connections: opts.Connections,
		KeepAlive:   !opts.NoKeepAlive,
		Timeout:     5 * time.Second,
		SampleEvery: opts.SampleEvery,
		OnSample: func(s load.Sample) {
			ls := &LatencySample{At: time.Now(), RPS: s.RPS, Errors: s.Errors, P50MS: ms(s.P50), P99MS: ms(s.P99)}
			l.mu.Lock()
			l.lastSample = ls
			l.mu.Unlock()
			if opts.OnSample != nil {
				opts.OnSample(s)
			}
		},
	})
	if res == nil {
		return nil, err
	}
	rep.Result = res
	// nginx's log is read every 50ms: wait until it has every answer.
	l.catchUp(before.requests + res.Requests)
	after := l.counters()
	for i, s := range after.perSlot {
		rep.Instances = append(rep.Instances, InstanceCount{ID: s.ID, Requests: s.Requests - before.perSlot[i].Requests, Fails: s.Fails - before.perSlot[i].Fails})
	}
	rep.CacheStats = CacheStats{Hits: after.hits - before.hits, Misses: after.mis - before.mis}
	if n := rep.CacheStats.Hits + rep.CacheStats.Misses; n > 0 {
		rep.CacheStats.HitRatio = float64(rep.CacheStats.Hits) / float64(n)
	}
	rep.Enqueued = after.enqueued - before.enqueued
	l.events.emit(Event{Kind: EventLoadDone, Message: fmt.Sprintf("load done: %d requests, %d errors, %.0f req/s, p50 %.1f ms, p99 %.1f ms",
		res.Requests, res.Errors, res.RPS, ms(res.Latency.P50), ms(res.Latency.P99))})
	return rep, err
}

func describeBound(o LoadOptions) string {
	switch {
	case o.Duration > 0 && o.MaxRequests > 0:
		return fmt.Sprintf("up to %s or %d requests", o.Duration, o.MaxRequests)
	case o.MaxRequests > 0:
		return fmt.Sprintf("%d requests", o.MaxRequests)
	}
	return o.Duration.String()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// catchUp waits (briefly) until nginx's access log has n entries in total,
// and for the queue length to be read once more.
func (l *Lab) catchUp(n int64) {
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		got := l.requests
		l.mu.Unlock()
		if got >= n {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // one monitor tick: XLEN
}

// client is an HTTP client with its own cookie jar, as one browser.
func (l *Lab) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
}

type answer struct {
	status   int
	instance int
	pid      int
	body     map[string]any
}

func (l *Lab) do(ctx context.Context, c *http.Client, method, path string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, l.ng.URL()+path, nil)
	if err != nil {
		return answer{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	a := answer{status: resp.StatusCode}
	a.instance, _ = strconv.Atoi(resp.Header.Get("X-Instance"))
	a.pid, _ = strconv.Atoi(resp.Header.Get(load.WorkerHeader))
	_ = json.Unmarshal(b, &a.body)
	return a, nil
}

// SessionCheck is what one logged-in client saw over several requests.
type SessionCheck struct {
	Store string `json:"store"`
	// LoginInstance and LoginPID served the login.
	LoginInstance int `json:"login_instance"`
	LoginPID      int `json:"login_pid"`
	Requests      int `json:"requests"`
	// OK requests knew the session; Rejected got 401 (unknown session);
	// Failed got anything else (503 with Redis down).
	OK       int `json:"ok"`
	Rejected int `json:"rejected"`
	Failed   int `json:"failed"`
	// Instances and Processes are how many different ones answered.
	Instances int `json:"instances"`
	Processes int `json:"processes"`
}

// CheckSessions logs one client in with store ("memory" or "redis") and
// sends n requests that need the session, through nginx.
func (l *Lab) CheckSessions(ctx context.Context, store string, n int) (*SessionCheck, error) {
	if store != "memory" && store != "redis" {
		return nil, &suggest.NotFoundError{Kind: "session store", Name: store, Suggestions: suggest.Nearest(store, []string{"memory", "redis"}, 1), Known: []string{"memory", "redis"}}
	}
	c := l.client()
	defer c.CloseIdleConnections()
	login, err := l.do(ctx, c, http.MethodPost, "/login?user=ada&store="+store)
	if err != nil {
		return nil, err
	}
	if login.status != http.StatusOK {
		return nil, fmt.Errorf("login with the %s store failed: HTTP %d %v", store, login.status, login.body["error"])
	}
	chk := &SessionCheck{Store: store, LoginInstance: login.instance, LoginPID: login.pid, Requests: n}
	inst, procs := map[int]bool{}, map[int]bool{}
	for range n {
		a, err := l.do(ctx, c, http.MethodGet, "/me?store="+store)
		if err != nil {
			if ctx.Err() != nil {
				return chk, ctx.Err()
			}
			chk.Failed++
			continue
		}
		inst[a.instance], procs[a.pid] = true, true
		switch a.status {
		case http.StatusOK:
			chk.OK++
		case http.StatusUnauthorized:
			chk.Rejected++
		default:
			chk.Failed++
		}
	}
	chk.Instances, chk.Processes = len(inst), len(procs)
	return chk, nil
}

// StaleCheck is a write followed by reads through the cache.
type StaleCheck struct {
	Mode     CacheMode `json:"mode"`
	OldPrice int       `json:"old_price"`
	NewPrice int       `json:"new_price"`
	// WriterPID is the process that took the write (and cleared its own
	// local entry).
	WriterPID int `json:"writer_pid"`
	Reads     int `json:"reads"`
	// Stale reads still returned the old price; StalePIDs are the
	// processes that served them.
	Stale     int   `json:"stale"`
	StalePIDs []int `json:"stale_pids,omitempty"`
}

// staleProduct is the product the stale-read check writes (the load uses 1).
const staleProduct = 42

// CheckStaleReads warms the caches, changes the price through one instance
// (which invalidates what it can), then reads again through nginx and counts
// answers that still carry the old price.
func (l *Lab) CheckStaleReads(ctx context.Context, mode CacheMode, reads int) (*StaleCheck, error) {
	if _, err := ParseCacheMode(string(mode)); err != nil {
		return nil, err
	}
	c := l.client()
	defer c.CloseIdleConnections()
	path := fmt.Sprintf("/product/%d?cache=%s", staleProduct, mode)
	// Warm: enough reads for every process to have cached the price.
	var old int
	for range reads {
		a, err := l.do(ctx, c, http.MethodGet, path)
		if err != nil {
			return nil, err
		}
		if a.status != http.StatusOK {
			return nil, fmt.Errorf("reading the product failed: HTTP %d %v", a.status, a.body["error"])
		}
		old = num(a.body["price"])
	}
	chk := &StaleCheck{Mode: mode, OldPrice: old, NewPrice: old + 1, Reads: reads}
	w, err := l.do(ctx, c, http.MethodPut, fmt.Sprintf("/product/%d?price=%d", staleProduct, chk.NewPrice))
	if err != nil {
		return nil, err
	}
	if w.status != http.StatusOK {
		return nil, fmt.Errorf("writing the product failed: HTTP %d %v", w.status, w.body["error"])
	}
	chk.WriterPID = w.pid
	seen := map[int]bool{}
	for range reads {
		a, err := l.do(ctx, c, http.MethodGet, path)
		if err != nil {
			return nil, err
		}
		if num(a.body["price"]) == old {
			chk.Stale++
			if !seen[a.pid] {
				seen[a.pid] = true
				chk.StalePIDs = append(chk.StalePIDs, a.pid)
			}
		}
	}
	return chk, nil
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// WaitQueueDrained waits until every enqueued job is processed, up to limit,
// and returns how long that took.
func (l *Lab) WaitQueueDrained(ctx context.Context, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		s := l.Snapshot()
		if s.Queue.Depth == 0 && s.Redis.Up {
			l.events.emit(Event{Kind: EventQueueDrained, Message: fmt.Sprintf("queue drained: %d jobs processed", s.Queue.Processed)})
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-deadline.C:
			return time.Since(start), fmt.Errorf("%d jobs still queued after %s", s.Queue.Depth, limit)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// AwaitRotation sends GET / through nginx until every live instance has
// answered one, or until within has passed, and returns how many answered.
// After a failure nginx leaves a server out for fail_timeout, so a check
// that must reach every instance (sessions, stale reads) waits for this
// first; otherwise it would see one instance and draw the wrong lesson.
func (l *Lab) AwaitRotation(ctx context.Context, within time.Duration) (int, error) {
	live := 0
	for _, in := range l.Snapshot().Instances {
		if in.Alive {
			live++
		}
	}
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	c := l.client()
	defer c.CloseIdleConnections()
	seen := map[int]bool{}
	for len(seen) < live {
		a, err := l.do(ctx, c, http.MethodGet, "/")
		if ctx.Err() != nil {
			return len(seen), nil // waited long enough; the caller reports what it got
		}
		if err == nil && a.status == http.StatusOK && a.instance > 0 {
			seen[a.instance] = true
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return len(seen), nil
}
