package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/modules"
)

func newLabModulesCmd() *cobra.Command {
	var (
		list   bool
		name   string
		node   string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "modules",
		Short: "Module experiments (require vs import) run on the installed node",
		Long: "Small programs about CommonJS and ES modules (lesson q11): require is synchronous, imports are\n" +
			"hoisted, import() returns a promise, require.cache, cycles, \"type\": \"module\", __dirname,\n" +
			"require(esm) and top-level await. Each runs on node (the one on PATH, or --node PATH) in a\n" +
			"temporary directory and its output is compared with the expected output for that node version.\n" +
			"With no flags all of them run; --run shows one with its question, code, expected and observed output.",
		Example: "  nodedive lab modules --list\n  nodedive lab modules --run cjs-cycle\n" +
			"  nodedive lab modules --node ~/.nvm/versions/node/v24.0.0/bin/node\n  nodedive lab modules --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all, err := modules.All()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if list && !asJSON {
				return listExperiments(out, all)
			}
			cfg := modules.RunConfig{Node: node}
			if name != "" {
				if _, err := modules.Find(all, name); err != nil {
					return err
				}
				cfg.Names = []string{name}
			}
			if node == "" {
				if _, err := noderun.Find(""); err != nil {
					return fmt.Errorf("the modules lab runs its experiments on Node.js: %w", err)
				}
			} else if _, err := checkNodeFlag(cmd.Context(), node); err != nil {
				return err
			}
			warnAboutNode(cmd.Context(), cmd.ErrOrStderr(), node)
			rep, err := modules.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			switch {
			case asJSON:
				if err := printLabJSON(out, rep); err != nil {
					return err
				}
			case name != "":
				showExperiment(out, rep)
			default:
				summariseExperiments(out, rep)
			}
			if rep.Failed > 0 {
				return fmt.Errorf("%d of %d experiments did not print what was expected on node %s", rep.Failed, len(rep.Experiments), rep.Node.Version)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&list, "list", false, "list the experiments")
	f.StringVar(&name, "run", "", "run one experiment and show its question, code and outputs")
	addNodeFlag(f, &node)
	f.BoolVar(&asJSON, "json", false, `print {"node": {"path", "version"}, "experiments": [{"name", "expected", "observed", "pass", ...}], "passed", "failed"}`)
	return cmd
}

func listExperiments(w io.Writer, all []*modules.Experiment) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTITLE")
	for _, e := range all {
		fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nRun one with: nodedive lab modules --run NAME")
	return nil
}

func showExperiment(w io.Writer, rep *modules.Report) {
	r := rep.Experiments[0]
	fmt.Fprintf(w, "%s\n\nQuestion: %s\n", r.Title, r.Question)
	fmt.Fprintf(w, "\nCode (node runs %s):\n\n%s\n", r.Entry, indent(r.Code))
	fmt.Fprintf(w, "Expected on node %s:\n%s\n", rep.Node.Version, indent(r.Expected))
	fmt.Fprintf(w, "Observed (%s):\n%s\n", rep.Node.Path, indent(r.Observed))
	if r.Pass {
		fmt.Fprintln(w, "Result: as expected.")
	} else {
		fmt.Fprintf(w, "Result: NOT as expected.\n%s\n", indent(r.Diff))
	}
	fmt.Fprintf(w, "\nWhy (lesson %s):\n%s", r.Lesson, indent(r.Explanation))
}

func indent(s string) string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return "    (nothing)\n"
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func summariseExperiments(w io.Writer, rep *modules.Report) {
	fmt.Fprintf(w, "On %s:\n\n", rep.Node)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "EXPERIMENT\tRESULT ON NODE %s\tTITLE\n", rep.Node.Version)
	for _, r := range rep.Experiments {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, modules.Verdict(r), r.Title)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nSee one in full with: nodedive lab modules --run NAME")
}
