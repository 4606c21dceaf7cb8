// Package load is the labs' HTTP load generator: a fixed number of
// connections sending requests back to back, bounded by time and by count,
// with latency in an HDR histogram, requests counted per serving worker
// (the X-Worker-Pid response header) and errors sorted by kind. Live
// per-second samples feed dashboards.
package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Error kinds.
const (
	ErrRefused   = "refused"    // nothing listening (ECONNREFUSED)
	ErrReset     = "reset"      // the server closed or reset the connection mid-request
	ErrTimeout   = "timeout"    // no answer within Config.Timeout
	ErrStatus5xx = "status_5xx" // the server answered with a 5xx
	ErrStatus4xx = "status_4xx" // the server answered with a 4xx
	ErrOther     = "other"
)

// WorkerHeader names the response header that says which process served a
// request.
const WorkerHeader = "X-Worker-Pid"

// Limits keep a lab's load bounded whatever the caller asks.
const (
	MaxConnections = 1024
	MaxDuration    = 10 * time.Minute
)

// Config describes one run. The run stops at Duration or after MaxRequests,
// whichever comes first; at least one must be set.
type Config struct {
	URL         string
	Method      string // default GET
	Header      http.Header
	Body        []byte
	Duration    time.Duration
	MaxRequests int64
	// Connections is the number of concurrent clients, each with one
	// connection at a time (default 8).
	Connections int
	// KeepAlive reuses each client's connection; off, every request opens
	// a new one (which is what spreads requests round-robin).
	KeepAlive bool
	// Timeout bounds one request (default 5s).
	Timeout time.Duration
	// OnSample, when set, receives a Sample every SampleEvery (default
	// 1s), from a single goroutine, while the run lasts.
	OnSample    func(Sample)
	SampleEvery time.Duration
}

// Sample is one interval of a run, for live charts.
type Sample struct {
	Elapsed  time.Duration `json:"elapsed"`
	Requests int64         `json:"requests"` // completed in this interval
	Errors   int64         `json:"errors"`
	RPS      float64       `json:"rps"`
	P50      time.Duration `json:"p50"`
	P99      time.Duration `json:"p99"`
	// PerWorker counts this interval's responses by worker pid.
	PerWorker map[int]int64 `json:"per_worker,omitempty"`
}

// Latency summarises response times (responses of any status).
type Latency struct {
	P50  time.Duration `json:"p50"`
	P90  time.Duration `json:"p90"`
	P99  time.Duration `json:"p99"`
	Max  time.Duration `json:"max"`
	Mean time.Duration `json:"mean"`
}

// WorkerCount is how many responses one worker process sent.
type WorkerCount struct {
	PID      int   `json:"pid"`
	Requests int64 `json:"requests"`
}

// Result is what a run measured.
type Result struct {
	URL         string        `json:"url"`
	Connections int           `json:"connections"`
	KeepAlive   bool          `json:"keepalive"`
	Duration    time.Duration `json:"duration"`
	// Requests counts every request that finished, successful or not.
	Requests  int64 `json:"requests"`
	Successes int64 `json:"successes"`
	Errors    int64 `json:"errors"`
	// Dials counts the TCP connections the clients opened: Connections
	// with keep-alive on unless a connection broke and was reopened, one
	// per request with it off.
	Dials int64 `json:"dials"`
	// ErrorsByKind uses the Err* kinds; ErrorSamples keeps one message
	// per kind.
	ErrorsByKind map[string]int64  `json:"errors_by_kind"`
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	StatusCodes  map[int]int64     `json:"status_codes"`
	// RPS is Requests over the run's span, capped at Duration.
	RPS     float64 `json:"rps"`
	Latency Latency `json:"latency"`
	// Workers lists responses per X-Worker-Pid, most first; responses
	// without the header are not in it.
	Workers []WorkerCount `json:"workers"`
	Samples []Sample      `json:"samples,omitempty"`
}

// Share returns the fraction of the responses with a worker header that
// pid served.
func (r *Result) Share(pid int) float64 {
	var total, mine int64
	for _, w := range r.Workers {
		total += w.Requests
		if w.PID == pid {
			mine = w.Requests
		}
	}
	if total == 0 {
		return 0
	}
	return float64(mine) / float64(total)
}

// Histogram range: 1µs to 1 minute at 3 significant digits.
const (
	histMin = 1
	histMax = int64(time.Minute / time.Microsecond)
	histSig = 3
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histSig) }

// Validate checks c without sending anything.
func (c *Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("load target %q is not an http:// or https:// URL", c.URL)
	}
	if c.Duration < 0 || c.MaxRequests < 0 {
		return errors.New("load duration and request count cannot be negative")
	}
	if c.Duration == 0 && c.MaxRequests == 0 {
		return errors.New("load needs a bound: a duration, a maximum request count, or both")
	}
	if c.Duration > MaxDuration {
		return fmt.Errorf("load duration %v is over the %v limit", c.Duration, MaxDuration)
	}
	if c.Connections < 0 || c.Connections > MaxConnections {
		return fmt.Errorf("connections must be between 1 and %d, got %d", MaxConnections, c.Connections)
	}
	return nil
}

// Run sends the load and returns what it measured. Requests in flight when
// the duration ends are allowed to finish (within Timeout) and counted.
// Cancelling ctx aborts the run; the requests it cut short are not counted
// as errors, and the partial result is returned with ctx's error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Method == "" {
		cfg.Method = http.MethodGet
	}
	if cfg.Connections == 0 {
		cfg.Connections = 8
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.SampleEvery <= 0 {
		cfg.SampleEvery = time.Second
	}
	if cfg.Duration == 0 {
		cfg.Duration = MaxDuration
	}

	r := &runner{cfg: cfg, start: time.Now()}
	r.deadline = r.start.Add(cfg.Duration)
	clients := make([]*client, cfg.Connections)
	for i := range clients {
		clients[i] = newClient(r)
		// Each client gets an even share of the request budget: a shared
		// counter lets the first client to start take all of it on a busy
		// machine, and the run would not use the connections it reports.
		if n := int64(cfg.Connections); cfg.MaxRequests > 0 {
			clients[i].budget = cfg.MaxRequests / n
			if int64(i) < cfg.MaxRequests%n {
				clients[i].budget++
			}
		}
	}

	var wg sync.WaitGroup
	for _, cl := range clients {
		wg.Go(func() { cl.loop(ctx) })
	}
	var samples []Sample
	sampleDone := make(chan struct{})
	stopSampling := make(chan struct{})
	go func() {
		defer close(sampleDone)
		samples = r.sample(clients, stopSampling)
	}()
	wg.Wait()
	elapsed := time.Since(r.start)
	close(stopSampling)
	<-sampleDone

	res := &Result{
		URL:          cfg.URL,
		Connections:  cfg.Connections,
		KeepAlive:    cfg.KeepAlive,
		Duration:     elapsed,
		ErrorsByKind: map[string]int64{},
		ErrorSamples: map[string]string{},
		StatusCodes:  map[int]int64{},
		Samples:      samples,
	}
	hist := newHist()
	perWorker := map[int]int64{}
	for _, cl := range clients {
		cl.closeIdle()
		hist.Merge(cl.hist)
		res.Requests += cl.requests
		res.Successes += cl.successes
		res.Dials += cl.dials.Load()
		for k, v := range cl.errors {
			res.ErrorsByKind[k] += v
			res.Errors += v
		}
		for k, v := range cl.errorSamples {
			if _, ok := res.ErrorSamples[k]; !ok {
				res.ErrorSamples[k] = v
			}
		}
		for k, v := range cl.status {
			res.StatusCodes[k] += v
		}
		for k, v := range cl.perWorker {
			perWorker[k] += v
		}
	}
	for _, pid := range slices.Sorted(maps.Keys(perWorker)) {
		res.Workers = append(res.Workers, WorkerCount{PID: pid, Requests: perWorker[pid]})
	}
	slices.SortStableFunc(res.Workers, func(a, b WorkerCount) int { return int(b.Requests - a.Requests) })
	// Throughput is over the load's own span: a straggler that answers
	// (or times out) after the duration is counted, but does not stretch
	// the time it is divided by.
	if span := min(elapsed, cfg.Duration); span > 0 {
		res.RPS = float64(res.Requests) / span.Seconds()
	}
	res.Latency = summarize(hist)
	return res, ctx.Err()
}

func summarize(h *hdrhistogram.Histogram) Latency {
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	if h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{
		P50:  us(h.ValueAtQuantile(50)),
		P90:  us(h.ValueAtQuantile(90)),
		P99:  us(h.ValueAtQuantile(99)),
		Max:  us(h.Max()),
		Mean: time.Duration(h.Mean() * float64(time.Microsecond)),
	}
}

// runner is the state shared by a run's clients.
type runner struct {
	cfg      Config
	start    time.Time
	deadline time.Time
}

// next reports whether cl may start another request.
func (cl *client) next() bool {
	if !time.Now().Before(cl.r.deadline) {
		return false
	}
	if cl.r.cfg.MaxRequests > 0 {
		if cl.budget == 0 {
			return false
		}
		cl.budget--
	}
	return true
}

// client is one connection's worth of load, with its own counters so the
// hot path takes no shared lock except its own window's.
type client struct {
	r         *runner
	http      *http.Client
	transport *http.Transport
	// budget is how many more requests this client may send when the run
	// has a MaxRequests bound.
	budget int64
	// dials counts the connections this client opened.
	dials atomic.Int64

	hist         *hdrhistogram.Histogram
	requests     int64
	successes    int64
	errors       map[string]int64
	errorSamples map[string]string
	status       map[int]int64
	perWorker    map[int]int64

	// The current sampling window, swapped out by the sampler.
	winMu     sync.Mutex
	win       *hdrhistogram.Histogram // responses
	winFailed int64                   // requests that got no response
	winBad    int64                   // responses with status >= 400
	winWorker map[int]int64
}

func newClient(r *runner) *client {
	// One transport per client: with keep-alive on, each client holds
	// exactly one connection, like a browser tab or a wrk connection.
	cl := &client{r: r}
	dialer := &net.Dialer{Timeout: r.cfg.Timeout}
	t := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			cl.dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
		DisableKeepAlives:   !r.cfg.KeepAlive,
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1,
		ForceAttemptHTTP2:   false,
		DisableCompression:  true,
	}
	cl.transport = t
	cl.http = &http.Client{Transport: t, Timeout: r.cfg.Timeout, CheckRedirect: noRedirect}
	cl.hist = newHist()
	cl.errors = map[string]int64{}
	cl.errorSamples = map[string]string{}
	cl.status = map[int]int64{}
	cl.perWorker = map[int]int64{}
	cl.win = newHist()
	cl.winWorker = map[int]int64{}
	return cl
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (cl *client) closeIdle() { cl.transport.CloseIdleConnections() }

func (cl *client) loop(ctx context.Context) {
	defer cl.closeIdle()
	for ctx.Err() == nil && cl.next() {
		cl.once(ctx)
	}
}

// once sends one request and records it.
func (cl *client) once(ctx context.Context) {
	cfg := &cl.r.cfg
	var body io.Reader
	if cfg.Body != nil {
		body = bytes.NewReader(cfg.Body)
	}
	req, err := http.NewRequestWithContext(ctx, cfg.Method, cfg.URL, body)
	if err != nil {
		cl.fail(ErrOther, err)
		return
	}
	for k, v := range cfg.Header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := cl.http.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	took := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return // the caller aborted: not the server's fault
		}
		cl.fail(classify(err), err)
		return
	}
	cl.requests++
	cl.status[resp.StatusCode]++
	us := max(took.Microseconds(), 1)
	_ = cl.hist.RecordValue(min(us, histMax))
	pid, _ := strconv.Atoi(resp.Header.Get(WorkerHeader))
	if pid > 0 {
		cl.perWorker[pid]++
	}
	failed := resp.StatusCode >= 400
	switch {
	case resp.StatusCode >= 500:
		cl.errors[ErrStatus5xx]++
		cl.sampleError(ErrStatus5xx, resp.Status)
	case resp.StatusCode >= 400:
		cl.errors[ErrStatus4xx]++
		cl.sampleError(ErrStatus4xx, resp.Status)
	default:
		cl.successes++
	}
	cl.winMu.Lock()
	_ = cl.win.RecordValue(min(us, histMax))
	if failed {
		cl.winBad++
	}
	if pid > 0 {
		cl.winWorker[pid]++
	}
	cl.winMu.Unlock()
}

func (cl *client) fail(kind string, err error) {
	cl.requests++
	cl.errors[kind]++
	cl.sampleError(kind, err.Error())
	cl.winMu.Lock()
	cl.winFailed++
	cl.winMu.Unlock()
}

func (cl *client) sampleError(kind, msg string) {
	if _, ok := cl.errorSamples[kind]; !ok {
		cl.errorSamples[kind] = msg
	}
}

// classify sorts a transport error into a kind.
func classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return ErrTimeout
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return ErrReset
	}
	return ErrOther
}

// sample emits a Sample every SampleEvery until stop, and returns them all.
func (r *runner) sample(clients []*client, stop chan struct{}) []Sample {
	t := time.NewTicker(r.cfg.SampleEvery)
	defer t.Stop()
	var out []Sample
	last := r.start
	take := func(now time.Time) {
		win := newHist()
		s := Sample{Elapsed: now.Sub(r.start), PerWorker: map[int]int64{}}
		for _, cl := range clients {
			cl.winMu.Lock()
			win.Merge(cl.win)
			cl.win.Reset()
			s.Requests += cl.winFailed
			s.Errors += cl.winFailed + cl.winBad
			cl.winFailed, cl.winBad = 0, 0
			for pid, n := range cl.winWorker {
				s.PerWorker[pid] += n
			}
			clear(cl.winWorker)
			cl.winMu.Unlock()
		}
		s.Requests += win.TotalCount()
		if d := now.Sub(last).Seconds(); d > 0 {
			s.RPS = float64(s.Requests) / d
		}
		l := summarize(win)
		s.P50, s.P99 = l.P50, l.P99
		last = now
		out = append(out, s)
		if r.cfg.OnSample != nil {
			r.cfg.OnSample(s)
		}
	}
	for {
		select {
		case now := <-t.C:
			take(now)
		case <-stop:
			// The last, partial interval: keep it when anything
			// happened in it, so the samples add up to the result.
			pending := false
			for _, cl := range clients {
				cl.winMu.Lock()
				pending = pending || cl.win.TotalCount() > 0 || cl.winFailed > 0
				cl.winMu.Unlock()
			}
			if pending {
				take(time.Now())
			}
			return out
		}
	}
}
