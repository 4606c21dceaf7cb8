package coursecheck

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/emitter/scenario"
	"github.com/nodedive/nodedive/labs/modules"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/quiz"
)

func blockJob(l *lessons.Lesson, b lessons.CodeBlock) job {
	it := Item{Kind: Block, ID: fmt.Sprintf("%s/%d", l.ID, b.Index+1), Source: source(l, b.Line)}
	if b.Section >= 0 && b.Section < len(l.Sections) {
		it.Title = l.Sections[b.Section].Title
	}
	return job{item: it, run: func(ctx context.Context, n Node, o Options) Item {
		res, err := noderun.Run(ctx, b.Program(), noderun.Options{Node: n.Path, Timeout: o.Timeout, MaxOutput: MaxOutput})
		if err != nil {
			return runError(it, err)
		}
		return compareBlock(it, b, n.Major, res, o)
	}}
}

// compareBlock compares a lesson block's run with its output blocks for
// node's major version; the process must also exit 0.
func compareBlock(it Item, b lessons.CodeBlock, major int, res noderun.Result, o Options) Item {
	it.Observed, it.Pass = res.Stdout, true
	if p := exitProblem(res, o.Timeout); p != "" {
		it = failed(it, p)
	}
	if res.Truncated {
		it = failed(it, fmt.Sprintf("the output was cut at %d KiB", MaxOutput>>10))
	}
	want, ok := b.Expected(major, lessons.Stdout)
	if !ok {
		return failed(it, fmt.Sprintf("the lesson states no stdout for node %d (no output block applies to it)", major))
	}
	it.Expected = want.Text
	if want.Match != lessons.Exact {
		it.Match = string(want.Match)
	}
	if why := want.Check(res.Stdout); why != "" {
		it = failed(it, why)
	}
	if want, ok := b.Expected(major, lessons.Stderr); ok {
		it.Stderr = &Stream{Expected: want.Text, Observed: res.Stderr, Match: string(want.Match)}
		if why := want.Check(res.Stderr); why != "" {
			it = failed(it, why)
		}
	}
	return it
}

func outputJob(q *quiz.Question) job {
	it := Item{Kind: Output, ID: q.ID, Title: clipLine(q.Prompt), Expected: q.Expected}
	return job{item: it, run: func(ctx context.Context, n Node, o Options) Item {
		res, err := noderun.Run(ctx, q.Program(), noderun.Options{Node: n.Path, Timeout: o.Timeout, MaxOutput: MaxOutput})
		if err != nil {
			return runError(it, err)
		}
		it.Observed, it.Pass = res.Stdout, true
		if p := exitProblem(res, o.Timeout); p != "" {
			it = failed(it, p)
		}
		// The quiz shows the learner exactly this text as the answer.
		if res.Stdout != q.Expected {
			it = failed(it, "the stdout differs")
		}
		return it
	}}
}

func experimentJob(e *modules.Experiment) job {
	it := Item{Kind: Experiment, ID: e.Name, Title: e.Title, Source: "content/labs/modules/" + e.Name + "/experiment.yaml"}
	return job{item: it, run: func(ctx context.Context, n Node, _ Options) Item {
		want, err := e.Expected(n.Version)
		if err != nil {
			return failed(it, err.Error())
		}
		it.Expected = want.Stdout
		// As modules.Experiment.Run does, but on the chosen node: pin
		// CommonJS for .js files so a package.json with "type" in a
		// parent of the temporary directory cannot change them.
		files := e.Files
		if !slices.ContainsFunc(files, func(f noderun.File) bool { return f.Name == "package.json" }) {
			files = append(slices.Clip(files), noderun.File{Name: "package.json", Text: `{"type": "commonjs"}` + "\n"})
		}
		res, err := noderun.Run(ctx, noderun.Program{Files: files, Entry: e.Entry},
			noderun.Options{Node: n.Path, Timeout: modules.Timeout, MaxOutput: MaxOutput})
		if err != nil {
			return runError(it, err)
		}
		it.Observed = res.Stdout
		got := modules.Observed{Node: n.Version, Stdout: res.Stdout, Stderr: res.Stderr, Exit: res.ExitCode, TimedOut: res.TimedOut}
		pass, _ := modules.Compare(want, got)
		it.Pass = pass
		if !pass {
			var why []string
			if res.TimedOut {
				why = append(why, fmt.Sprintf("node was stopped after the %s time limit", modules.Timeout))
			}
			if res.ExitCode != want.Exit {
				why = append(why, fmt.Sprintf("node exited with status %d, expected %d", res.ExitCode, want.Exit))
			}
			if res.Stdout != want.Stdout {
				why = append(why, "the stdout differs")
			}
			it = failed(it, strings.Join(why, "\n"))
		}
		return it
	}}
}

func scenarioJob(sc *scenario.Scenario) job {
	it := Item{Kind: Scenario, ID: sc.Name, Title: sc.Title, Source: "content/labs/emitter/scenarios/" + sc.Name + ".json"}
	return job{item: it, run: func(ctx context.Context, n Node, o Options) Item {
		goTrace := scenario.RunGo(sc)
		it.Expected = strings.Join(goTrace, "\n") + "\n"
		nodeTrace, problem, err := runHarness(ctx, sc, n.Path, o)
		if err != nil {
			return runError(it, err)
		}
		it.Observed = strings.Join(nodeTrace, "\n") + "\n"
		if problem != "" {
			return failed(it, problem)
		}
		if d := scenario.Diff(goTrace, nodeTrace); d != "" {
			return failed(it, "node's trace differs from the Go emitter's")
		}
		it.Pass = true
		return it
	}}
}

// runHarness runs a scenario through the emitter lab's harness on the
// given node, as scenario.RunNode does on the node on PATH.
func runHarness(ctx context.Context, sc *scenario.Scenario, node string, o Options) (trace []string, problem string, err error) {
	harness, err := fs.ReadFile(content.Labs(), scenario.HarnessFile)
	if err != nil {
		return nil, "", err
	}
	res, err := noderun.Run(ctx, noderun.Program{
		Files: []noderun.File{
			{Name: "harness.js", Text: string(harness)},
			{Name: "scenario.json", Text: string(sc.Source)},
		},
		Entry: "harness.js",
		// The harness traces warnings itself.
		NodeArgs: []string{"--no-warnings"},
	}, noderun.Options{Node: node, Timeout: o.Timeout, MaxOutput: MaxOutput})
	if err != nil {
		return nil, "", err
	}
	trace = strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n")
	if p := exitProblem(res, o.Timeout); p != "" {
		problem = p
	}
	if s := strings.TrimSpace(res.Stderr); s != "" {
		problem = strings.TrimSpace(problem + "\nthe harness wrote to stderr: " + clipLine(s))
	}
	return trace, problem, nil
}
