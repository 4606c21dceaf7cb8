package exercise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

// ResultEnv names the file a harness script writes its outcome to (check.cjs
// does it).
const ResultEnv = "NODEDIVE_RESULT"

// trialEnv is what every check of one verification shares.
type trialEnv struct {
	node, version string
	timeout       time.Duration
	learnerDir    string // for messages: paths in the work dir are shown as the learner's
	mount         string
	harness       fs.FS
	files         []File // the snapshot of the learner's files
	modules       string // the exercise's installed node_modules, if any
}

// Trial is one check's world: a fresh work directory with the learner's
// files at App and the harness at Dir, and a sandbox to run node in. Every
// process started through it is stopped when the check ends.
type Trial struct {
	// Dir is the work directory; harness scripts are at its root.
	Dir string
	// App is where the learner's files are (Dir/Mount).
	App string
	// NodeVersion is the version of node the check runs on, e.g.
	// "24.22.3", for checks whose expectations depend on it.
	NodeVersion string

	env       *trialEnv
	procs     []*sandbox.Process
	leftovers int
	exposed   []string // non-loopback addresses a stopped program listened on
	reports   int
}

func (env *trialEnv) newTrial() (*Trial, error) {
	dir, err := proc.TempDir("nodedive-exercise-")
	if err != nil {
		return nil, err
	}
	t := &Trial{Dir: dir, App: filepath.Join(dir, filepath.FromSlash(env.mount)), NodeVersion: env.version, env: env}
	if err := t.populate(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return t, nil
}

func (t *Trial) populate() error {
	for _, f := range t.env.files {
		if err := writeFile(t.App, f.Name, f.Data); err != nil {
			return err
		}
	}
	if t.env.harness != nil {
		err := fs.WalkDir(t.env.harness, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(t.env.harness, p)
			if err != nil {
				return err
			}
			return writeFile(t.Dir, p, data)
		})
		if err != nil {
			return fmt.Errorf("writing the harness: %w", err)
		}
	}
	if err := t.linkModules(); err != nil {
		return err
	}
	return writeFile(t.Dir, "check.cjs", checkHelper)
}

// close stops whatever the check left running and removes the work
// directory.
func (t *Trial) close() {
	for _, p := range t.procs {
		t.noteResult(p.Stop())
	}
	os.RemoveAll(t.Dir)
}

func (t *Trial) noteResult(r sandbox.Result) {
	if !r.Stopped {
		t.leftovers += r.Leftovers
	}
	for _, l := range r.Exposed {
		t.exposed = append(t.exposed, l.Addr)
	}
}

// WriteFile writes a file into the work directory (name is slash-separated,
// relative to Dir): a check changing a config file between two runs, say.
func (t *Trial) WriteFile(name string, data []byte) error { return writeFile(t.Dir, name, data) }

// Spec returns the sandbox spec to run node with args in the work directory,
// for checks that need to change more (stdin, env, a shorter time limit).
func (t *Trial) Spec(args ...string) sandbox.Spec {
	return sandbox.Spec{Path: t.env.node, Args: args, Dir: t.Dir, Timeout: t.env.timeout}
}

// Run runs node with args in the work directory, to the end.
func (t *Trial) Run(ctx context.Context, args ...string) (sandbox.Result, error) {
	return t.RunSpec(ctx, t.Spec(args...))
}

// RunSpec runs a spec made by Spec, to the end.
func (t *Trial) RunSpec(ctx context.Context, spec sandbox.Spec) (sandbox.Result, error) {
	res, err := sandbox.Run(ctx, spec)
	if err != nil {
		return res, err
	}
	t.noteResult(res)
	return res, nil
}

// Report runs a harness script that reports an Outcome through check.cjs
// (see the package documentation) and returns it. When the script ends
// without reporting, the Outcome fails with expect as the expected result and
// how the process ended, with its stderr, as the observed one.
func (t *Trial) Report(ctx context.Context, expect string, args ...string) (Outcome, sandbox.Result, error) {
	spec := t.Spec(args...)
	return t.ReportSpec(ctx, expect, spec)
}

// ReportSpec is Report for a spec made by Spec.
func (t *Trial) ReportSpec(ctx context.Context, expect string, spec sandbox.Spec) (Outcome, sandbox.Result, error) {
	t.reports++
	resultFile := filepath.Join(t.Dir, ".result-"+strconv.Itoa(t.reports)+".json")
	spec.Env = append(spec.Env, ResultEnv+"="+resultFile)
	res, err := t.RunSpec(ctx, spec)
	if err != nil {
		return Outcome{}, res, err
	}
	data, err := os.ReadFile(resultFile)
	if errors.Is(err, fs.ErrNotExist) {
		return t.Ended(expect, res), res, nil
	}
	if err != nil {
		return Outcome{}, res, err
	}
	var o Outcome
	if err := json.Unmarshal(data, &o); err != nil {
		return Outcome{Expected: expect, Observed: "the check's result was garbled (did your code write to " + ResultEnv + "?)"}, res, nil
	}
	o.Expected, o.Observed = t.Tidy(o.Expected), t.Tidy(o.Observed)
	return o, res, nil
}

// Ended is the failed Outcome of a process that ended before its check could
// tell: how it ended and the tail of what it printed on stderr.
func (t *Trial) Ended(expect string, res sandbox.Result) Outcome {
	observed := "node stopped before the check finished: " + res.Describe()
	if tail := t.Tidy(StderrTail(res.Stderr)); tail != "" {
		observed += "\n" + tail
	}
	return Outcome{Expected: expect, Observed: observed}
}

// Serve starts node with args as a server and waits until it accepts
// connections on 127.0.0.1:PORT (it is given HOST and PORT). It is stopped
// when the check ends. A server that does not come up, or that listens on an
// address other machines can reach, gets a failed Outcome (Pass false) and
// is stopped at once; otherwise the Outcome passes.
func (t *Trial) Serve(ctx context.Context, expect string, args ...string) (*sandbox.Process, Outcome, error) {
	return t.ServeSpec(ctx, expect, t.Spec(args...))
}

// ServeSpec is Serve for a spec made by Spec: a server that needs more
// environment (the address of a Redis, the number of workers).
func (t *Trial) ServeSpec(ctx context.Context, expect string, spec sandbox.Spec) (*sandbox.Process, Outcome, error) {
	p, err := t.Start(ctx, spec)
	if err != nil {
		return nil, Outcome{}, err
	}
	if err := p.WaitListening(ctx); err != nil {
		res := p.Stop()
		o := t.Ended(expect, res)
		o.Observed = fmt.Sprintf("nothing listened on %s (HOST and PORT from the environment): %s", p.Addr(), strings.TrimPrefix(o.Observed, "node stopped before the check finished: "))
		return p, o, nil
	}
	ls, err := p.Listeners()
	if err != nil {
		return p, Outcome{}, err
	}
	for _, l := range ls {
		if !l.Loopback {
			p.Stop()
			return p, Outcome{
				Expected: "the server listens on 127.0.0.1 only (process.env.HOST)",
				Observed: fmt.Sprintf("it listens on %s, which other machines can reach", l.Addr),
			}, nil
		}
	}
	return p, Outcome{Pass: true, Expected: expect, Observed: "listening on " + p.Addr()}, nil
}

// Start starts a spec made by Spec in the background and returns at once: a
// program that serves no port (a queue worker), or one whose start-up the
// check watches itself. It is stopped when the check ends, and counts like
// any other run for the rules every check enforces.
func (t *Trial) Start(ctx context.Context, spec sandbox.Spec) (*sandbox.Process, error) {
	p, err := sandbox.Start(ctx, spec)
	if err != nil {
		return nil, err
	}
	t.procs = append(t.procs, p)
	return p, nil
}

// Tidy rewrites the work directory's paths in a message: the learner's
// files are shown where the learner edits them rather than in a temporary
// copy, and the harness's by their bare names.
func (t *Trial) Tidy(s string) string {
	fileURL := func(p string) string { return (&url.URL{Scheme: "file", Path: p}).String() }
	learner := t.env.learnerDir
	s = strings.ReplaceAll(s, fileURL(t.App), fileURL(learner))
	s = strings.ReplaceAll(s, t.App, learner)
	s = strings.ReplaceAll(s, fileURL(t.Dir)+"/", "")
	return strings.ReplaceAll(s, t.Dir+string(filepath.Separator), "")
}

// StderrTail keeps the end of what node printed on stderr, without the
// stack frames of node's own internals, which only bury the learner's line.
func StderrTail(stderr string) string {
	const maxLines, maxBytes = 14, 1600
	var kept []string
	for _, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "at ") && strings.Contains(trimmed, "node:internal") {
			continue
		}
		kept = append(kept, line)
	}
	if len(kept) > maxLines {
		kept = append([]string{"…"}, kept[len(kept)-maxLines:]...)
	}
	out := strings.TrimSpace(strings.Join(kept, "\n"))
	if len(out) > maxBytes {
		out = "…" + out[len(out)-maxBytes:]
	}
	return out
}

// writeFile writes root/name, refusing names that leave root.
func writeFile(root, name string, data []byte) error {
	clean := path.Clean(name)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("file name %q leaves its directory", name)
	}
	p := filepath.Join(root, filepath.FromSlash(clean))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}
