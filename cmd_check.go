package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/internal/coursecheck"
	"github.com/nodedive/nodedive/internal/noderun"
)

func newCheckCmd() *cobra.Command { return newCheckCmdWith(coursecheck.Course) }

// newCheckCmdWith builds `nodedive check` over the items load returns
// (tests pass fixtures).
func newCheckCmdWith(load func() (coursecheck.Sources, error)) *cobra.Command {
	var (
		node    string
		asJSON  bool
		only    string
		verbose bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:     "check",
		Short:   "Run every example, output question and experiment on a node and compare the output",
		GroupID: groupLearn,
		Long: "Runs everything the course says about Node on one node executable (default: node on PATH) and\n" +
			"compares what it printed with what the course says for that version: the lessons' runnable blocks\n" +
			"(against their output blocks), the quiz's output questions, the module experiments and the emitter\n" +
			"scenarios (node's trace against the Go emitter's). Each item prints ok or FAIL; a failure shows\n" +
			"expected vs observed. Two node processes run at a time, each with a time limit and an output cap.\n" +
			"The exit status is 1 when any item differs.\n\n" +
			"Supported lines: " + noderun.LinesText() + ". On an older node the check still runs, and a warning names\n" +
			"the examples the course expects to differ there.\n\n" +
			"Lesson code that is not run (it needs npm packages or a server, or a lab's tests check it) is\n" +
			"listed with why under --verbose, and always in --json as kind \"unchecked\" with pass true; it is\n" +
			"counted apart from passed and failed.\n\n" +
			"--json prints {node: {path, version, major, supported, warning}, items: [{kind, id, title, source,\n" +
			"pass, expected, observed, match, stderr, problem, reason}], passed, failed, unchecked}.",
		Example: "  nodedive check\n  nodedive check --node ~/.nvm/versions/node/v24.22.3/bin/node\n" +
			"  nodedive check --only block,experiment --verbose\n  nodedive check --json | jq '.items[] | select(.pass | not)'",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var kinds []coursecheck.Kind
			if only != "" {
				var err error
				if kinds, err = coursecheck.ParseKinds(only); err != nil {
					return fmt.Errorf("--only: %w", err)
				}
			}
			if timeout <= 0 {
				return fmt.Errorf("--timeout must be positive, not %s", timeout)
			}
			n, err := coursecheck.Resolve(cmd.Context(), node)
			switch {
			case err != nil && node == "":
				return fmt.Errorf("checking the course needs Node.js: %w", err)
			case err != nil:
				return fmt.Errorf("--node: %w", err) // the error names the path
			}
			src, err := load()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			opts := coursecheck.Options{Only: kinds, Timeout: timeout}
			if !asJSON {
				coursecheck.WriteHeader(out, n)
				opts.Each = func(it coursecheck.Item) { coursecheck.WriteItem(out, it, verbose) }
			}
			rep, err := coursecheck.Check(cmd.Context(), src, n, opts)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				coursecheck.WriteSummary(out, rep, verbose)
			}
			if rep.Failed > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d of %d items differ on node %s (%s)",
					rep.Failed, rep.Passed+rep.Failed, rep.Node.Version, rep.Node.Path)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&node, "node", "", "the node executable to check (default: node on PATH)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.StringVar(&only, "only", "", "check only these kinds, separated by commas: block, output, experiment, scenario, unchecked")
	f.BoolVarP(&verbose, "verbose", "v", false, "also list the code that is not checked here, with why")
	f.DurationVar(&timeout, "timeout", 20*time.Second, "stop each program after this long")
	return cmd
}
