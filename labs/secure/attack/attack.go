// Package attack is the security lab run headless: it starts the hardened
// app as a cluster (labs/secure/launch), or takes the URL of any server,
// attacks it with the probes (labs/probe) and reports what each expected and
// observed. It is what `nodedive lab secure` runs.
package attack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/probe"
	"github.com/nodedive/nodedive/labs/secure"
	"github.com/nodedive/nodedive/labs/secure/launch"
)

// RunConfig describes a run.
type RunConfig struct {
	// Lab is the app to start and attack (its Progress is set to this
	// run's when nil). Ignored when URL is set.
	Lab launch.Options
	// URL, when set, attacks the server there instead of the lab's app.
	URL string
	// With URL: accept any TLS certificate (a self-signed dev server),
	// the account for the token probes (default the lab's demo account),
	// and how long the server may keep a slow-header client (default 10s).
	Insecure        bool
	Email, Password string
	SlowAllowance   time.Duration
	// AllowNonLocal lets the burst probes (a brute force, a flood past
	// the rate limit) go to a server that is not on this machine.
	AllowNonLocal bool
	// Only names the probes to run; empty runs them all.
	Only []string
	// Progress hears the slow steps (npm ci, Redis) and each probe's
	// verdict as it comes.
	Progress func(string)
}

// Report is the outcome of a run; its JSON is what `nodedive lab secure
// --json` prints.
type Report struct {
	Target string `json:"target"`
	// App describes the lab's app ("Go app, 2 workers (rr), store
	// primary, limit 100 per 15m0s"); empty for a URL.
	App     string `json:"app,omitempty"`
	Runtime string `json:"runtime,omitempty"`
	Store   string `json:"store,omitempty"`
	// Node is the node that ran the Express app.
	Node     *noderun.Info  `json:"node,omitempty"`
	Warnings []string       `json:"warnings,omitempty"`
	Probes   []probe.Result `json:"probes"`
	Passed   int            `json:"passed"`
	Failed   int            `json:"failed"`
	Skipped  int            `json:"skipped"`
	Duration string         `json:"duration"`
	// Hints point at the flag that shows the lesson behind a failure.
	Hints []string `json:"hints,omitempty"`
	// PIDs are the processes the lab started, all gone when Run returns.
	PIDs []int `json:"pids,omitempty"`
}

// Run attacks the lab's app or cfg.URL and reports. Probes that fail are
// in the report, not an error; errors are for runs that could not happen
// (a bad URL, an app that did not start) or were interrupted, in which
// case the report of the probes that ran comes with the error.
func Run(ctx context.Context, cfg RunConfig) (*Report, error) {
	probes, err := probe.Lookup(cfg.Only...)
	if err != nil {
		return nil, err
	}
	if cfg.URL != "" {
		return attackURL(ctx, cfg, probes)
	}
	return attackLab(ctx, cfg, probes)
}

func attackLab(ctx context.Context, cfg RunConfig, probes []probe.Probe) (*Report, error) {
	opts := cfg.Lab
	if opts.Progress == nil {
		opts.Progress = cfg.Progress
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	rep := &Report{}
	if opts.Runtime == launch.RuntimeNode {
		info, err := noderun.Identify(ctx, opts.Node)
		if err != nil {
			return nil, err
		}
		opts.Node, rep.Node = info.Path, &info
	}
	lab, err := launch.Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = lab.Stop(sctx)
	}()
	rep.Target, rep.App, rep.Runtime, rep.Store, rep.Warnings = lab.URL, lab.Describe(), lab.Runtime, lab.Store, lab.Warnings
	err = runProbes(ctx, cfg, lab.Target(), probes, rep)
	rep.PIDs = lab.PIDs()
	for _, r := range rep.Probes {
		if r.Name == "rate-limit-workers" && !r.Pass && !r.Skipped && lab.Store == secure.StoreMemory {
			rep.Hints = append(rep.Hints, "the memory store counts in each worker; try --store shared (Go), primary or redis")
		}
	}
	return rep, err
}

func attackURL(ctx context.Context, cfg RunConfig, probes []probe.Probe) (*Report, error) {
	u, err := probe.ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if probe.HasBurst(probes) && !probe.IsLoopback(u) && !cfg.AllowNonLocal {
		var burst []string
		for _, p := range probes {
			if p.Burst {
				burst = append(burst, p.Name)
			}
		}
		return nil, fmt.Errorf("%s is not on this machine, and the %s probes send bursts of requests (a brute force "+
			"is an attack): add --yes-non-local if the server is yours, or leave them out with --only",
			u.Host, strings.Join(burst, " and "))
	}
	t := probe.Target{
		URL:           strings.TrimRight(cfg.URL, "/"),
		Email:         cfg.Email,
		Password:      cfg.Password,
		SlowAllowance: cfg.SlowAllowance,
	}
	if cfg.Insecure {
		t.TLS = &tls.Config{InsecureSkipVerify: true}
	}
	if err := probe.Check(ctx, t); err != nil {
		return nil, err
	}
	rep := &Report{Target: t.URL}
	return rep, runProbes(ctx, cfg, t, probes, rep)
}

// runProbes fills rep with the probes' results; an interrupt keeps those
// that finished.
func runProbes(ctx context.Context, cfg RunConfig, t probe.Target, probes []probe.Probe, rep *Report) error {
	start := time.Now()
	done := 0
	rep.Probes = probe.Run(ctx, t, probes, func(r probe.Result) {
		done++
		if cfg.Progress != nil {
			cfg.Progress(fmt.Sprintf("probe %d of %d: %s %s", done, len(probes), r.Name, Verdict(r)))
		}
	})
	rep.Passed, rep.Failed, rep.Skipped = probe.Tally(rep.Probes)
	rep.Duration = time.Since(start).Round(time.Millisecond).String()
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted after %d of %d probes", len(rep.Probes), len(probes))
	}
	return nil
}

// Verdict is PASS, FAIL or SKIP.
func Verdict(r probe.Result) string {
	switch {
	case r.Skipped:
		return "SKIP"
	case !r.Pass:
		return "FAIL"
	}
	return "PASS"
}

// ErrProbesFailed is wrapped by the error a caller may make of a report with
// failed probes (see Report.Err).
var ErrProbesFailed = errors.New("probes failed")

// Err is nil when every probe that ran held, and says how many failed
// otherwise.
func (r *Report) Err() error {
	if r.Failed == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d %w", r.Failed, len(r.Probes), ErrProbesFailed)
}
