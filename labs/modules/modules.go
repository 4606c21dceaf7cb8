// Package modules runs the module experiments of lesson q11 on the
// installed node: small programs under content/labs/modules/<name>/ that
// show require is synchronous, import declarations are hoisted, import()
// returns a promise, require.cache makes singletons, CommonJS and ESM
// cycles differ, "type": "module" changes what .js means, __dirname versus
// import.meta.dirname, require(esm) and its version boundary, and top-level
// await. Each experiment asks a question, shows its code, and has an
// expected output (per node version where the behaviour changed) that the
// observed output is compared with.
package modules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/suggest"
)

// Dir is where the experiments live inside content.Labs().
const Dir = "modules"

// specFile describes an experiment inside its directory.
const specFile = "experiment.yaml"

// Timeout bounds one experiment run; they take well under a second.
const Timeout = 10 * time.Second

// Experiment is one experiment.
type Experiment struct {
	Name        string        `yaml:"-" json:"name"`
	Title       string        `yaml:"title" json:"title"`
	Question    string        `yaml:"question" json:"question"`
	Entry       string        `yaml:"entry" json:"entry"`
	Order       []string      `yaml:"files" json:"-"`
	Lesson      string        `yaml:"lesson" json:"lesson"`
	Explanation string        `yaml:"explanation" json:"explanation"`
	Expect      []Expectation `yaml:"expect" json:"expect"`
	// Files are the program's files in display order.
	Files []noderun.File `yaml:"-" json:"files"`
}

// Expectation is the expected result on the node versions in When.
type Expectation struct {
	// When is a version range (">=20.19.0 <21 || >=22.12.0"); empty
	// means every version.
	When   string `yaml:"when" json:"when,omitempty"`
	Stdout string `yaml:"stdout" json:"stdout"`
	Exit   int    `yaml:"exit" json:"exit"`
}

// Observed is what node did.
type Observed struct {
	Node     string        `json:"node"`
	Stdout   string        `json:"stdout"`
	Stderr   string        `json:"stderr"`
	Exit     int           `json:"exit"`
	TimedOut bool          `json:"timed_out,omitempty"`
	Duration time.Duration `json:"duration"`
}

// Code returns the experiment's files as one text with a "// file: NAME"
// line before each, the format lesson code blocks use.
func (e *Experiment) Code() string {
	var b strings.Builder
	for i, f := range e.Files {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("// file: " + f.Name + "\n")
		b.WriteString(f.Text)
	}
	return b.String()
}

// Expected picks the expectation for a node version.
func (e *Experiment) Expected(nodeVersion string) (Expectation, error) {
	v, err := parseVersion(nodeVersion)
	if err != nil {
		return Expectation{}, err
	}
	for _, x := range e.Expect {
		if x.When == "" {
			return x, nil
		}
		ok, err := matches(v, x.When)
		if err != nil {
			return Expectation{}, fmt.Errorf("experiment %s: %w", e.Name, err)
		}
		if ok {
			return x, nil
		}
	}
	return Expectation{}, fmt.Errorf("experiment %s has no expectation for node %s", e.Name, nodeVersion)
}

// Run runs the experiment on the node on PATH in a temporary directory.
// nodeVersion is reported back in Observed (pass "" to have Run ask node).
// Without node the error wraps noderun.ErrNoNode.
func (e *Experiment) Run(ctx context.Context, nodeVersion string) (Observed, error) {
	return e.RunOn(ctx, noderun.Info{Version: nodeVersion})
}

// RunOn runs the experiment on node.Path (empty: node on PATH), whose
// version is node.Version (empty: ask it).
func (e *Experiment) RunOn(ctx context.Context, node noderun.Info) (Observed, error) {
	nodeVersion := node.Version
	if nodeVersion == "" {
		v, err := noderun.Version(ctx, node.Path)
		if err != nil {
			return Observed{}, err
		}
		nodeVersion = v
	}
	files := e.Files
	if !slices.ContainsFunc(files, func(f noderun.File) bool { return f.Name == "package.json" }) {
		// Pin CommonJS for .js files, so a package.json with "type"
		// in a parent of the temporary directory cannot change them.
		files = append(slices.Clip(files), noderun.File{Name: "package.json", Text: `{"type": "commonjs"}` + "\n"})
	}
	res, err := noderun.Run(ctx, noderun.Program{Files: files, Entry: e.Entry}, noderun.Options{Node: node.Path, Timeout: Timeout})
	if err != nil {
		return Observed{}, err
	}
	return Observed{
		Node:     nodeVersion,
		Stdout:   res.Stdout,
		Stderr:   res.Stderr,
		Exit:     res.ExitCode,
		TimedOut: res.TimedOut,
		Duration: res.Duration,
	}, nil
}

// Compare says whether the observed run matches the expectation, and if
// not, how it differs.
func Compare(want Expectation, got Observed) (pass bool, diff string) {
	var why []string
	if got.TimedOut {
		why = append(why, fmt.Sprintf("node was stopped after %s", Timeout))
	}
	if got.Exit != want.Exit {
		why = append(why, fmt.Sprintf("exit status %d, expected %d", got.Exit, want.Exit))
	}
	if got.Stdout != want.Stdout {
		why = append(why, "output differs:\n"+lineDiff(want.Stdout, got.Stdout))
	}
	return len(why) == 0, strings.Join(why, "\n")
}

func lineDiff(want, got string) string {
	w := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	g := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		mark := " "
		if wl != gl || i >= len(w) || i >= len(g) {
			mark = "!"
		}
		fmt.Fprintf(&b, "%s expected: %s\n%s observed: %s\n", mark, wl, mark, gl)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Result is one experiment's outcome, with what a learner needs to read
// it: the question, the code, the expected and observed output, and why.
type Result struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	Question string `json:"question"`
	// Entry is the file node ran; Code all the files, each after a
	// "// file: NAME" line.
	Entry    string `json:"entry"`
	Code     string `json:"code"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	Pass     bool   `json:"pass"`
	// Diff explains a failure.
	Diff string `json:"diff,omitempty"`
	// Stderr is node's stderr (warnings; not compared).
	Stderr      string `json:"stderr,omitempty"`
	Lesson      string `json:"lesson"`
	Explanation string `json:"explanation"`
}

// Check runs one experiment on the node on PATH, whose version is
// nodeVersion, and compares it with its expectation.
func Check(ctx context.Context, e *Experiment, nodeVersion string) (Result, error) {
	return CheckOn(ctx, e, noderun.Info{Version: nodeVersion})
}

// CheckOn runs one experiment on node and compares it with the expectation
// for node's version.
func CheckOn(ctx context.Context, e *Experiment, node noderun.Info) (Result, error) {
	want, err := e.Expected(node.Version)
	if err != nil {
		return Result{}, err
	}
	got, err := e.RunOn(ctx, node)
	if err != nil {
		return Result{}, err
	}
	pass, diff := Compare(want, got)
	return Result{
		Name: e.Name, Title: e.Title, Question: strings.TrimSpace(e.Question), Entry: e.Entry, Code: e.Code(),
		Expected: want.Stdout, Observed: got.Stdout, Pass: pass, Diff: diff, Stderr: got.Stderr,
		Lesson: e.Lesson, Explanation: e.Explanation,
	}, nil
}

// Verdict is "as expected" or "DIFFERENT".
func Verdict(r Result) string {
	if r.Pass {
		return "as expected"
	}
	return "DIFFERENT"
}

// RunConfig describes a headless run of the modules lab.
type RunConfig struct {
	// Node is the node executable to run the experiments on (a path, or
	// a name on PATH); empty is node on PATH.
	Node string
	// Names are the experiments to run, in this order; empty runs all.
	Names []string
	// Progress hears each experiment's verdict as it comes.
	Progress func(string)
}

// Report is the outcome of a run; its JSON is what `nodedive lab modules
// --json` prints.
type Report struct {
	Node        noderun.Info `json:"node"`
	Experiments []Result     `json:"experiments"`
	Passed      int          `json:"passed"`
	Failed      int          `json:"failed"`
}

// parallelRuns is how many node processes Run starts at a time.
const parallelRuns = 2

// Run checks the experiments on the chosen node (two node processes at a
// time) and reports them in order. An experiment that prints something
// else than expected is a failed result, not an error; errors are for runs
// that could not happen. Without node the error wraps noderun.ErrNoNode.
func Run(ctx context.Context, cfg RunConfig) (*Report, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	exps := all
	if len(cfg.Names) > 0 {
		exps = nil
		for _, n := range cfg.Names {
			e, err := Find(all, n)
			if err != nil {
				return nil, err
			}
			exps = append(exps, e)
		}
	}
	node, err := noderun.Identify(ctx, cfg.Node)
	if err != nil {
		return nil, err
	}
	rep := &Report{Node: node, Experiments: make([]Result, len(exps))}
	errs := make([]error, len(exps))
	sem := make(chan struct{}, parallelRuns)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, e := range exps {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			rep.Experiments[i], errs[i] = CheckOn(ctx, e, node)
			if cfg.Progress != nil && errs[i] == nil {
				mu.Lock()
				defer mu.Unlock()
				cfg.Progress(e.Name + ": " + Verdict(rep.Experiments[i]))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, r := range rep.Experiments {
		if r.Pass {
			rep.Passed++
		} else {
			rep.Failed++
		}
	}
	return rep, nil
}

// All loads the experiments from content.Labs(), sorted by name.
func All() ([]*Experiment, error) { return LoadFS(content.Labs()) }

// LoadFS loads every experiment under Dir in fsys.
func LoadFS(fsys fs.FS) ([]*Experiment, error) {
	specs, err := fs.Glob(fsys, Dir+"/*/"+specFile)
	if err != nil {
		return nil, err
	}
	var out []*Experiment
	for _, spec := range specs {
		e, err := load(fsys, path.Dir(spec))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *Experiment) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func load(fsys fs.FS, dir string) (*Experiment, error) {
	name := path.Base(dir)
	data, err := fs.ReadFile(fsys, path.Join(dir, specFile))
	if err != nil {
		return nil, err
	}
	e := &Experiment{Name: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(e); err != nil {
		return nil, fmt.Errorf("experiment %s: %w", name, err)
	}
	if e.Title == "" || e.Question == "" || e.Entry == "" || e.Explanation == "" || e.Lesson == "" {
		return nil, fmt.Errorf("experiment %s: title, question, entry, lesson and explanation are required", name)
	}
	if len(e.Expect) == 0 {
		return nil, fmt.Errorf("experiment %s: no expectations", name)
	}
	for _, x := range e.Expect {
		if x.When != "" {
			if _, err := matches(version{20}, x.When); err != nil {
				return nil, fmt.Errorf("experiment %s: %w", name, err)
			}
		}
	}
	present := map[string]bool{}
	err = fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, dir+"/")
		if rel != specFile {
			present[rel] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range e.Order {
		if !present[f] {
			return nil, fmt.Errorf("experiment %s: files lists %s, which is not in the directory", name, f)
		}
		text, err := fs.ReadFile(fsys, path.Join(dir, f))
		if err != nil {
			return nil, err
		}
		e.Files = append(e.Files, noderun.File{Name: f, Text: string(text)})
		delete(present, f)
	}
	if len(present) > 0 {
		var rest []string
		for f := range present {
			rest = append(rest, f)
		}
		slices.Sort(rest)
		return nil, fmt.Errorf("experiment %s: files does not list %s", name, strings.Join(rest, ", "))
	}
	if !slices.Contains(e.Order, e.Entry) {
		return nil, fmt.Errorf("experiment %s: entry %s is not among its files", name, e.Entry)
	}
	return e, nil
}

// Find returns the named experiment, or a *suggest.NotFoundError with the
// nearest names.
func Find(all []*Experiment, name string) (*Experiment, error) {
	names := make([]string, len(all))
	for i, e := range all {
		if e.Name == name {
			return e, nil
		}
		names[i] = e.Name
	}
	return nil, &suggest.NotFoundError{Kind: "experiment", Name: name, Suggestions: suggest.Nearest(name, names, 3), Known: names}
}
