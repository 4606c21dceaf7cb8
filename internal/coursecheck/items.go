package coursecheck

import (
	"context"
	"fmt"
	"strings"

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
		// The lab's own run (its time limit; noderun's default output
		// cap, which is MaxOutput) and comparison; the words for a
		// failure are ours.
		got, err := e.RunOn(ctx, noderun.Info{Path: n.Path, Version: n.Version})
		if err != nil {
			return runError(it, err)
		}
		it.Observed = got.Stdout
		pass, _ := modules.Compare(want, got)
		it.Pass = pass
		if !pass {
			var why []string
			if got.TimedOut {
				why = append(why, fmt.Sprintf("node was stopped after the %s time limit", modules.Timeout))
			}
			if got.Exit != want.Exit {
				why = append(why, fmt.Sprintf("node exited with status %d, expected %d", got.Exit, want.Exit))
			}
			if got.Stdout != want.Stdout {
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
// given node, with the check's time limit and output cap, and says what
// went wrong with the run, if anything.
func runHarness(ctx context.Context, sc *scenario.Scenario, node string, o Options) (trace []string, problem string, err error) {
	trace, res, err := scenario.RunHarness(ctx, sc, noderun.Options{Node: node, Timeout: o.Timeout, MaxOutput: MaxOutput})
	if err != nil {
		return nil, "", err
	}
	problem = exitProblem(res, o.Timeout)
	if s := strings.TrimSpace(res.Stderr); s != "" {
		problem = strings.TrimSpace(problem + "\nthe harness wrote to stderr: " + clipLine(s))
	}
	return trace, problem, nil
}
