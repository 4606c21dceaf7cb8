package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
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
	node         string
	duration     string
	requests     int64
	connections  int
	keepAlive    bool
	killAfter    string
	restartAfter string
	port         int
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
			"server (cluster.isPrimary) on your node (or --node PATH). --sched rr has the primary accept every\n" +
			"connection and hand it to the next worker; --sched none lets the workers accept on a shared socket.\n" +
			"Without --keepalive every request is a new connection (watch the even split); with it each\n" +
			"connection sticks to one worker (connections are balanced, not requests).",
		Example: "  nodedive lab cluster\n" +
			"  nodedive lab cluster --keepalive --connections 3\n" +
			"  nodedive lab cluster --sched none\n" +
			"  nodedive lab cluster --kill-worker 2s --duration 6s\n" +
			"  nodedive lab cluster --runtime node --rolling-restart 2s --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rc, err := o.plan(cmd.Context())
			if err != nil {
				return err
			}
			if rc.Cluster.Runtime == cluster.RuntimeNode {
				warnAboutNode(cmd.Context(), cmd.ErrOrStderr(), rc.Cluster.Node)
			}
			return runClusterLab(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), rc, o.asJSON)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.workers, "workers", 2, fmt.Sprintf("worker processes (1-%d)", cluster.MaxWorkers))
	f.StringVar(&o.sched, "sched", "rr", "scheduling policy: rr (primary hands out connections) or none (workers accept)")
	f.StringVar(&o.runtime, "runtime", "go", "go (nodedive workers) or node (the lesson's JavaScript cluster)")
	addNodeFlag(f, &o.node)
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

// plan checks every option before anything starts and turns them into the
// lab's run configuration.
func (o clusterLabOptions) plan(ctx context.Context) (cluster.RunConfig, error) {
	var rc cluster.RunConfig
	rt, err := cluster.ParseRuntime(o.runtime)
	if err != nil {
		return rc, fmt.Errorf("--runtime: %w", err)
	}
	policy, err := cluster.ParsePolicy(o.sched)
	if err != nil {
		return rc, fmt.Errorf("--sched: %w", err)
	}
	if o.workers < 1 || o.workers > cluster.MaxWorkers {
		return rc, fmt.Errorf("--workers must be between 1 and %d, got %d", cluster.MaxWorkers, o.workers)
	}
	if o.connections < 1 || o.connections > load.MaxConnections {
		return rc, fmt.Errorf("--connections must be between 1 and %d, got %d", load.MaxConnections, o.connections)
	}
	if o.requests < 1 {
		return rc, fmt.Errorf("--requests must be at least 1, got %d", o.requests)
	}
	rc = cluster.RunConfig{
		Requests: o.requests, Connections: o.connections, KeepAlive: o.keepAlive,
		Cluster: cluster.Config{Runtime: rt, Policy: policy, Workers: o.workers, Port: o.port},
	}
	if rc.Duration, err = parseLabDuration("--duration", o.duration); err != nil {
		return rc, err
	}
	if rc.Duration <= 0 || rc.Duration > load.MaxDuration {
		return rc, fmt.Errorf("--duration must be more than 0 and at most %v, got %v", load.MaxDuration, rc.Duration)
	}
	for _, fault := range []struct {
		flag, value string
		into        *time.Duration
		set         *bool
	}{{"--kill-worker", o.killAfter, &rc.KillAfter, &rc.KillWorker}, {"--rolling-restart", o.restartAfter, &rc.RestartAfter, &rc.RollingRestart}} {
		if fault.value == "" {
			continue
		}
		d, err := parseLabDuration(fault.flag, fault.value)
		if err != nil {
			return rc, err
		}
		if d < 0 || d >= rc.Duration {
			return rc, fmt.Errorf("%s %v must fall inside the load's --duration %v", fault.flag, d, rc.Duration)
		}
		*fault.into, *fault.set = d, true
	}
	if err := planNode(ctx, rt == cluster.RuntimeNode, o.node, &rc.Cluster.Node); err != nil {
		return rc, err
	}
	return rc, rc.Validate()
}

// planNode checks --node for a lab with a --runtime flag: it only goes with
// --runtime node, and a node runtime needs a node (the one on PATH by
// default). into gets the node's absolute path.
func planNode(ctx context.Context, nodeRuntime bool, flag string, into *string) error {
	if !nodeRuntime {
		if flag != "" {
			return fmt.Errorf("--node %s goes with --runtime node: the go runtime runs no node", flag)
		}
		return nil
	}
	if flag == "" {
		if _, err := noderun.Find(""); err != nil {
			return fmt.Errorf("--runtime node: %w (or use --runtime go, which needs nothing else)", err)
		}
		return nil
	}
	info, err := checkNodeFlag(ctx, flag)
	*into = info.Path
	return err
}

func parseLabDuration(flag, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a duration: write a number with a unit, like 500ms, 5s or 1m30s", flag, s)
	}
	return d, nil
}

// runClusterLab runs the lab with progress on stderr (the workers' output
// too) and prints the report, also when the run ended early.
func runClusterLab(ctx context.Context, stdout, stderr io.Writer, rc cluster.RunConfig, asJSON bool) error {
	rc.Cluster.Log = stderr
	rc.Progress = func(msg string) { fmt.Fprintln(stderr, msg) }
	rep, err := cluster.Run(ctx, rc)
	if rep == nil {
		return err
	}
	if asJSON {
		if jerr := printLabJSON(stdout, rep); jerr != nil {
			return jerr
		}
	} else {
		printClusterReport(stdout, rep)
	}
	return err
}

func printClusterReport(w io.Writer, r *cluster.Report) {
	fmt.Fprintf(w, "Workers (%s runtime, policy %s, primary pid %d)\n", r.Runtime, r.Policy, r.PrimaryPID)
	if r.Node != nil {
		fmt.Fprintf(w, "  on %s\n", r.Node)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tSLOT\tPID\tREQUESTS\tSHARE\tPEAK RSS\tPRIVATE\tEND")
	for _, wk := range r.Workers {
		fmt.Fprintf(tw, "  %d\t%d\t%d\t%d\t%.1f%%\t%s\t%s\t%s\n", wk.ID, wk.Slot, wk.PID, wk.Requests, 100*wk.Share,
			mib(wk.PeakRSS), mib(wk.PeakPrivate), wk.End)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nEvents")
	for _, e := range r.Events {
		fmt.Fprintf(w, "  %+8.3fs  %-14s %s\n", e.Time.Sub(r.Started).Seconds(), e.Kind, labFirstLine(e.Message))
	}

	fmt.Fprintf(w, "\nLoad: %d requests in %.1fs = %.0f req/s, %d errors\n", r.Requests, r.DurationS, r.RPS, r.Errors)
	fmt.Fprintf(w, "Latency: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n",
		r.LatencyMS.P50, r.LatencyMS.P90, r.LatencyMS.P99, r.LatencyMS.Max)
	if r.Errors > 0 {
		for _, k := range slices.Sorted(maps.Keys(r.ErrorsByKind)) {
			fmt.Fprintf(w, "  %-10s %d  (e.g. %s)\n", k, r.ErrorsByKind[k], r.ErrorSamples[k])
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "\nThe run ended early: %s\n", r.Error)
	}
	fmt.Fprintln(w, "\nWhat to notice")
	for _, note := range r.Notes {
		fmt.Fprintln(w, "  - "+note)
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
