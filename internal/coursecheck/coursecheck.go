// Package coursecheck runs everything the course claims about Node on one
// node executable and compares what it printed with what the course says:
// the lessons' runnable blocks (against their output blocks for that node's
// major version), the quiz's output questions, the module experiments
// (against their expectation for that node's version) and the emitter
// scenarios (node's trace against the Go emitter's). It is what `nodedive
// check` runs, for learners on their own Node and for CI on every
// supported line. Support tells the rest of nodedive how well a node
// version is supported.
package coursecheck

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/labs/emitter/scenario"
	"github.com/nodedive/nodedive/labs/modules"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/quiz"
)

// Kind is the kind of a checked item.
type Kind string

// The kinds of item.
const (
	// Block is a lesson's runnable code block.
	Block Kind = "block"
	// Output is a quiz output question.
	Output Kind = "output"
	// Experiment is a module experiment (nodedive lab modules).
	Experiment Kind = "experiment"
	// Scenario is an emitter scenario (nodedive lab emitter): node's
	// trace is compared with the Go emitter's.
	Scenario Kind = "scenario"
	// Unchecked lists, without running it, lesson code or prose that no
	// check runs (a JavaScript block that is not runnable, or a marker
	// comment on prose) and why. Such items always pass.
	Unchecked Kind = "unchecked"
)

// Kinds lists every kind, in report order.
var Kinds = []Kind{Block, Output, Experiment, Scenario, Unchecked}

// ParseKinds reads a comma-separated list of kinds ("block,experiment").
func ParseKinds(s string) ([]Kind, error) {
	var out []Kind
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(names, f) {
			return nil, &suggest.NotFoundError{Kind: "kind of item", Name: f, Suggestions: suggest.Nearest(f, names, 2), Known: names}
		}
		if !slices.Contains(out, Kind(f)) {
			out = append(out, Kind(f))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no kind given (want one or more of %s, separated by commas)", strings.Join(names, ", "))
	}
	return out, nil
}

// Item is one checked (or listed) item.
type Item struct {
	Kind Kind `json:"kind"`
	// ID names the item: "q11/3" (lesson q11, code block 3 as `nodedive
	// run q11 --list` numbers them; "q11/line356" for a marker on prose),
	// a quiz question ID, an experiment or a scenario name.
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	// Source is where the expectation is written, "file:line" for lesson
	// blocks.
	Source string `json:"source,omitempty"`
	Pass   bool   `json:"pass"`
	// Expected is what the course says node prints on stdout (for a
	// scenario, the Go emitter's trace); Observed is what node printed.
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	// Match is how a lesson block's stdout is compared: exact, contains
	// or regex.
	Match string `json:"match,omitempty"`
	// Stderr is set when a lesson block has an expectation for stderr.
	Stderr *Stream `json:"stderr,omitempty"`
	// Problem says why an item failed, in a sentence per line.
	Problem string `json:"problem,omitempty"`
	// Reason says why an item is not checked here, or notes a limit of
	// its check.
	Reason string `json:"reason,omitempty"`
}

// Stream is the check of a second stream (stderr).
type Stream struct {
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	Match    string `json:"match"`
}

// Node describes the node the items ran on.
type Node struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Major   int    `json:"major"`
	// Supported is false for a node older than the oldest supported line.
	Supported bool `json:"supported"`
	// Warning names what differs on this node (see Support).
	Warning string `json:"warning,omitempty"`
}

// Report is the outcome of a check.
type Report struct {
	Node  Node   `json:"node"`
	Items []Item `json:"items"`
	// Passed and Failed count the items that ran; Unchecked counts the
	// listed ones.
	Passed    int `json:"passed"`
	Failed    int `json:"failed"`
	Unchecked int `json:"unchecked"`
}

// Sources are the items to check.
type Sources struct {
	Lessons     []*lessons.Lesson
	Questions   []*quiz.Question // only output questions are checked
	Experiments []*modules.Experiment
	Scenarios   []*scenario.Scenario
}

// Course returns the embedded course's items.
func Course() (Sources, error) {
	c, err := lessons.Load()
	if err != nil {
		return Sources{}, err
	}
	bank, err := quiz.LoadBank()
	if err != nil {
		return Sources{}, err
	}
	exps, err := modules.All()
	if err != nil {
		return Sources{}, err
	}
	scs, err := scenario.All()
	if err != nil {
		return Sources{}, err
	}
	return Sources{Lessons: c.Lessons, Questions: bank.Questions, Experiments: exps, Scenarios: scs}, nil
}

// Options bound a check.
type Options struct {
	// Only restricts the check to these kinds; empty means all.
	Only []Kind
	// Timeout bounds each run of node; zero means 20 seconds.
	Timeout time.Duration
	// Parallel is how many node processes run at a time; zero means 2.
	Parallel int
	// Each, if set, hears every item as soon as it and all items before
	// it are done, in report order.
	Each func(Item)
}

// MaxOutput caps what one run may print (stdout and stderr together).
const MaxOutput = 64 << 10

// Resolve finds the node to check (a path, or a name on PATH; "" means
// node on PATH) and asks its version. A path that is missing, or that is
// not node, gives an error saying so.
func Resolve(ctx context.Context, node string) (Node, error) {
	path, err := noderun.Find(node)
	if err != nil {
		return Node{}, err
	}
	version, err := noderun.Version(ctx, path)
	if err != nil {
		return Node{}, fmt.Errorf("%s does not run as node: %w", path, err)
	}
	major, err := noderun.Major(version)
	if err != nil {
		return Node{}, fmt.Errorf("%s is not node: `%s --version` printed %q", path, path, clipLine(version))
	}
	ok, warning := Support(version)
	return Node{Path: path, Version: version, Major: major, Supported: ok, Warning: warning}, nil
}

// job produces one item; run is nil for items that are only listed.
type job struct {
	item Item
	run  func(ctx context.Context, n Node, o Options) Item
}

// Check runs the selected items of src on node n (see Resolve), Parallel
// at a time, and reports them in order. An error means the check was
// interrupted; mismatches are in the report.
func Check(ctx context.Context, src Sources, n Node, o Options) (Report, error) {
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	jobs := plan(src, n.Major, o.Only)
	rep := Report{Node: n, Items: make([]Item, len(jobs))}

	var (
		mu   sync.Mutex
		done = make([]bool, len(jobs))
		next int
	)
	finish := func(i int, it Item) {
		mu.Lock()
		defer mu.Unlock()
		rep.Items[i], done[i] = it, true
		for next < len(jobs) && done[next] {
			if o.Each != nil {
				o.Each(rep.Items[next])
			}
			next++
		}
	}
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		if j.run == nil {
			finish(i, j.item)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				finish(i, failed(j.item, "not run: "+ctx.Err().Error()))
				return
			}
			defer func() { <-sem }()
			finish(i, j.run(ctx, n, o))
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("check interrupted: %w", err)
	}
	for _, it := range rep.Items {
		switch {
		case it.Kind == Unchecked:
			rep.Unchecked++
		case it.Pass:
			rep.Passed++
		default:
			rep.Failed++
		}
	}
	return rep, nil
}

// plan lists the jobs in report order: each lesson's blocks and notes,
// then the output questions, the experiments and the scenarios.
func plan(src Sources, major int, only []Kind) []job {
	want := func(k Kind) bool { return len(only) == 0 || slices.Contains(only, k) }
	var jobs []job
	for _, l := range src.Lessons {
		for _, b := range l.Blocks {
			switch {
			case b.Runnable && want(Block):
				jobs = append(jobs, blockJob(l, b))
			case !b.Runnable && b.IsJavaScript() && want(Unchecked):
				jobs = append(jobs, job{item: uncheckedBlock(l, b)})
			}
		}
		if want(Unchecked) {
			for _, m := range l.Notes {
				jobs = append(jobs, job{item: Item{
					Kind: Unchecked, ID: fmt.Sprintf("%s/line%d", l.ID, m.Line), Source: source(l, m.Line),
					Pass: true, Reason: markerReason(m.Kind, m.Text),
				}})
			}
		}
	}
	if want(Output) {
		for _, q := range src.Questions {
			if q.Kind == quiz.Output {
				jobs = append(jobs, outputJob(q))
			}
		}
	}
	if want(Experiment) {
		for _, e := range src.Experiments {
			jobs = append(jobs, experimentJob(e))
		}
	}
	if want(Scenario) {
		for _, sc := range src.Scenarios {
			jobs = append(jobs, scenarioJob(sc))
		}
	}
	return jobs
}

func source(l *lessons.Lesson, line int) string {
	file := l.File
	if file == "" {
		file = l.ID
	}
	return fmt.Sprintf("content/lessons/%s:%d", file, line)
}

func uncheckedBlock(l *lessons.Lesson, b lessons.CodeBlock) Item {
	it := Item{Kind: Unchecked, ID: fmt.Sprintf("%s/%d", l.ID, b.Index+1), Source: source(l, b.Line), Pass: true}
	switch {
	case b.Unchecked != "":
		it.Reason = markerReason(lessons.MarkUnchecked, b.Unchecked)
	case b.CheckedBy != "":
		it.Reason = markerReason(lessons.MarkCheckedBy, b.CheckedBy)
	default:
		it.Reason = "no marker says why this block is not runnable; from its code, " + b.WhyNotRunnable()
	}
	return it
}

func markerReason(kind, text string) string {
	if kind == lessons.MarkCheckedBy {
		return "checked by the tests of the " + text + " lab (nodedive lab " + text + ")"
	}
	return text
}

func failed(it Item, problem string) Item {
	it.Pass = false
	it.Problem = strings.TrimSpace(strings.Join([]string{it.Problem, problem}, "\n"))
	return it
}

// exitProblem describes a run that did not exit normally with status 0.
func exitProblem(res noderun.Result, timeout time.Duration) string {
	switch {
	case res.TimedOut:
		return fmt.Sprintf("node was stopped after the %s time limit", timeout)
	case res.Signal != "":
		return "node was killed by " + res.Signal
	case res.ExitCode != 0:
		return fmt.Sprintf("node exited with status %d, expected 0", res.ExitCode)
	}
	return ""
}

// runError turns an error running node into an item's problem.
func runError(it Item, err error) Item {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return failed(it, "not run: "+err.Error())
	}
	return failed(it, "could not run node: "+err.Error())
}

func clipLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 80 {
		s = s[:79] + "…"
	}
	return s
}
