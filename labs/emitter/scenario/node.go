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
func RunNodeOn(ctx context.Context, sc *Scenario, node string) ([]string, error) {
	harness, err := fs.ReadFile(content.Labs(), HarnessFile)
	if err != nil {
		return nil, err
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
	}, noderun.Options{Node: node, Timeout: nodeTimeout, MaxOutput: 1 << 20})
	if err != nil {
		return nil, err
	}
	if !res.OK() || res.Stderr != "" {
		return nil, fmt.Errorf("harness failed on scenario %s (exit %d, timed out %v): %s",
			sc.Name, res.ExitCode, res.TimedOut, strings.TrimSpace(res.Stderr))
	}
	return strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n"), nil
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
