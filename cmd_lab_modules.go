package main

import (
	"encoding/json"
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
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "modules",
		Short: "Module experiments (require vs import) run on the installed node",
		Long: "Small programs about CommonJS and ES modules (lesson q11): require is synchronous, imports are\n" +
			"hoisted, import() returns a promise, require.cache, cycles, \"type\": \"module\", __dirname,\n" +
			"require(esm) and top-level await. Each runs on the installed node in a temporary directory and\n" +
			"its output is compared with the expected output for that node version. With no flags all of\n" +
			"them run; --run shows one with its question, code, expected and observed output.",
		Example: "  nodedive lab modules --list\n  nodedive lab modules --run cjs-cycle\n  nodedive lab modules --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all, err := modules.All()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if list && !asJSON {
				return listExperiments(out, all)
			}
			exps := all
			if name != "" {
				e, err := modules.Find(all, name)
				if err != nil {
					return err
				}
				exps = []*modules.Experiment{e}
			}
			if _, err := noderun.Find(""); err != nil {
				return fmt.Errorf("the modules lab runs its experiments on Node.js: %w", err)
			}
			rep, err := modules.RunAll(cmd.Context(), exps)
			if err != nil {
				return err
			}
			failed := 0
			for _, r := range rep.Experiments {
				if !r.Pass {
					failed++
				}
			}
			switch {
			case asJSON:
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			case name != "":
				showExperiment(out, exps[0], rep)
			default:
				summariseExperiments(out, rep)
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d experiments did not print what was expected on node %s", failed, len(rep.Experiments), rep.Node)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&list, "list", false, "list the experiments")
	f.StringVar(&name, "run", "", "run one experiment and show its question, code and outputs")
	f.BoolVar(&asJSON, "json", false, `print {"node", "experiments": [{"name", "expected", "observed", "pass"}]}`)
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

func showExperiment(w io.Writer, e *modules.Experiment, rep modules.Report) {
	r := rep.Experiments[0]
	fmt.Fprintf(w, "%s\n\nQuestion: %s\n", e.Title, strings.TrimSpace(e.Question))
	fmt.Fprintf(w, "\nCode (node runs %s):\n\n%s\n", e.Entry, indent(e.Code()))
	fmt.Fprintf(w, "Expected on node %s:\n%s\n", rep.Node, indent(r.Expected))
	fmt.Fprintf(w, "Observed:\n%s\n", indent(r.Observed))
	if r.Pass {
		fmt.Fprintln(w, "Result: as expected.")
	} else {
		fmt.Fprintf(w, "Result: NOT as expected.\n%s\n", indent(r.Diff))
	}
	fmt.Fprintf(w, "\nWhy (lesson %s):\n%s", e.Lesson, indent(e.Explanation))
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

func summariseExperiments(w io.Writer, rep modules.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "EXPERIMENT\tRESULT ON NODE %s\tTITLE\n", rep.Node)
	for _, r := range rep.Experiments {
		verdict := "as expected"
		if !r.Pass {
			verdict = "DIFFERENT"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, verdict, r.Title)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nSee one in full with: nodedive lab modules --run NAME")
}
