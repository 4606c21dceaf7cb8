package scenario

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/noderun"
)

// HarnessFile is the harness inside content.Labs().
const HarnessFile = "emitter/harness.js"

// nodeTimeout bounds one harness run; a scenario takes about 50 ms.
const nodeTimeout = 15 * time.Second

// RunNode runs the scenario through the harness on the node on PATH and
// returns its trace. Without node the error wraps noderun.ErrNoNode.
func RunNode(ctx context.Context, sc *Scenario) ([]string, error) {
	return RunNodeOn(ctx, sc, "")
}

// RunNodeOn is RunNode on the given node executable ("" is node on PATH).
// A harness that fails (an exit status, a time-out, anything on stderr) is
// an error.
func RunNodeOn(ctx context.Context, sc *Scenario, node string) ([]string, error) {
	trace, res, err := RunHarness(ctx, sc, noderun.Options{Node: node, Timeout: nodeTimeout, MaxOutput: 1 << 20})
	if err != nil {
		return nil, err
	}
	if !res.OK() || res.Stderr != "" {
		return nil, fmt.Errorf("harness failed on scenario %s (exit %d, timed out %v): %s",
			sc.Name, res.ExitCode, res.TimedOut, strings.TrimSpace(res.Stderr))
	}
	return trace, nil
}

// RunHarness runs the scenario through the harness with opts (the node,
// its time limit and output cap) and returns node's trace with the run's
// result, however it ended: for a caller that reports a failed run itself,
// as `nodedive check` does. The error is about starting node at all.
func RunHarness(ctx context.Context, sc *Scenario, opts noderun.Options) ([]string, noderun.Result, error) {
	harness, err := fs.ReadFile(content.Labs(), HarnessFile)
	if err != nil {
		return nil, noderun.Result{}, err
	}
	res, err := noderun.Run(ctx, noderun.Program{
		Files: []noderun.File{
			{Name: "harness.js", Text: string(harness)},
			{Name: "scenario.json", Text: string(sc.Source)},
		},
		Entry: "harness.js",
		// The harness traces warnings itself; node's own printout of
		// them on stderr would only be noise.
		NodeArgs: []string{"--no-warnings"},
	}, opts)
	if err != nil {
		return nil, res, err
	}
	return strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n"), res, nil
}

// Diff compares two traces and describes the first difference, or returns
// "" when they are identical.
func Diff(goTrace, nodeTrace []string) string {
	for i := 0; i < max(len(goTrace), len(nodeTrace)); i++ {
		var g, n string
		if i < len(goTrace) {
			g = goTrace[i]
		}
		if i < len(nodeTrace) {
			n = nodeTrace[i]
		}
		if g != n || i >= len(goTrace) || i >= len(nodeTrace) {
			return fmt.Sprintf("line %d differs:\n  go:   %q\n  node: %q", i+1, g, n)
		}
	}
	return ""
}
