package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/load"
)

// RunConfig describes a headless run of the cluster lab: the cluster, the
// load sent to it and the faults injected during the load. It is what
// `nodedive lab cluster` runs.
type RunConfig struct {
	Cluster Config
	// Duration bounds the load (at most load.MaxDuration); default 5s.
	Duration time.Duration
	// Requests stops the load after this many; default 1,000,000.
	Requests int64
	// Connections is the number of concurrent client connections
	// (1..load.MaxConnections); default 8.
	Connections int
	// KeepAlive reuses each client connection, which shows that the
	// cluster balances connections, not requests.
	KeepAlive bool
	// KillWorker SIGKILLs a listening worker KillAfter into the load.
	KillWorker bool
	KillAfter  time.Duration
	// RollingRestart starts a rolling restart RestartAfter into the load.
	RollingRestart bool
	RestartAfter   time.Duration
	// Progress hears what happens as it happens (start, one line per
	// second of load).
	Progress func(string)
}

func (rc RunConfig) withDefaults() RunConfig {
	if rc.Duration == 0 {
		rc.Duration = 5 * time.Second
	}
	if rc.Requests == 0 {
		rc.Requests = 1_000_000
	}
	if rc.Connections == 0 {
		rc.Connections = 8
	}
	return rc
}

// Validate checks rc (the cluster included) without starting anything.
func (rc RunConfig) Validate() error {
	rc = rc.withDefaults()
	if rc.Duration < 0 || rc.Duration > load.MaxDuration {
		return fmt.Errorf("the load's duration must be more than 0 and at most %v, got %v", load.MaxDuration, rc.Duration)
	}
	if rc.Requests < 1 {
		return fmt.Errorf("the load needs at least 1 request, got %d", rc.Requests)
	}
	if rc.Connections < 1 || rc.Connections > load.MaxConnections {
		return fmt.Errorf("connections must be between 1 and %d, got %d", load.MaxConnections, rc.Connections)
	}
	for _, f := range []struct {
		name string
		on   bool
		at   time.Duration
	}{{"the worker kill", rc.KillWorker, rc.KillAfter}, {"the rolling restart", rc.RollingRestart, rc.RestartAfter}} {
		if f.on && (f.at < 0 || f.at >= rc.Duration) {
			return fmt.Errorf("%s at %v must fall inside the load's %v", f.name, f.at, rc.Duration)
		}
	}
	if rc.Cluster.Node != "" && rc.Cluster.Runtime != RuntimeNode {
		return errors.New("a node executable only matters to the node runtime: the go runtime runs no node")
	}
	return rc.Cluster.Validate()
}

// Report is what a headless run measured; its JSON is what `nodedive lab
// cluster --json` prints.
type Report struct {
	Runtime Runtime `json:"runtime"`
	// Node is the node that ran the Node runtime.
	Node        *noderun.Info `json:"node,omitempty"`
	Policy      Policy        `json:"policy"`
	URL         string        `json:"url"`
	Workers     []WorkerEntry `json:"workers"`
	WorkerCount int           `json:"workers_configured"`
	Port        int           `json:"port"`
	PrimaryPID  int           `json:"primary_pid"`
	Connections int           `json:"connections"`
	// Dials is how many connections the clients really opened: more than
	// Connections with keep-alive on when a worker closed one (drained,
	// killed) and its client reconnected.
	Dials     int64 `json:"dials"`
	KeepAlive bool  `json:"keepalive"`
	// Started is when the load began; event times are relative to it in
	// the text report.
	Started   time.Time `json:"started"`
	DurationS float64   `json:"duration_s"`

	Requests     int64             `json:"requests"`
	Successes    int64             `json:"successes"`
	Errors       int64             `json:"errors"`
	ErrorsByKind map[string]int64  `json:"errors_by_kind"`
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	StatusCodes  map[int]int64     `json:"status_codes"`
	RPS          float64           `json:"rps"`
	LatencyMS    LatencyMS         `json:"latency_ms"`

	Respawns       int            `json:"respawns"`
	Restarts       int            `json:"restarts"`
	Kill           *KillReport    `json:"kill,omitempty"`
	RollingRestart *RestartReport `json:"rolling_restart,omitempty"`
	Events         []Event        `json:"events"`
	Samples        []SampleEntry  `json:"samples"`
	// Notes say what the learner should take from this run.
	Notes []string `json:"notes"`
	// Error says why the run ended early (a crash loop, an interrupt).
	Error string `json:"error,omitempty"`
}

// WorkerEntry is one worker process of the run, live or exited.
type WorkerEntry struct {
	ID   int `json:"id"`
	Slot int `json:"slot"`
	PID  int `json:"pid"`
	// Requests are the responses the load generator got from this pid
	// (X-Worker-Pid); ReportedRequests what the worker told the primary.
	Requests         int64   `json:"requests"`
	ReportedRequests uint64  `json:"reported_requests"`
	Share            float64 `json:"share"`
	PeakRSS          uint64  `json:"peak_rss_bytes"`
	PeakPrivate      uint64  `json:"peak_private_bytes"`
	// End is how the worker ended, in words ("drained", "killed by
	// SIGKILL"), or its state if it was still running.
	End string `json:"exit"`
}

// LatencyMS is a latency summary in milliseconds.
type LatencyMS struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// KillReport is the injected worker kill.
type KillReport struct {
	AfterS      float64 `json:"after_s"`
	Worker      int     `json:"worker"`
	PID         int     `json:"pid"`
	RespawnedAs int     `json:"respawned_as,omitempty"`
	RespawnMS   float64 `json:"respawn_ms,omitempty"`
	Error       string  `json:"error,omitempty"`
}

// RestartReport is the injected rolling restart.
type RestartReport struct {
	AfterS float64 `json:"after_s"`
	OK     bool    `json:"ok"`
	TookMS float64 `json:"took_ms"`
	Error  string  `json:"error,omitempty"`
}

// SampleEntry is one second of load.
type SampleEntry struct {
	T      float64 `json:"t"`
	RPS    float64 `json:"rps"`
	P99MS  float64 `json:"p99_ms"`
	Errors int64   `json:"errors"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Run starts a cluster, loads it, injects the faults, stops it gracefully
// and reports. Once the cluster has started the report is returned even
// when the run ended early; the error then says why (and Report.Error too).
func Run(ctx context.Context, rc RunConfig) (*Report, error) {
	rc = rc.withDefaults()
	if err := rc.Validate(); err != nil {
		return nil, err
	}
	say := func(format string, args ...any) {
		if rc.Progress != nil {
			rc.Progress(fmt.Sprintf(format, args...))
		}
	}
	cfg := rc.Cluster.withDefaults()
	var node *noderun.Info
	if cfg.Runtime == RuntimeNode {
		info, err := noderun.Identify(ctx, cfg.Node)
		if err != nil {
			return nil, err
		}
		cfg.Node, node = info.Path, &info
		say("Starting a node cluster on %s: %d workers, policy %s...", info, cfg.Workers, cfg.Policy)
	} else {
		say("Starting a go cluster: %d workers, policy %s...", cfg.Workers, cfg.Policy)
	}
	c, err := Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	stop := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return c.Stop(sctx)
	}
	defer func() { _ = stop() }()

	snap := c.Snapshot()
	rep := &Report{
		Runtime: cfg.Runtime, Node: node, Policy: cfg.Policy, URL: c.URL(), WorkerCount: cfg.Workers, Port: snap.Port,
		PrimaryPID: snap.PrimaryPID, Connections: rc.Connections, KeepAlive: rc.KeepAlive, Started: time.Now(),
	}
	say("Serving %s (primary pid %d). Load: %d connection(s), keep-alive %s, %v (at most %d requests).",
		c.URL(), snap.PrimaryPID, rc.Connections, onOff(rc.KeepAlive), rc.Duration, rc.Requests)

	// The load stops early if the cluster dies (a crash loop).
	loadCtx, cancelLoad := context.WithCancel(ctx)
	defer cancelLoad()
	go func() {
		select {
		case <-c.Done():
			cancelLoad()
		case <-loadCtx.Done():
		}
	}()
	faults := injectFaults(ctx, loadCtx, c, rc, rep)
	res, loadErr := load.Run(loadCtx, load.Config{
		URL: c.URL(), Duration: rc.Duration, MaxRequests: rc.Requests,
		Connections: rc.Connections, KeepAlive: rc.KeepAlive, Timeout: 2 * time.Second,
		OnSample: func(s load.Sample) {
			say("  %5.1fs  %8.0f req/s  p99 %7.2f ms  errors %d", s.Elapsed.Seconds(), s.RPS, ms(s.P99), s.Errors)
		},
	})
	// A rolling restart still running finishes before the cluster stops.
	faults.Wait()
	stopErr := stop()

	rep.fill(c, res)
	rep.Notes = rep.notes()
	switch {
	case c.Err() != nil:
		rep.Error = c.Err().Error()
		return rep, c.Err()
	case ctx.Err() != nil:
		rep.Error = "interrupted: the cluster was shut down gracefully"
		return rep, errors.New(rep.Error)
	case loadErr != nil:
		return rep, loadErr
	case stopErr != nil:
		rep.Error = stopErr.Error()
		return rep, stopErr
	}
	return rep, nil
}

// injectFaults schedules the kill and the rolling restart rc asks for,
// writing their outcome into rep; the WaitGroup ends when both are done.
func injectFaults(ctx, loadCtx context.Context, c *Cluster, rc RunConfig, rep *Report) *sync.WaitGroup {
	var faults sync.WaitGroup
	var mu sync.Mutex
	if rc.KillWorker {
		rep.Kill = &KillReport{AfterS: rc.KillAfter.Seconds()}
		faults.Go(func() {
			if !sleepCtx(loadCtx, rc.KillAfter) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ws := c.Snapshot().Workers
			i := slices.IndexFunc(ws, func(w WorkerInfo) bool { return w.State == StateListening })
			if i < 0 {
				rep.Kill.Error = "no listening worker to kill"
				return
			}
			rep.Kill.Worker, rep.Kill.PID = ws[i].ID, ws[i].PID
			if err := c.KillWorker(ws[i].ID); err != nil {
				rep.Kill.Error = err.Error()
			}
		})
	}
	if rc.RollingRestart {
		rep.RollingRestart = &RestartReport{AfterS: rc.RestartAfter.Seconds()}
		faults.Go(func() {
			if !sleepCtx(loadCtx, rc.RestartAfter) {
				return
			}
			start := time.Now()
			// The run's ctx, not the load's: a restart under way when the
			// load ends finishes before the cluster stops.
			rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			err := c.RollingRestart(rctx)
			cancel()
			mu.Lock()
			defer mu.Unlock()
			rep.RollingRestart.TookMS = ms(time.Since(start))
			rep.RollingRestart.OK = err == nil
			if err != nil {
				rep.RollingRestart.Error = err.Error()
			}
		})
	}
	return &faults
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// fill turns the load result and the stopped cluster's records into the
// report.
func (r *Report) fill(c *Cluster, res *load.Result) {
	s := c.Snapshot()
	r.Respawns, r.Restarts = s.Respawns, s.Restarts
	r.Events = c.Events()
	served := map[int]int64{}
	var total int64
	if res != nil {
		r.DurationS = res.Duration.Seconds()
		r.Requests, r.Successes, r.Errors = res.Requests, res.Successes, res.Errors
		r.Dials = res.Dials
		r.ErrorsByKind, r.ErrorSamples, r.StatusCodes = res.ErrorsByKind, res.ErrorSamples, res.StatusCodes
		r.RPS = res.RPS
		r.LatencyMS = LatencyMS{
			P50: ms(res.Latency.P50), P90: ms(res.Latency.P90), P99: ms(res.Latency.P99),
			Max: ms(res.Latency.Max), Mean: ms(res.Latency.Mean),
		}
		for _, w := range res.Workers {
			served[w.PID] = w.Requests
			total += w.Requests
		}
		for _, smp := range res.Samples {
			r.Samples = append(r.Samples, SampleEntry{T: smp.Elapsed.Seconds(), RPS: smp.RPS, P99MS: ms(smp.P99), Errors: smp.Errors})
		}
	}
	all := append(slices.Clone(s.Exited), s.Workers...)
	slices.SortFunc(all, func(a, b WorkerInfo) int { return a.ID - b.ID })
	for _, w := range all {
		e := WorkerEntry{
			ID: w.ID, Slot: w.Slot, PID: w.PID, Requests: served[w.PID], ReportedRequests: w.Requests,
			PeakRSS: w.PeakRSS, PeakPrivate: w.PeakPrivate, End: endWords(w),
		}
		if total > 0 {
			e.Share = float64(e.Requests) / float64(total)
		}
		r.Workers = append(r.Workers, e)
	}
	if r.Kill != nil && r.Kill.PID != 0 {
		var killedAt time.Time
		for _, e := range r.Events {
			if e.Kind == EventKilled && e.WorkerID == r.Kill.Worker {
				killedAt = e.Time
			}
			if e.Kind == EventRespawned && e.Replaces == r.Kill.Worker {
				r.Kill.RespawnedAs = e.WorkerID
				r.Kill.RespawnMS = ms(e.Time.Sub(killedAt))
			}
		}
	}
}

func endWords(w WorkerInfo) string {
	switch {
	case w.State != StateExited:
		return string(w.State)
	case w.Planned:
		return "drained"
	case w.Signal != "":
		return "killed by " + w.Signal
	case w.ExitCode != nil:
		return fmt.Sprintf("died, code %d", *w.ExitCode)
	}
	return "died"
}

// firstLine is the first line of an error or event message.
func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// notes says what the learner should take from this run.
func (r *Report) notes() []string {
	var notes []string
	var shares []string
	busy := 0
	for _, wk := range r.Workers {
		if wk.Requests > 0 {
			busy++
			shares = append(shares, fmt.Sprintf("%.0f%%", 100*wk.Share))
		}
	}
	split := strings.Join(shares, " / ")
	switch {
	case r.Policy == PolicyNone:
		notes = append(notes, fmt.Sprintf("Policy none (SCHED_NONE): the workers accept on the shared socket and the kernel picks who wins each connection. The split was %s; it is often lopsided, which is why rr is the default.", split))
	case !r.KeepAlive:
		notes = append(notes, fmt.Sprintf("Keep-alive off: every request opened a new connection and the rr primary handed connections to the workers in turn, so the requests split %s.", split))
	default:
		carried := fmt.Sprintf("%d connection(s) carried all %d requests", r.Connections, r.Requests)
		if reopened := r.Dials - int64(r.Connections); reopened > 0 {
			carried = fmt.Sprintf("%d client(s) opened %d connections for %d requests (%d reopened after one closed)", r.Connections, r.Dials, r.Requests, reopened)
		}
		notes = append(notes, fmt.Sprintf("Keep-alive on: %s, and each connection stays with the worker it was handed to. The split (%s) follows the connections, not the requests.", carried, split))
		switch {
		case r.Connections >= r.WorkerCount:
		case busy < r.WorkerCount:
			notes = append(notes, fmt.Sprintf("With fewer connections (%d) than workers (%d), %d worker(s) got no work at all.", r.Connections, r.WorkerCount, r.WorkerCount-busy))
		default:
			notes = append(notes, fmt.Sprintf("With fewer connections (%d) than workers (%d), every worker got work only because connections were reopened and handed to the next worker in turn.", r.Connections, r.WorkerCount))
		}
	}
	if k := r.Kill; k != nil && k.PID != 0 {
		n := fmt.Sprintf("Worker %d (pid %d) was killed with SIGKILL %.1fs in: the primary's 'exit' listener saw code null, signal SIGKILL", k.Worker, k.PID, k.AfterS)
		if k.RespawnedAs != 0 {
			n += fmt.Sprintf(", and forked worker %d %.0f ms later", k.RespawnedAs, k.RespawnMS)
		}
		n += fmt.Sprintf(". The other workers kept serving; %d request(s) failed in the whole run (a kill loses the requests in flight on that worker).", r.Errors)
		notes = append(notes, n)
		if r.Runtime == RuntimeNode && r.ErrorsByKind[load.ErrTimeout] > 0 {
			notes = append(notes, "The timeout: Node's rr primary had already passed that connection to the worker as it died, so nobody answers it and the client waits until it gives up. Clients need timeouts and retries.")
		}
	}
	if rr := r.RollingRestart; rr != nil {
		if rr.OK {
			notes = append(notes, fmt.Sprintf("The rolling restart replaced every worker, one at a time, in %.0f ms (start the new one, wait until it listens, then drain the old one), and %d request(s) failed.", rr.TookMS, r.Errors))
		} else if rr.Error != "" {
			notes = append(notes, "The rolling restart failed: "+firstLine(rr.Error)+". The old workers kept serving.")
		}
	}
	if r.Runtime == RuntimeGo {
		notes = append(notes, "Compare with --runtime node: the same lab on the lesson's JavaScript server (cluster.isPrimary).")
	}
	return notes
}
