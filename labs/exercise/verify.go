package exercise

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
)

// checkHelper is check.cjs, written next to every check's harness scripts.
//
//go:embed check.cjs
var checkHelper []byte

// Options bound and observe a verification.
type Options struct {
	// Node is the node executable (a path, or a name on PATH); empty
	// means node on PATH.
	Node string
	// Timeout bounds each node process a check runs; zero means the
	// sandbox's default.
	Timeout time.Duration
	// OnStart, when set, is called before each check runs.
	OnStart func(name string)
	// OnResult, when set, is called with each check's result as soon as
	// it is known (a live view, or watch mode).
	OnResult func(CheckResult)
	// NpmEnv is added to npm's environment (tests point npm at a registry
	// that cannot be reached).
	NpmEnv []string
	// Only, when set, runs the load check and the checks with these names,
	// and counts the others as not run: a report with checks left out never
	// passes.
	Only []string
	// CacheDir is where the npm packages of an exercise that needs them
	// are installed, once (see packages.go); empty means a directory under
	// the system's temp dir.
	CacheDir string
	// Progress, when set, hears about slow preparations before the checks
	// run: the first npm install of an exercise's packages.
	Progress func(msg string)
}

// Report is the result of verifying an exercise.
type Report struct {
	Exercise string        `json:"exercise"`
	Passed   bool          `json:"passed"`
	Checks   []CheckResult `json:"checks"`
	// NotRun counts the checks that did not run: all but the first when
	// the code does not load, and those Options.Only left out.
	NotRun int `json:"not_run,omitempty"`
	// Node is the version of node the checks ran on, e.g. "24.22.3".
	Node string `json:"node"`
	// Dir is the learner's directory that was verified.
	Dir string `json:"dir"`
	// Notes are what the verifier wants the learner to know about this
	// node version (Verifier.Notes).
	Notes []string `json:"notes,omitempty"`
}

// Loads reports whether the learner's code passed the load check, so the
// other checks could run.
func (r *Report) Loads() bool { return len(r.Checks) > 0 && r.Checks[0].Pass }

// Failed counts the failed checks.
func (r *Report) Failed() int {
	n := 0
	for _, c := range r.Checks {
		if !c.Pass {
			n++
		}
	}
	return n
}

// CheckResult is one check's outcome with its name and hint.
type CheckResult struct {
	Name     string        `json:"name"`
	Pass     bool          `json:"pass"`
	Expected string        `json:"expected"`
	Observed string        `json:"observed"`
	Hint     string        `json:"hint"`
	Duration time.Duration `json:"-"`
}

// ErrNotStarted is returned (wrapped) when the learner's directory does not
// hold the exercise's files.
var ErrNotStarted = errors.New("the exercise has not been started")

// Verify runs every check on the learner's files in dir. The learner's code
// failing is a Report with Passed false; an error means the checks could not
// run (no node, no files, a cancelled context).
func (e *Exercise) Verify(ctx context.Context, dir string, o Options) (*Report, error) {
	if e.verifier == nil {
		return nil, fmt.Errorf("exercise %s has no verifier", e.ID)
	}
	files, err := e.snapshot(dir)
	if err != nil {
		return nil, err
	}
	node, err := noderun.Find(o.Node)
	if err != nil {
		return nil, fmt.Errorf("verifying needs Node.js: %w", err)
	}
	version, err := noderun.Version(ctx, node)
	if err != nil {
		return nil, err
	}
	modules, err := e.installPackages(ctx, node, o)
	if err != nil {
		return nil, err
	}
	if modules != "" {
		linkPackages(dir, modules)
	}
	env := trialEnv{
		node: node, version: version, timeout: o.Timeout,
		learnerDir: dir, mount: e.verifier.mount(), harness: e.verifier.Harness, files: files,
		modules: modules,
	}
	r := &Report{Exercise: e.ID, Node: version, Dir: dir}
	if e.verifier.Notes != nil {
		r.Notes = e.verifier.Notes(version)
	}
	checks := []Check{e.verifier.Load}
	for _, c := range e.verifier.Checks {
		if len(o.Only) == 0 || slices.Contains(o.Only, c.Name) {
			checks = append(checks, c)
		}
	}
	r.NotRun = len(e.verifier.Checks) + 1 - len(checks)
	for i, c := range checks {
		if o.OnStart != nil {
			o.OnStart(c.Name)
		}
		res, err := env.runCheck(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("check %q: %w", c.Name, err)
		}
		r.Checks = append(r.Checks, res)
		if o.OnResult != nil {
			o.OnResult(res)
		}
		if i == 0 && !res.Pass {
			r.NotRun = len(e.verifier.Checks)
			break
		}
	}
	r.Passed = r.Failed() == 0 && r.NotRun == 0
	return r, nil
}

func (env *trialEnv) runCheck(ctx context.Context, c Check) (CheckResult, error) {
	start := time.Now()
	t, err := env.newTrial()
	if err != nil {
		return CheckResult{}, err
	}
	o, err := func() (Outcome, error) {
		defer t.close()
		return c.Run(ctx, t)
	}()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		return CheckResult{}, err
	}
	// Two rules hold for every check, whatever it looks at: nothing the
	// code starts outlives it, and it serves this machine only.
	hint := c.Hint
	if t.leftovers > 0 {
		o.Pass = false
		o.Observed += fmt.Sprintf("\nand your code left %d process(es) running after it exited; nodedive killed them", t.leftovers)
		hint += " Also: wait for (or kill) every child process you start; nothing may outlive the program."
	}
	if len(t.exposed) > 0 {
		o.Pass = false
		o.Observed += fmt.Sprintf("\nand your code listened on %s, which other machines can reach", strings.Join(t.exposed, ", "))
		hint += " Also: listen on process.env.HOST (127.0.0.1), never on every interface."
	}
	return CheckResult{
		Name: c.Name, Pass: o.Pass, Expected: o.Expected, Observed: o.Observed,
		Hint: hint, Duration: time.Since(start),
	}, nil
}
