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

// Run runs the experiment on the installed node in a temporary directory.
// nodeVersion is reported back in Observed (pass "" to have Run ask node).
// Without node the error wraps noderun.ErrNoNode.
func (e *Experiment) Run(ctx context.Context, nodeVersion string) (Observed, error) {
	if nodeVersion == "" {
		v, err := noderun.Version(ctx, "")
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
	res, err := noderun.Run(ctx, noderun.Program{Files: files, Entry: e.Entry}, noderun.Options{Timeout: Timeout})
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

// Result is one experiment's outcome, as `nodedive lab modules --json`
// prints it.
type Result struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	Pass     bool   `json:"pass"`
	// Diff explains a failure.
	Diff string `json:"diff,omitempty"`
	// Stderr is node's stderr (warnings; not compared).
	Stderr string `json:"stderr,omitempty"`
}

// Report is the outcome of a run of several experiments.
type Report struct {
	Node        string   `json:"node"`
	Experiments []Result `json:"experiments"`
}

// Check runs one experiment and compares it with its expectation.
func Check(ctx context.Context, e *Experiment, nodeVersion string) (Result, error) {
	want, err := e.Expected(nodeVersion)
	if err != nil {
		return Result{}, err
	}
	got, err := e.Run(ctx, nodeVersion)
	if err != nil {
		return Result{}, err
	}
	pass, diff := Compare(want, got)
	return Result{
		Name: e.Name, Title: e.Title,
		Expected: want.Stdout, Observed: got.Stdout,
		Pass: pass, Diff: diff, Stderr: got.Stderr,
	}, nil
}

// parallelRuns is how many node processes RunAll starts at a time.
const parallelRuns = 2

// RunAll checks the experiments (two node processes at a time) and
// reports them in the given order. Without node the error wraps
// noderun.ErrNoNode.
func RunAll(ctx context.Context, exps []*Experiment) (Report, error) {
	v, err := noderun.Version(ctx, "")
	if err != nil {
		return Report{}, err
	}
	rep := Report{Node: v, Experiments: make([]Result, len(exps))}
	errs := make([]error, len(exps))
	sem := make(chan struct{}, parallelRuns)
	var wg sync.WaitGroup
	for i, e := range exps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rep.Experiments[i], errs[i] = Check(ctx, e, v)
		}()
	}
	wg.Wait()
	return rep, errors.Join(errs...)
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
