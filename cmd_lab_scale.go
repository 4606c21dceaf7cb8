package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/scale"
)

// scaleLabOptions are the flags of `nodedive lab scale`, as typed.
type scaleLabOptions struct {
	instances   int
	workers     int
	runtime     string
	node        string
	lb          string
	cache       string
	queue       bool
	duration    string
	connections int
	killAfter   string
	port        int
	netns       bool
	asJSON      bool
}

func newLabScaleCmd() *cobra.Command {
	var o scaleLabOptions
	cmd := &cobra.Command{
		Use:   "scale",
		Short: "Several instances behind a real nginx, with Redis for sessions, cache and a job queue",
		Long: "Starts N instances (each a cluster, in its own process on its own loopback port), a real nginx\n" +
			"in front of them and a throw-away redis-server behind them (or REDIS_URL), then runs the\n" +
			"lesson's scaling strategies (lesson q13) and reports what happened:\n\n" +
			"  load balancing   requests per instance through nginx; --lb switches the method,\n" +
			"                   --kill-instance kills one under load (nginx routes around it, then takes it back)\n" +
			"  sessions         the same logged-in client with memory sessions and with Redis sessions\n" +
			"  caching          GET /product with --cache none, local (per process) or redis: hit ratio,\n" +
			"                   latency, and stale reads after a write\n" +
			"  message queue    --queue: heavy work in the request versus a Redis stream and background workers\n\n" +
			"Needs nginx and redis-server (apt install nginx redis-server). Everything the lab starts is\n" +
			"stopped when it ends, however it ends.",
		Example: "  nodedive lab scale\n" +
			"  nodedive lab scale --kill-instance 1s\n" +
			"  nodedive lab scale --lb least-conn --cache redis\n" +
			"  nodedive lab scale --cache local\n" +
			"  nodedive lab scale --queue --duration 4s\n" +
			"  nodedive lab scale --runtime node --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rc, err := o.plan(cmd.Context())
			if err != nil {
				return err
			}
			if rc.Lab.Runtime == cluster.RuntimeNode {
				warnAboutNode(cmd.Context(), cmd.ErrOrStderr(), rc.Lab.Node)
			}
			return runScaleLab(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), rc, o.asJSON)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.instances, "instances", 3, fmt.Sprintf("instances behind nginx (1-%d)", scale.MaxInstances))
	f.IntVar(&o.workers, "workers", 2, fmt.Sprintf("cluster workers per instance (1-%d)", scale.MaxWorkers))
	f.StringVar(&o.runtime, "runtime", "go", "go (nodedive clusters) or node (the Node app under node:cluster)")
	addNodeFlag(f, &o.node)
	f.StringVar(&o.lb, "lb", "round-robin", "nginx balancing: round-robin, least-conn or ip-hash")
	f.StringVar(&o.cache, "cache", "none", "cache for the slow endpoint: none, local (per process) or redis")
	f.BoolVar(&o.queue, "queue", false, "compare heavy work in the request with a Redis-stream job queue")
	f.StringVar(&o.duration, "duration", "5s", "main load phase (comparison phases take half each)")
	f.IntVar(&o.connections, "connections", 8, "concurrent client connections (1-256)")
	f.StringVar(&o.killAfter, "kill-instance", "", "SIGKILL instance 2 this long into the load, revive it halfway through the rest")
	f.IntVar(&o.port, "port", 0, "nginx's port on 127.0.0.1 (0 picks a free one)")
	f.BoolVar(&o.netns, "netns", false, "run each instance in its own network namespace (root only)")
	f.BoolVar(&o.asJSON, "json", false, "print one JSON object instead of the report")
	return cmd
}

// plan checks every option before anything starts and turns them into the
// lab's run configuration.
func (o scaleLabOptions) plan(ctx context.Context) (scale.RunConfig, error) {
	var run scale.RunConfig
	rt, err := cluster.ParseRuntime(o.runtime)
	if err != nil {
		return run, fmt.Errorf("--runtime: %w", err)
	}
	lb, err := nginx.ParseBalancing(o.lb)
	if err != nil {
		return run, fmt.Errorf("--lb: %w", err)
	}
	cache, err := scale.ParseCacheMode(o.cache)
	if err != nil {
		return run, fmt.Errorf("--cache: %w", err)
	}
	if o.instances < 1 || o.instances > scale.MaxInstances {
		return run, fmt.Errorf("--instances must be between 1 and %d, got %d", scale.MaxInstances, o.instances)
	}
	if o.workers < 1 || o.workers > scale.MaxWorkers {
		return run, fmt.Errorf("--workers must be between 1 and %d, got %d", scale.MaxWorkers, o.workers)
	}
	if o.connections < 1 || o.connections > 256 {
		return run, fmt.Errorf("--connections must be between 1 and 256, got %d", o.connections)
	}
	if run.Duration, err = scaleDuration("--duration", o.duration); err != nil {
		return run, err
	}
	if run.Duration < time.Second || run.Duration > 2*time.Minute {
		return run, fmt.Errorf("--duration must be between 1s and 2m, got %v", run.Duration)
	}
	if o.killAfter != "" {
		if run.KillAfter, err = scaleDuration("--kill-instance", o.killAfter); err != nil {
			return run, err
		}
		if run.KillAfter <= 0 || run.KillAfter >= run.Duration {
			return run, fmt.Errorf("--kill-instance %v must fall inside the load's --duration %v", run.KillAfter, run.Duration)
		}
	}
	run.Connections = o.connections
	run.Lab = scale.Config{
		Instances: o.instances, Workers: o.workers, Runtime: rt, Balancing: lb, Cache: cache, Queue: o.queue,
		Port: o.port, NetNS: o.netns, RedisURL: os.Getenv("REDIS_URL"), CacheDir: dirs().Cache,
	}
	if err := planNode(ctx, rt == cluster.RuntimeNode, o.node, &run.Lab.Node); err != nil {
		return run, err
	}
	if _, err := nginx.Find(); err != nil {
		return run, fmt.Errorf("%w (Debian/Ubuntu: apt install nginx redis-server)", err)
	}
	if run.Lab.RedisURL == "" {
		if _, err := findRedisServer(); err != nil {
			return run, err
		}
	}
	return run, run.Lab.Validate()
}

func findRedisServer() (string, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("redis-server was not found on PATH: install it (Debian/Ubuntu: apt install nginx redis-server), " +
			"or point the lab at a running Redis with REDIS_URL=redis://127.0.0.1:6379")
	}
	return path, nil
}

func scaleDuration(flag, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a duration: write a number with a unit, like 500ms, 5s or 1m", flag, s)
	}
	return d, nil
}

func runScaleLab(ctx context.Context, stdout, stderr io.Writer, run scale.RunConfig, asJSON bool) error {
	run.Progress = func(msg string) { fmt.Fprintln(stderr, "· "+msg) }
	rep, err := scale.Run(ctx, run)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: the lab stopped nginx, Redis and every instance it had started (%w)", err)
		}
		return err
	}
	if asJSON {
		return printLabJSON(stdout, rep)
	}
	printScaleReport(stdout, rep)
	return nil
}

func printScaleReport(w io.Writer, r *scale.Report) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("Scaling lab (lesson q13): %d instances × %d %s workers behind nginx (%s) at %s", len(r.Instances), r.WorkersPerInstance, r.Runtime, r.Balancing, r.URL)
	if r.Node != nil {
		p("The instances' clusters ran on %s.", r.Node)
	}
	for _, warn := range r.Warnings {
		p("! %s", warn)
	}
	if r.NetNS {
		p("Each instance ran in its own network namespace: nginx reached it across a veth link.")
	}
	p("")
	p("Load balancing — %s", r.Workload)
	p("  %d requests, %d errors, %.0f req/s, latency p50 %.1f ms, p99 %.1f ms", r.Requests, r.Errors, r.RPS, r.Latency.P50, r.Latency.P99)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  instance\taddress\trequests\tshare\tat the end\tworkers (pid: responses)")
	for _, in := range r.Instances {
		share := 0.0
		if r.Requests > 0 {
			share = 100 * float64(in.Requests) / float64(r.Requests)
		}
		state := "serving"
		switch {
		case !in.Alive:
			state = "dead"
		case in.MarkedDown:
			state = "left out by nginx"
		}
		var ws []string
		for _, wk := range in.Workers {
			ws = append(ws, fmt.Sprintf("%d: %d", wk.PID, wk.Requests))
		}
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%.0f%%\t%s\t%s\n", in.ID, in.Addr, in.Requests, share, state, strings.Join(ws, ", "))
	}
	tw.Flush()
	switch r.Balancing {
	case string(nginx.IPHash):
		p("  Notice: ip_hash hashes the client address, and every client here is 127.0.0.1, so one instance")
		p("  took everything: sticky, but uneven. (q13 table, \"Load balancing\".)")
	case string(nginx.LeastConn):
		p("  Notice: least_conn sends each request to the instance with the fewest open requests; with equal")
		p("  instances it looks like round-robin, and it pulls ahead when some requests are slow. (q13, \"Load balancing\".)")
	default:
		p("  Notice: nginx picks an instance per request, even over one kept-alive client connection, so the")
		p("  shares are close to equal; inside each instance the cluster spreads connections over its workers.")
		p("  (q13 table, \"Load balancing\"; try --lb least-conn or --lb ip-hash.)")
	}
	if k := r.Kill; k != nil {
		p("")
		p("Instance %d killed (SIGKILL) %.1fs into the load", k.Instance, k.KilledAtMS/1000)
		if k.MarkedDown {
			p("  nginx's passive health check (max_fails/fail_timeout) marked it down and sent it nothing for a while.")
		} else {
			p("  nginx did not log it as down: it saw fewer than max_fails failures in the window.")
		}
		p("  %d requests failed: nginx passes a GET that failed on a dead instance to the next one (proxy_next_upstream).", k.Errors)
		switch {
		case k.ReviveError != "":
			p("  Reviving it failed: %s", k.ReviveError)
		case k.RevivedAtMS > 0 && k.Rejoined:
			p("  Revived at %.1fs; after fail_timeout nginx tried it again, it answered, and it is back in rotation.", k.RevivedAtMS/1000)
		case k.RevivedAtMS > 0:
			p("  Revived at %.1fs; nginx had not retried it before the load ended (it waits fail_timeout first).", k.RevivedAtMS/1000)
		}
	}
	p("")
	p("Sessions — one logged-in client, %d requests through nginx (q13: \"keep instances stateless\")", sessionRequests(r))
	if s := r.Sessions.Memory; s != nil {
		p("  memory: %d of %d requests knew the session, %d got 401 (answered by %d instances, %d processes).", s.OK, s.Requests, s.Rejected, s.Instances, s.Processes)
	}
	if s := r.Sessions.Redis; s != nil {
		p("  redis:  %d of %d requests knew the session (answered by %d instances, %d processes).", s.OK, s.Requests, s.Instances, s.Processes)
	}
	if r.Sessions.Error != "" {
		p("  error: %s", r.Sessions.Error)
	}
	p("  Notice: a memory session lives in the one process that created it; behind a balancer the next request")
	p("  usually lands elsewhere. In Redis every instance sees it.")
	p("")
	c := r.Cache
	p("Caching — GET /product with cache %s (q13 table, \"Caching\")", c.Mode)
	if c.Mode == scale.CacheNone {
		p("  No cache: every read pays the slow source (p50 %.1f ms). Try --cache redis, then --cache local.", c.P50MS)
	} else {
		p("  hit ratio %.1f%% (%d hits, %d misses), p50 %.1f ms against %.1f ms without a cache.", 100*c.HitRatio, c.Hits, c.Misses, c.P50MS, c.BaselineP50MS)
		if s := c.Stale; s != nil {
			p("  After a price change through one instance, %d of %d reads still returned the old price.", s.Stale, s.Reads)
			if c.Mode == scale.CacheLocal {
				p("  Notice: the write only cleared its own process's cache; every other process serves the old")
				p("  price until its TTL runs out. Misses also repeat once per process. Compare --cache redis.")
			} else {
				p("  Notice: one shared cache, one invalidation: no instance serves the old price.")
			}
		}
	}
	if c.Error != "" {
		p("  error: %s", c.Error)
	}
	q := r.Queue
	p("")
	if !q.Enabled {
		p("Message queue — not run. Try --queue to compare heavy work in the request with a job queue (q13, \"Message queues\").")
	} else {
		p("Message queue — POST /report, heavy work inline versus a Redis stream with %d background workers (q13, \"Message queues\")", q.Workers)
		if q.Inline != nil {
			p("  inline: %d requests, %.0f req/s, p50 %.1f ms, p99 %.1f ms", q.Inline.Requests, q.Inline.RPS, q.Inline.Latency.P50, q.Inline.Latency.P99)
		}
		if q.Queued != nil {
			p("  queued: %d requests, %.0f req/s, p50 %.1f ms, p99 %.1f ms (202 Accepted)", q.Queued.Requests, q.Queued.RPS, q.Queued.Latency.P50, q.Queued.Latency.P99)
		}
		p("  %d jobs enqueued, %d processed; the queue grew to %d and drained in %.1fs after the load.", q.Enqueued, q.Processed, q.MaxDepth, q.DrainMS/1000)
		p("  Notice: the request only records the job, so it answers in milliseconds whatever the job costs; the work still takes")
		p("  the same CPU, later, at the pace of the workers: add workers to drain faster.")
		if q.Error != "" {
			p("  error: %s", q.Error)
		}
	}
	var notable []string
	for _, e := range r.Events {
		switch e.Kind {
		case scale.EventInstanceKilled, scale.EventMarkedDown, scale.EventRejoined, scale.EventInstanceExited,
			scale.EventRedisDown, scale.EventRedisUp, scale.EventNoLiveUpstreams, scale.EventWorker, scale.EventNginxExited:
			notable = append(notable, fmt.Sprintf("  %s  %s", e.Time.Format("15:04:05.000"), e.Message))
		}
	}
	if len(notable) > 0 {
		p("")
		p("Events")
		for _, n := range notable {
			p("%s", n)
		}
	}
}

func sessionRequests(r *scale.Report) int {
	if r.Sessions.Memory != nil {
		return r.Sessions.Memory.Requests
	}
	return 12
}
