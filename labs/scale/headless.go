package scale

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/load"
)

// RunConfig describes a headless run: the lab, and the phases `nodedive lab
// scale` goes through on it.
type RunConfig struct {
	Lab Config
	// Duration is the main load phase; the comparison phases take half
	// of it each. Default 5s.
	Duration    time.Duration
	Connections int // default 8
	// KillAfter, when set, kills instance 2 (1 with a single instance)
	// that long into the main phase and revives it halfway through the
	// rest, to show nginx routing around it and taking it back.
	KillAfter time.Duration
	// Progress hears each phase as it starts (and the lab's slow steps,
	// when Lab.Progress is nil).
	Progress func(string)
}

// Report is the outcome of a headless run. Its JSON is what
// `nodedive lab scale --json` prints.
type Report struct {
	Runtime string `json:"runtime"`
	// Node is the node that ran the Node runtime's instances.
	Node               *noderun.Info `json:"node,omitempty"`
	WorkersPerInstance int           `json:"workers_per_instance"`
	Balancing          string        `json:"balancing"`
	URL                string        `json:"url"`
	NetNS              bool          `json:"netns"`
	// Main phase: GET /product/1 with the chosen cache mode.
	Workload  string          `json:"workload"`
	Requests  int64           `json:"requests"`
	Errors    int64           `json:"errors"`
	RPS       float64         `json:"rps"`
	Latency   LatencyMS       `json:"latency_ms"`
	Instances []InstanceEntry `json:"instances"`
	Kill      *KillReport     `json:"kill,omitempty"`
	Sessions  SessionsReport  `json:"sessions"`
	Cache     CacheReport     `json:"cache"`
	Queue     QueueReport     `json:"queue"`
	Warnings  []string        `json:"warnings,omitempty"`
	Events    []Event         `json:"events"`
	// PIDs are every process the lab started, all gone when the command
	// returns (for checks).
	PIDs []int `json:"pids"`
}

// LatencyMS is a latency summary in milliseconds.
type LatencyMS struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func latencyMS(l load.Latency) LatencyMS {
	return LatencyMS{P50: ms(l.P50), P90: ms(l.P90), P99: ms(l.P99), Max: ms(l.Max)}
}

// InstanceEntry is one instance in the report.
type InstanceEntry struct {
	ID         int          `json:"id"`
	Addr       string       `json:"addr"`
	Requests   int64        `json:"requests"` // in the main phase, as nginx logged them
	Fails      int64        `json:"fails"`
	Healthy    bool         `json:"healthy"` // at the end
	Alive      bool         `json:"alive"`
	MarkedDown bool         `json:"marked_down"`
	Workers    []WorkerInfo `json:"workers"`
}

// KillReport is what happened around the killed instance.
type KillReport struct {
	Instance    int     `json:"instance"`
	KilledAtMS  float64 `json:"killed_at_ms"`
	RevivedAtMS float64 `json:"revived_at_ms,omitempty"`
	MarkedDown  bool    `json:"marked_down"` // nginx's passive check left it out
	Rejoined    bool    `json:"rejoined"`    // nginx sent it traffic again after the revive
	Errors      int64   `json:"errors"`      // failed requests in the main phase
	ReviveError string  `json:"revive_error,omitempty"`
}

// SessionsReport compares the two session stores.
type SessionsReport struct {
	Memory *SessionCheck `json:"memory"`
	Redis  *SessionCheck `json:"redis"`
	Error  string        `json:"error,omitempty"`
}

// CacheReport is the cache in the main phase, with the no-cache baseline
// and the stale-read check when a cache is on.
type CacheReport struct {
	Mode     CacheMode `json:"mode"`
	Hits     int64     `json:"hits"`
	Misses   int64     `json:"misses"`
	HitRatio float64   `json:"hit_ratio"`
	P50MS    float64   `json:"p50_ms"`
	// BaselineP50MS is p50 of the same endpoint without a cache.
	BaselineP50MS float64     `json:"baseline_p50_ms,omitempty"`
	Stale         *StaleCheck `json:"stale,omitempty"`
	Error         string      `json:"error,omitempty"`
}

// QueueReport compares heavy work in the request with the queue.
type QueueReport struct {
	Enabled   bool       `json:"enabled"`
	Enqueued  int64      `json:"enqueued"`
	Processed int64      `json:"processed"`
	Depth     int64      `json:"depth"`
	Inline    *PhaseStat `json:"inline,omitempty"`
	Queued    *PhaseStat `json:"queued,omitempty"`
	// MaxDepth is the deepest the queue got; DrainMS how long it took to
	// empty after the load stopped.
	MaxDepth int64   `json:"max_depth"`
	DrainMS  float64 `json:"drain_ms"`
	Workers  int     `json:"workers"`
	Error    string  `json:"error,omitempty"`
}

// PhaseStat is one comparison phase.
type PhaseStat struct {
	Requests int64     `json:"requests"`
	Errors   int64     `json:"errors"`
	RPS      float64   `json:"rps"`
	Latency  LatencyMS `json:"latency_ms"`
}

func phase(r *load.Result) *PhaseStat {
	return &PhaseStat{Requests: r.Requests, Errors: r.Errors, RPS: r.RPS, Latency: latencyMS(r.Latency)}
}

// Run starts a lab with cfg, goes through the phases and stops it. The
// report is returned even when a later phase failed (its Error says so).
func Run(ctx context.Context, opts RunConfig) (*Report, error) {
	cfg := opts.Lab
	if opts.Duration == 0 {
		opts.Duration = 5 * time.Second
	}
	if opts.Duration < time.Second || opts.Duration > 2*time.Minute {
		return nil, fmt.Errorf("duration must be between 1s and 2m, got %s", opts.Duration)
	}
	if opts.Connections == 0 {
		opts.Connections = 8
	}
	if opts.Connections < 1 || opts.Connections > 256 {
		return nil, fmt.Errorf("connections must be between 1 and 256, got %d", opts.Connections)
	}
	if opts.KillAfter < 0 || opts.KillAfter >= opts.Duration {
		return nil, fmt.Errorf("--kill-instance must be within the run (0 < AFTER < %s), got %s", opts.Duration, opts.KillAfter)
	}
	say := func(s string) {
		if opts.Progress != nil {
			opts.Progress(s)
		}
	}
	if cfg.Progress == nil {
		cfg.Progress = say
	}
	lab, err := Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = lab.Stop(sctx)
	}()
	c := lab.Config()
	rep := &Report{
		Runtime: string(c.Runtime), WorkersPerInstance: c.Workers, Balancing: string(c.Balancing), URL: lab.URL(),
		NetNS: lab.Snapshot().NetNS, Warnings: lab.Warnings(),
	}
	if node := lab.Node(); node.Path != "" {
		rep.Node = &node
	}

	// Main phase, with the fault if asked.
	say(fmt.Sprintf("main load: GET /product/1?cache=%s through nginx for %s, %d connections", c.Cache, opts.Duration, opts.Connections))
	victim := min(2, c.Instances)
	var kill *KillReport
	faultDone := make(chan struct{})
	mainCtx, endMain := context.WithCancel(ctx)
	defer endMain()
	if opts.KillAfter > 0 {
		kill = &KillReport{Instance: victim}
		start := time.Now()
		go func() {
			defer close(faultDone)
			select {
			case <-time.After(opts.KillAfter):
			case <-mainCtx.Done():
				return
			}
			if err := lab.KillInstance(victim); err != nil {
				kill.ReviveError = err.Error()
				return
			}
			kill.KilledAtMS = ms(time.Since(start))
			say(fmt.Sprintf("killed instance %d (SIGKILL)", victim))
			select {
			case <-time.After((opts.Duration - opts.KillAfter) / 2):
			case <-mainCtx.Done():
				return
			}
			// The run's ctx, not the main phase's: a revive that is still
			// starting when the load ends finishes before the next phase.
			if err := lab.ReviveInstance(ctx, victim); err != nil {
				kill.ReviveError = err.Error()
				return
			}
			kill.RevivedAtMS = ms(time.Since(start))
			say(fmt.Sprintf("revived instance %d", victim))
		}()
	} else {
		close(faultDone)
	}
	main, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadProduct, Duration: opts.Duration, Connections: opts.Connections})
	endMain()
	<-faultDone
	if err != nil {
		return nil, err
	}
	rep.Workload = main.Method + " " + main.Path
	rep.Requests, rep.Errors, rep.RPS = main.Result.Requests, main.Result.Errors, main.Result.RPS
	rep.Latency = latencyMS(main.Result.Latency)
	rep.Cache = CacheReport{Mode: main.Cache, Hits: main.CacheStats.Hits, Misses: main.CacheStats.Misses, HitRatio: main.CacheStats.HitRatio, P50MS: ms(main.Result.Latency.P50)}
	if kill != nil {
		kill.Errors = main.Result.Errors
		for _, e := range lab.Events() {
			if e.Instance == victim && e.Kind == EventMarkedDown {
				kill.MarkedDown = true
			}
			if e.Instance == victim && e.Kind == EventRejoined {
				kill.Rejoined = true
			}
		}
		rep.Kill = kill
	}
	snap := lab.Snapshot()
	for i, in := range snap.Instances {
		e := InstanceEntry{ID: in.ID, Addr: in.Addr, Healthy: in.Healthy, Alive: in.Alive, MarkedDown: in.MarkedDown, Workers: in.Workers}
		if i < len(main.Instances) {
			e.Requests, e.Fails = main.Instances[i].Requests, main.Instances[i].Fails
		}
		rep.Instances = append(rep.Instances, e)
	}

	if kill != nil {
		// nginx keeps a failed server out for fail_timeout; the checks below
		// must reach every instance to mean anything.
		say(fmt.Sprintf("waiting for nginx to send traffic to instance %d again (fail_timeout %s)", victim, c.FailTimeout))
		if n, _ := lab.AwaitRotation(ctx, c.FailTimeout+3*time.Second); n < c.Instances {
			say(fmt.Sprintf("only %d of %d instances answer through nginx; the checks below see only those", n, c.Instances))
		}
	}

	// Sessions: one client, twelve requests, each store.
	say("sessions: one logged-in client, 12 requests, memory store then Redis store")
	if rep.Sessions.Memory, err = lab.CheckSessions(ctx, "memory", 12); err == nil {
		rep.Sessions.Redis, err = lab.CheckSessions(ctx, "redis", 12)
	}
	if err != nil {
		rep.Sessions.Error = err.Error()
	}

	half := max(opts.Duration/2, time.Second)
	if c.Cache != CacheNone {
		say(fmt.Sprintf("cache baseline: the same endpoint without a cache for %s", half))
		var base *LoadReport
		err := lab.SetCache(CacheNone)
		if err == nil {
			base, err = lab.RunLoad(ctx, LoadOptions{Workload: WorkloadProduct, Duration: half, Connections: opts.Connections})
		}
		if restore := lab.SetCache(c.Cache); err == nil {
			err = restore
		}
		if err == nil {
			rep.Cache.BaselineP50MS = ms(base.Result.Latency.P50)
			say(fmt.Sprintf("stale reads: change a price through one instance, read it back through nginx (%s cache)", c.Cache))
			rep.Cache.Stale, err = lab.CheckStaleReads(ctx, c.Cache, 6*c.Instances*c.Workers)
		}
		if err != nil {
			rep.Cache.Error = err.Error()
		}
	}

	rep.Queue = QueueReport{Enabled: cfg.Queue, Workers: c.QueueWorkers}
	if cfg.Queue {
		if err := runQueuePhases(ctx, lab, half, opts.Connections, &rep.Queue, say); err != nil {
			rep.Queue.Error = err.Error()
		}
	}
	final := lab.Snapshot()
	rep.Queue.Enqueued, rep.Queue.Processed, rep.Queue.Depth = final.Queue.Enqueued, final.Queue.Processed, final.Queue.Depth
	for i, in := range final.Instances {
		rep.Instances[i].Healthy, rep.Instances[i].Alive, rep.Instances[i].MarkedDown = in.Healthy, in.Alive, in.MarkedDown
	}
	rep.Warnings = lab.Warnings()
	rep.Events = lab.Events()
	rep.PIDs = lab.PIDs()
	return rep, nil
}

// runQueuePhases runs /report inline, then queued (capped at what the
// background workers clear in about three seconds), then waits for the drain.
func runQueuePhases(ctx context.Context, lab *Lab, d time.Duration, conns int, q *QueueReport, say func(string)) error {
	c := lab.Config()
	say(fmt.Sprintf("heavy work inline: POST /report?mode=inline for %s", d))
	lab.SetQueue(false)
	inline, err := lab.RunLoad(ctx, LoadOptions{Workload: WorkloadReport, Duration: d, Connections: conns})
	if err != nil {
		return err
	}
	q.Inline = phase(inline.Result)
	perSecond := int64(c.QueueWorkers) * int64(time.Second/c.JobCost)
	capJobs := perSecond * 3
	say(fmt.Sprintf("heavy work queued: POST /report?mode=queue for %s (at most %d jobs)", d, capJobs))
	lab.SetQueue(true)
	var maxDepth atomic.Int64
	queued, err := lab.RunLoad(ctx, LoadOptions{
		Workload: WorkloadReport, Duration: d, MaxRequests: capJobs, Connections: conns,
		SampleEvery: 250 * time.Millisecond,
		OnSample: func(load.Sample) {
			if dep := lab.Snapshot().Queue.Depth; dep > maxDepth.Load() {
				maxDepth.Store(dep)
			}
		},
	})
	if err != nil {
		return err
	}
	q.Queued = phase(queued.Result)
	q.MaxDepth = max(maxDepth.Load(), lab.Snapshot().Queue.Depth)
	say(fmt.Sprintf("waiting for %d background workers to drain the queue", c.QueueWorkers))
	took, err := lab.WaitQueueDrained(ctx, 30*time.Second)
	q.DrainMS = ms(took)
	return err
}
