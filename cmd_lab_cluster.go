package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/load"
)

// clusterLabOptions are the flags of `nodedive lab cluster`, as typed.
type clusterLabOptions struct {
	workers      int
	sched        string
	runtime      string
	duration     string
	requests     int64
	connections  int
	keepAlive    bool
	killAfter    string
	restartAfter string
	port         int
	asJSON       bool
}

// clusterLabPlan is the options checked and parsed.
type clusterLabPlan struct {
	cfg          cluster.Config
	duration     time.Duration
	requests     int64
	connections  int
	keepAlive    bool
	killAfter    time.Duration
	restartAfter time.Duration
	kill         bool // --kill-worker given
	restart      bool // --rolling-restart given
	asJSON       bool
}

func newLabClusterCmd() *cobra.Command {
	var o clusterLabOptions
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "A real multi-process cluster on one port, under load, with crashes and rolling restarts",
		Long: "Starts a cluster of N worker processes serving one loopback port, the way Node's cluster module\n" +
			"does (lesson q14), sends it load, injects the faults you ask for, shuts it down gracefully and\n" +
			"reports who served what, the latency, the errors and the life-cycle events.\n\n" +
			"--runtime go re-executes nodedive as the workers; --runtime node runs the lesson's JavaScript\n" +
			"server (cluster.isPrimary) on your node. --sched rr has the primary accept every connection and\n" +
			"hand it to the next worker; --sched none lets the workers accept on a shared socket.\n" +
			"Without --keepalive every request is a new connection (watch the even split); with it each\n" +
			"connection sticks to one worker (connections are balanced, not requests).",
		Example: "  nodedive lab cluster\n" +
			"  nodedive lab cluster --keepalive --connections 3\n" +
			"  nodedive lab cluster --sched none\n" +
			"  nodedive lab cluster --kill-worker 2s --duration 6s\n" +
			"  nodedive lab cluster --runtime node --rolling-restart 2s --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			plan, err := o.plan()
			if err != nil {
				return err
			}
			return runClusterLab(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), plan)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.workers, "workers", 2, fmt.Sprintf("worker processes (1-%d)", cluster.MaxWorkers))
	f.StringVar(&o.sched, "sched", "rr", "scheduling policy: rr (primary hands out connections) or none (workers accept)")
	f.StringVar(&o.runtime, "runtime", "go", "go (nodedive workers) or node (the lesson's JavaScript cluster)")
	f.StringVar(&o.duration, "duration", "5s", "how long the load runs (e.g. 5s, 1m)")
	f.Int64Var(&o.requests, "requests", 1_000_000, "stop the load after this many requests")
	f.IntVar(&o.connections, "connections", 8, fmt.Sprintf("concurrent client connections (1-%d)", load.MaxConnections))
	f.BoolVar(&o.keepAlive, "keepalive", false, "reuse each client connection (shows that connections, not requests, are balanced)")
	f.StringVar(&o.killAfter, "kill-worker", "", "SIGKILL a worker this long into the load (e.g. 2s); the primary respawns it")
	f.StringVar(&o.restartAfter, "rolling-restart", "", "start a rolling restart this long into the load (e.g. 2s)")
	f.IntVar(&o.port, "port", 0, "port on 127.0.0.1 (0 picks a free one)")
	f.BoolVar(&o.asJSON, "json", false, "print one JSON object instead of the report")
	return cmd
}

// plan checks every option before anything starts.
func (o clusterLabOptions) plan() (*clusterLabPlan, error) {
	rt, err := cluster.ParseRuntime(o.runtime)
	if err != nil {
		return nil, fmt.Errorf("--runtime: %w", err)
	}
	policy, err := cluster.ParsePolicy(o.sched)
	if err != nil {
		return nil, fmt.Errorf("--sched: %w", err)
	}
	if o.workers < 1 || o.workers > cluster.MaxWorkers {
		return nil, fmt.Errorf("--workers must be between 1 and %d, got %d", cluster.MaxWorkers, o.workers)
	}
	if o.connections < 1 || o.connections > load.MaxConnections {
		return nil, fmt.Errorf("--connections must be between 1 and %d, got %d", load.MaxConnections, o.connections)
	}
	if o.requests < 1 {
		return nil, fmt.Errorf("--requests must be at least 1, got %d", o.requests)
	}
	p := &clusterLabPlan{
		requests: o.requests, connections: o.connections, keepAlive: o.keepAlive, asJSON: o.asJSON,
		cfg: cluster.Config{Runtime: rt, Policy: policy, Workers: o.workers, Port: o.port},
	}
	if p.duration, err = parseLabDuration("--duration", o.duration); err != nil {
		return nil, err
	}
	if p.duration <= 0 || p.duration > load.MaxDuration {
		return nil, fmt.Errorf("--duration must be more than 0 and at most %v, got %v", load.MaxDuration, p.duration)
	}
	for _, fault := range []struct {
		flag, value string
		into        *time.Duration
		set         *bool
	}{{"--kill-worker", o.killAfter, &p.killAfter, &p.kill}, {"--rolling-restart", o.restartAfter, &p.restartAfter, &p.restart}} {
		if fault.value == "" {
			continue
		}
		d, err := parseLabDuration(fault.flag, fault.value)
		if err != nil {
			return nil, err
		}
		if d < 0 || d >= p.duration {
			return nil, fmt.Errorf("%s %v must fall inside the load's --duration %v", fault.flag, d, p.duration)
		}
		*fault.into, *fault.set = d, true
	}
	if rt == cluster.RuntimeNode {
		if _, err := noderun.Find(""); err != nil {
			return nil, fmt.Errorf("--runtime node: %w (or use --runtime go, which needs nothing else)", err)
		}
	}
	if err := p.cfg.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func parseLabDuration(flag, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a duration: write a number with a unit, like 500ms, 5s or 1m30s", flag, s)
	}
	return d, nil
}

// clusterLabReport is what a run measured; it is also the --json object.
type clusterLabReport struct {
	Runtime     cluster.Runtime `json:"runtime"`
	Policy      cluster.Policy  `json:"policy"`
	Workers     []labWorker     `json:"workers"`
	WorkerCount int             `json:"workers_configured"`
	Port        int             `json:"port"`
	PrimaryPID  int             `json:"primary_pid"`
	Connections int             `json:"connections"`
	KeepAlive   bool            `json:"keepalive"`
	DurationS   float64         `json:"duration_s"`

	Requests     int64             `json:"requests"`
	Successes    int64             `json:"successes"`
	Errors       int64             `json:"errors"`
	ErrorsByKind map[string]int64  `json:"errors_by_kind"`
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	StatusCodes  map[int]int64     `json:"status_codes"`
	RPS          float64           `json:"rps"`
	LatencyMS    labLatency        `json:"latency_ms"`

	Respawns       int             `json:"respawns"`
	Restarts       int             `json:"restarts"`
	Kill           *labKill        `json:"kill,omitempty"`
	RollingRestart *labRestart     `json:"rolling_restart,omitempty"`
	Events         []cluster.Event `json:"events"`
	Samples        []labSample     `json:"samples"`
	Error          string          `json:"error,omitempty"`

	start time.Time
}

type labWorker struct {
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
	Exit             string  `json:"exit"`
}

type labLatency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

type labKill struct {
	AfterS      float64 `json:"after_s"`
	Worker      int     `json:"worker"`
	PID         int     `json:"pid"`
	RespawnedAs int     `json:"respawned_as,omitempty"`
	RespawnMS   float64 `json:"respawn_ms,omitempty"`
	Error       string  `json:"error,omitempty"`
}

type labRestart struct {
	AfterS float64 `json:"after_s"`
	OK     bool    `json:"ok"`
	TookMS float64 `json:"took_ms"`
	Error  string  `json:"error,omitempty"`
}

type labSample struct {
	T      float64 `json:"t"`
	RPS    float64 `json:"rps"`
	P99MS  float64 `json:"p99_ms"`
	Errors int64   `json:"errors"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func runClusterLab(ctx context.Context, stdout, stderr io.Writer, p *clusterLabPlan) error {
	cfg := p.cfg
	cfg.Log = stderr
	if !p.asJSON {
		fmt.Fprintf(stdout, "Starting a %s cluster: %d workers, policy %s...\n", cfg.Runtime, cfg.Workers, cfg.Policy)
	}
	c, err := cluster.Start(ctx, cfg)
	if err != nil {
		return err
	}
	stopCluster := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return c.Stop(sctx)
	}
	defer func() { _ = stopCluster() }()

	snap := c.Snapshot()
	rep := &clusterLabReport{
		Runtime: cfg.Runtime, Policy: cfg.Policy, WorkerCount: cfg.Workers, Port: snap.Port,
		PrimaryPID: snap.PrimaryPID, Connections: p.connections, KeepAlive: p.keepAlive, start: time.Now(),
	}
	if !p.asJSON {
		fmt.Fprintf(stdout, "Serving %s (primary pid %d). Load: %d connection(s), keep-alive %s, %v (at most %d requests).\n",
			c.URL(), snap.PrimaryPID, p.connections, onOff(p.keepAlive), p.duration, p.requests)
	}

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

	var faults sync.WaitGroup
	var faultMu sync.Mutex
	if p.kill {
		rep.Kill = &labKill{AfterS: p.killAfter.Seconds()}
		faults.Go(func() {
			if !sleepCtx(loadCtx, p.killAfter) {
				return
			}
			faultMu.Lock()
			defer faultMu.Unlock()
			ws := c.Snapshot().Workers
			i := slices.IndexFunc(ws, func(w cluster.WorkerInfo) bool { return w.State == cluster.StateListening })
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
	if p.restart {
		rep.RollingRestart = &labRestart{AfterS: p.restartAfter.Seconds()}
		faults.Go(func() {
			if !sleepCtx(loadCtx, p.restartAfter) {
				return
			}
			start := time.Now()
			rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			err := c.RollingRestart(rctx)
			cancel()
			faultMu.Lock()
			defer faultMu.Unlock()
			rep.RollingRestart.TookMS = ms(time.Since(start))
			rep.RollingRestart.OK = err == nil
			if err != nil {
				rep.RollingRestart.Error = err.Error()
			}
		})
	}

	res, loadErr := load.Run(loadCtx, load.Config{
		URL: c.URL(), Duration: p.duration, MaxRequests: p.requests,
		Connections: p.connections, KeepAlive: p.keepAlive, Timeout: 2 * time.Second,
		OnSample: func(s load.Sample) {
			if !p.asJSON {
				fmt.Fprintf(stdout, "  %5.1fs  %8.0f req/s  p99 %7.2f ms  errors %d\n", s.Elapsed.Seconds(), s.RPS, ms(s.P99), s.Errors)
			}
		},
	})
	// A rolling restart still running finishes before the cluster stops.
	faults.Wait()
	stopErr := stopCluster()

	rep.fill(c, res)
	switch {
	case c.Err() != nil:
		rep.Error = c.Err().Error()
	case ctx.Err() != nil:
		rep.Error = "interrupted: the cluster was shut down gracefully"
	case stopErr != nil:
		rep.Error = stopErr.Error()
	}
	if p.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.print(stdout, p)
	}
	switch {
	case c.Err() != nil:
		return c.Err()
	case ctx.Err() != nil:
		return errors.New(rep.Error)
	case loadErr != nil:
		return loadErr
	}
	return stopErr
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
func (r *clusterLabReport) fill(c *cluster.Cluster, res *load.Result) {
	s := c.Snapshot()
	r.Respawns, r.Restarts = s.Respawns, s.Restarts
	r.Events = c.Events()
	served := map[int]int64{}
	var total int64
	if res != nil {
		r.DurationS = res.Duration.Seconds()
		r.Requests, r.Successes, r.Errors = res.Requests, res.Successes, res.Errors
		r.ErrorsByKind, r.ErrorSamples, r.StatusCodes = res.ErrorsByKind, res.ErrorSamples, res.StatusCodes
		r.RPS = res.RPS
		r.LatencyMS = labLatency{
			P50: ms(res.Latency.P50), P90: ms(res.Latency.P90), P99: ms(res.Latency.P99),
			Max: ms(res.Latency.Max), Mean: ms(res.Latency.Mean),
		}
		for _, w := range res.Workers {
			served[w.PID] = w.Requests
			total += w.Requests
		}
		for _, smp := range res.Samples {
			r.Samples = append(r.Samples, labSample{T: smp.Elapsed.Seconds(), RPS: smp.RPS, P99MS: ms(smp.P99), Errors: smp.Errors})
		}
	}
	all := append(slices.Clone(s.Exited), s.Workers...)
	slices.SortFunc(all, func(a, b cluster.WorkerInfo) int { return a.ID - b.ID })
	for _, w := range all {
		lw := labWorker{
			ID: w.ID, Slot: w.Slot, PID: w.PID, Requests: served[w.PID], ReportedRequests: w.Requests,
			PeakRSS: w.PeakRSS, PeakPrivate: w.PeakPrivate, Exit: exitWords(w),
		}
		if total > 0 {
			lw.Share = float64(lw.Requests) / float64(total)
		}
		r.Workers = append(r.Workers, lw)
	}
	if r.Kill != nil && r.Kill.PID != 0 {
		var killedAt time.Time
		for _, e := range r.Events {
			if e.Kind == cluster.EventKilled && e.WorkerID == r.Kill.Worker {
				killedAt = e.Time
			}
			if e.Kind == cluster.EventRespawned && e.Replaces == r.Kill.Worker {
				r.Kill.RespawnedAs = e.WorkerID
				r.Kill.RespawnMS = ms(e.Time.Sub(killedAt))
			}
		}
	}
}

func exitWords(w cluster.WorkerInfo) string {
	switch {
	case w.State != cluster.StateExited:
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

func (r *clusterLabReport) print(w io.Writer, p *clusterLabPlan) {
	fmt.Fprintf(w, "\nWorkers (%s runtime, policy %s, primary pid %d)\n", r.Runtime, r.Policy, r.PrimaryPID)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tSLOT\tPID\tREQUESTS\tSHARE\tPEAK RSS\tPRIVATE\tEND")
	for _, wk := range r.Workers {
		fmt.Fprintf(tw, "  %d\t%d\t%d\t%d\t%.1f%%\t%s\t%s\t%s\n", wk.ID, wk.Slot, wk.PID, wk.Requests, 100*wk.Share,
			mib(wk.PeakRSS), mib(wk.PeakPrivate), wk.Exit)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nEvents")
	for _, e := range r.Events {
		fmt.Fprintf(w, "  %+8.3fs  %-14s %s\n", e.Time.Sub(r.start).Seconds(), e.Kind, labFirstLine(e.Message))
	}

	fmt.Fprintf(w, "\nLoad: %d requests in %.1fs = %.0f req/s, %d errors\n", r.Requests, r.DurationS, r.RPS, r.Errors)
	fmt.Fprintf(w, "Latency: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n",
		r.LatencyMS.P50, r.LatencyMS.P90, r.LatencyMS.P99, r.LatencyMS.Max)
	if r.Errors > 0 {
		kinds := slices.Sorted(mapKeys(r.ErrorsByKind))
		for _, k := range kinds {
			fmt.Fprintf(w, "  %-10s %d  (e.g. %s)\n", k, r.ErrorsByKind[k], r.ErrorSamples[k])
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "\nThe run ended early: %s\n", r.Error)
	}
	fmt.Fprintln(w, "\nWhat to notice")
	for _, note := range r.notes(p) {
		fmt.Fprintln(w, "  - "+note)
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func labFirstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

func mib(b uint64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// notes says what the learner should take from this run.
func (r *clusterLabReport) notes(p *clusterLabPlan) []string {
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
	case r.Policy == cluster.PolicyNone:
		notes = append(notes, fmt.Sprintf("Policy none (SCHED_NONE): the workers accept on the shared socket and the kernel picks who wins each connection. The split was %s; it is often lopsided, which is why rr is the default.", split))
	case !r.KeepAlive:
		notes = append(notes, fmt.Sprintf("Keep-alive off: every request opened a new connection and the rr primary handed connections to the workers in turn, so the requests split %s.", split))
	default:
		notes = append(notes, fmt.Sprintf("Keep-alive on: %d connection(s) carried all %d requests, and each connection stays with the worker it was handed to. The split (%s) follows the connections, not the requests.", r.Connections, r.Requests, split))
		if r.Connections < r.WorkerCount {
			notes = append(notes, fmt.Sprintf("With fewer connections (%d) than workers (%d), %d worker(s) got no work at all.", r.Connections, r.WorkerCount, r.WorkerCount-busy))
		}
	}
	if k := r.Kill; k != nil && k.PID != 0 {
		n := fmt.Sprintf("Worker %d (pid %d) was killed with SIGKILL %.1fs in: the primary's 'exit' listener saw code null, signal SIGKILL", k.Worker, k.PID, k.AfterS)
		if k.RespawnedAs != 0 {
			n += fmt.Sprintf(", and forked worker %d %.0f ms later", k.RespawnedAs, k.RespawnMS)
		}
		n += fmt.Sprintf(". The other workers kept serving; %d request(s) failed in the whole run (a kill loses the requests in flight on that worker).", r.Errors)
		notes = append(notes, n)
		if r.Runtime == cluster.RuntimeNode && r.ErrorsByKind[load.ErrTimeout] > 0 {
			notes = append(notes, "The timeout: Node's rr primary had already passed that connection to the worker as it died, so nobody answers it and the client waits until it gives up. Clients need timeouts and retries.")
		}
	}
	if rr := r.RollingRestart; rr != nil {
		if rr.OK {
			notes = append(notes, fmt.Sprintf("The rolling restart replaced every worker, one at a time, in %.0f ms (start the new one, wait until it listens, then drain the old one), and %d request(s) failed.", rr.TookMS, r.Errors))
		} else if rr.Error != "" {
			notes = append(notes, "The rolling restart failed: "+labFirstLine(rr.Error)+". The old workers kept serving.")
		}
	}
	if r.Runtime == cluster.RuntimeGo {
		notes = append(notes, "Compare with --runtime node: the same lab on the lesson's JavaScript server (cluster.isPrimary).")
	}
	return notes
}
