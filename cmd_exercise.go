package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/lessons/progress"
)

func newExerciseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "exercise",
		Aliases: []string{"ex"},
		Short:   "Exercises: write the code, and nodedive proves it works on real node processes",
		GroupID: groupPractice,
		Long: "Each exercise is a small task in JavaScript with a starting scaffold, a README, hints and a\n" +
			"reference solution. The loop: `exercise start ID` writes the scaffold, you edit it, `verify ID`\n" +
			"(or `watch ID`, on every save) runs the checks on node, `exercise hint ID` helps, and\n" +
			"`exercise solution ID` shows the reference solution once you pass.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newExerciseListCmd(), newExerciseStartCmd(), newExerciseHintCmd(), newExerciseSolutionCmd())
	return cmd
}

func newExerciseListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the exercises with your status (new, started, passed)",
		Args:    cobra.NoArgs,
		Example: "  nodedive exercise list\n  nodedive exercise list --json",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := catalog.Load()
			if err != nil {
				return err
			}
			p := loadProgress(cmd)
			type row struct {
				ID     string `json:"id"`
				Topic  string `json:"topic"`
				Title  string `json:"title"`
				Status string `json:"status"`
			}
			rows := make([]row, 0, len(cat.All()))
			for _, e := range cat.All() {
				rows = append(rows, row{ID: e.ID, Topic: e.Topic, Title: e.Title, Status: p.Exercises[e.ID].Status()})
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTOPIC\tSTATUS\tTITLE")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Topic, r.Status, r.Title)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(out, "\nStart one with: nodedive exercise start ID")
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print [{"id", "topic", "title", "status"}]`)
	return cmd
}

func newExerciseStartCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "start ID",
		Short: "Write an exercise's task and scaffold into a directory to work in",
		Long: "Writes README.md (the task) and the scaffold into the exercise's directory: --dir, or\n" +
			"<data dir>/exercises/ID (under $NODEDIVE_HOME/data, $XDG_DATA_HOME/nodedive or\n" +
			"~/.local/share/nodedive). A file that already exists is never overwritten: starting again\n" +
			"only restores files you deleted. The directory is remembered for verify, watch and solution.",
		Example:           "  nodedive exercise start events-once\n  nodedive exercise start modules-dual-package --dir ~/code/tempconv",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeExerciseIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := exerciseArg(args[0])
			if err != nil {
				return err
			}
			target, err := startDir(e, dir)
			if err != nil {
				return err
			}
			res, err := e.WriteStarter(target)
			if err != nil {
				return fmt.Errorf("cannot start %s in %s: %w", e.ID, target, err)
			}
			saveProgress(cmd, func(p *progress.Progress) { p.StartExercise(e.ID, target, time.Now().UTC()) })
			printStarted(cmd.OutOrStdout(), e, res)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the directory to work in (default: under your data directory)")
	return cmd
}

func printStarted(w io.Writer, e *exercise.Exercise, res exercise.WriteResult) {
	fmt.Fprintf(w, "%s: %s\n  in %s\n", e.ID, e.Title, res.Dir)
	if len(res.Written) > 0 {
		fmt.Fprintf(w, "  wrote %s\n", strings.Join(res.Written, ", "))
	}
	if len(res.Kept) > 0 {
		fmt.Fprintf(w, "  left alone (already there, yours): %s\n", strings.Join(res.Kept, ", "))
	}
	if e.Summary != "" {
		fmt.Fprintf(w, "\n%s\n", e.Summary)
	}
	fmt.Fprintf(w, "\nThe task is in %s. Then:\n", filepath.Join(res.Dir, exercise.ReadmeFile))
	fmt.Fprintf(w, "  nodedive verify %s         run the checks\n", e.ID)
	fmt.Fprintf(w, "  nodedive watch %s          run them on every save\n", e.ID)
	fmt.Fprintf(w, "  nodedive exercise hint %s  a hint (%d in all)\n", e.ID, len(e.Hints))
}

func newExerciseHintCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "hint ID",
		Short: "Show the next hint of an exercise (each one gives away a little more)",
		Long: "Hints come in order, from a nudge to nearly the answer: each call shows the next one and\n" +
			"remembers it in your progress. --all shows every hint.",
		Example:           "  nodedive exercise hint events-once\n  nodedive exercise hint events-once --all",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeExerciseIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := exerciseArg(args[0])
			if err != nil {
				return err
			}
			total := len(e.Hints)
			shown := loadProgress(cmd).Exercises[e.ID].GetHints()
			from, to := shown, shown+1 // 0-based range of hints to print
			switch {
			case all:
				from, to = 0, total
			case shown >= total:
				from, to = 0, total // all seen: show them again
			}
			saveProgress(cmd, func(p *progress.Progress) {
				p.Exercise(e.ID).Hints = max(p.Exercise(e.ID).Hints, to)
			})
			out := cmd.OutOrStdout()
			for i := from; i < to; i++ {
				fmt.Fprintf(out, "Hint %d of %d (%s):\n%s\n", i+1, total, e.ID, wrapIndent(e.Hints[i], "  ", 78))
				if i < to-1 {
					fmt.Fprintln(out)
				}
			}
			if to < total {
				fmt.Fprintf(out, "\nRun it again for hint %d.\n", to+1)
			} else {
				fmt.Fprintf(out, "\nThat was the last hint. Still stuck? `nodedive exercise solution %s --reveal` shows the reference solution.\n", e.ID)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "show every hint")
	return cmd
}

func newExerciseSolutionCmd() *cobra.Command {
	var (
		dir            string
		reveal, yesAll bool
	)
	cmd := &cobra.Command{
		Use:   "solution ID",
		Short: "Write the reference solution into the exercise's directory (after you pass, or with --reveal)",
		Long: "Writes the reference solution's files into the exercise's directory. It is offered once you\n" +
			"have passed the exercise; --reveal gives it earlier. Before replacing any file of yours it\n" +
			"asks (unless --yes) and copies your version to .nodedive-backup/<time>/ in the directory.",
		Example:           "  nodedive exercise solution events-once\n  nodedive exercise solution events-once --reveal --yes",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeExerciseIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := exerciseArg(args[0])
			if err != nil {
				return err
			}
			p := loadProgress(cmd)
			passed := p.Exercises[e.ID].Status() == progress.ExercisePassed
			if !passed && !reveal {
				return fmt.Errorf("you have not passed %s yet: `nodedive verify %s` runs the checks, `nodedive exercise hint %s` helps; "+
					"--reveal shows the solution anyway", e.ID, e.ID, e.ID)
			}
			target, err := workDir(e, dir, p)
			if err != nil {
				return err
			}
			plan, err := e.PlanSolution(target)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(plan.Create)+len(plan.Replace) == 0 {
				fmt.Fprintf(out, "Your files in %s already are the reference solution.\n", target)
				return nil
			}
			if len(plan.Replace) > 0 && !yesAll {
				fmt.Fprintf(out, "This replaces your %s in %s with the reference solution (your versions are backed up first).\nReplace them? Type yes to continue: ",
					strings.Join(plan.Replace, ", "), target)
				if ok, answered := confirmed(cmd.InOrStdin()); !ok {
					if !answered {
						fmt.Fprintln(out) // no newline was typed: end the prompt's line
					}
					fmt.Fprintln(out, "Nothing was changed.")
					return nil
				}
			}
			backup, err := e.ApplySolution(plan)
			if err != nil {
				return err
			}
			if !passed {
				saveProgress(cmd, func(p *progress.Progress) { p.Exercise(e.ID).Revealed = true })
			}
			fmt.Fprintf(out, "Wrote the reference solution of %s into %s\n", e.ID, target)
			if len(plan.Create) > 0 {
				fmt.Fprintf(out, "  created  %s\n", strings.Join(plan.Create, ", "))
			}
			if len(plan.Replace) > 0 {
				fmt.Fprintf(out, "  replaced %s (yours are in %s)\n", strings.Join(plan.Replace, ", "), backup)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "the exercise's directory (default: where you started it)")
	f.BoolVar(&reveal, "reveal", false, "show the solution before you have passed")
	f.BoolVarP(&yesAll, "yes", "y", false, "replace your files without asking (they are still backed up)")
	return cmd
}

// confirmed reads one line and reports whether it says yes, and whether a
// whole line was read at all (not just end of input).
func confirmed(in io.Reader) (yes, answered bool) {
	answer, err := bufio.NewReader(in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "yes" || a == "y", err == nil
}

func newVerifyCmd() *cobra.Command {
	var (
		dir, node string
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:     "verify ID",
		Short:   "Run an exercise's checks on your code, on real node processes",
		GroupID: groupPractice,
		Long: "Runs every check of the exercise against your files and prints each with what was expected,\n" +
			"what was observed and a hint. Your code runs in a sandbox: a time limit and an output cap,\n" +
			"its own process group, HOST=127.0.0.1 and a PORT, and nothing it starts survives the check.\n" +
			"Exits 0 only when every check passes; a pass is recorded in your progress.",
		Example:           "  nodedive verify events-once\n  nodedive verify modules-esm-from-cjs --node ~/.nvm/versions/node/v24.11.0/bin/node\n  nodedive verify events-once --json",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeExerciseIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := exerciseArg(args[0])
			if err != nil {
				return err
			}
			target, err := workDir(e, dir, loadProgress(cmd))
			if err != nil {
				return err
			}
			if _, err := noderun.Find(node); err != nil {
				return fmt.Errorf("verifying needs Node.js: %w", err)
			}
			warnAboutNode(cmd.Context(), cmd.ErrOrStderr(), node)
			out := cmd.OutOrStdout()
			opts := exercise.Options{Node: node, CacheDir: dirs().Cache, Progress: progressTo(cmd.ErrOrStderr())}
			if !asJSON {
				fmt.Fprintf(out, "Verifying %s in %s\n\n", e.ID, target)
				opts.OnResult = func(c exercise.CheckResult) { printCheck(out, c) }
			}
			r, err := e.Verify(cmd.Context(), target, opts)
			if err != nil {
				return verifyError(e, err)
			}
			first := recordVerify(cmd, e, r)
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false) // observed output is full of => and <anonymous>
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				printVerdict(out, e, r, first)
			}
			if !r.Passed {
				return &exitError{code: 1, err: verdictError(e, r)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "the exercise's directory (default: where you started it)")
	f.StringVar(&node, "node", "", "the node executable to run the checks on (default: node on PATH)")
	f.BoolVar(&asJSON, "json", false, `print {"exercise", "passed", "checks": [{"name", "pass", "expected", "observed", "hint"}], "not_run", "node", "dir"}`)
	return cmd
}

// progressTo reports a verification's slow preparations (a first npm
// install) on w, stderr, so --json output stays clean.
func progressTo(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintln(w, msg) }
}

// verifyError adds the command to run to an exercise that was not started.
func verifyError(e *exercise.Exercise, err error) error {
	if errors.Is(err, exercise.ErrNotStarted) {
		return fmt.Errorf("%w; `nodedive exercise start %s` writes it (or pass --dir)", err, e.ID)
	}
	return err
}

func verdictError(e *exercise.Exercise, r *exercise.Report) error {
	if !r.Loads() {
		return fmt.Errorf("%s: your code does not load yet, so %d checks did not run", e.ID, r.NotRun)
	}
	return fmt.Errorf("%s: %d of %d checks failed", e.ID, r.Failed(), len(r.Checks))
}

func printCheck(w io.Writer, c exercise.CheckResult) {
	if c.Pass {
		fmt.Fprintf(w, "✓ %s\n", c.Name)
		return
	}
	fmt.Fprintf(w, "✗ %s\n", c.Name)
	fmt.Fprintf(w, "    expected: %s\n", indentRest(c.Expected, "              "))
	fmt.Fprintf(w, "    observed: %s\n", indentRest(c.Observed, "              "))
	fmt.Fprintf(w, "    hint:     %s\n", strings.TrimPrefix(wrapIndent(c.Hint, "              ", 100), "              "))
}

func printVerdict(w io.Writer, e *exercise.Exercise, r *exercise.Report, firstPass bool) {
	fmt.Fprintln(w)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "%s\n\n", wrapIndent("Note: "+n, "", 100))
	}
	switch {
	case r.Passed && firstPass:
		fmt.Fprintf(w, "All %d checks pass on node %s. Exercise passed!\n", len(r.Checks), r.Node)
		fmt.Fprintf(w, "Compare with the reference solution: nodedive exercise solution %s\n", e.ID)
	case r.Passed:
		fmt.Fprintf(w, "All %d checks pass on node %s.\n", len(r.Checks), r.Node)
	case !r.Loads():
		fmt.Fprintf(w, "Your code does not load, so the other %d checks did not run (node %s).\n", r.NotRun, r.Node)
	default:
		fmt.Fprintf(w, "%d of %d checks pass on node %s. Stuck? nodedive exercise hint %s\n", len(r.Checks)-r.Failed(), len(r.Checks), r.Node, e.ID)
	}
}

// recordVerify saves the verification in progress and reports whether it was
// the exercise's first pass.
func recordVerify(cmd *cobra.Command, e *exercise.Exercise, r *exercise.Report) bool {
	first := false
	saveProgress(cmd, func(p *progress.Progress) {
		first = p.RecordVerify(e.ID, r.Dir, r.Passed, time.Now().UTC())
	})
	return first
}

func completeExerciseIDs(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	cat, err := catalog.Load()
	if err != nil || len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, e := range cat.All() {
		names = append(names, e.ID+"\t"+e.Title)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// exerciseArg resolves an exercise ID given on the command line.
func exerciseArg(id string) (*exercise.Exercise, error) {
	cat, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	return cat.Find(id)
}

// defaultExerciseDir is where an exercise is started without --dir.
func defaultExerciseDir(id string) string { return filepath.Join(dirs().Data, "exercises", id) }

// startDir is the directory `exercise start` writes into.
func startDir(e *exercise.Exercise, flag string) (string, error) {
	if flag == "" {
		return defaultExerciseDir(e.ID), nil
	}
	return absDir(flag)
}

// workDir is the exercise's directory for verify, watch and solution: --dir,
// else where it was started, else the default.
func workDir(e *exercise.Exercise, flag string, p *progress.Progress) (string, error) {
	if flag != "" {
		return absDir(flag)
	}
	if rec := p.Exercises[e.ID]; rec != nil && rec.Dir != "" {
		return rec.Dir, nil
	}
	return defaultExerciseDir(e.ID), nil
}

func absDir(dir string) (string, error) {
	if strings.HasPrefix(dir, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, dir[2:])
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("--dir %s: %w", dir, err)
	}
	if info, err := os.Stat(abs); err == nil && !info.IsDir() {
		return "", fmt.Errorf("--dir %s is a file, not a directory", dir)
	}
	return abs, nil
}

// loadProgress reads the progress file; a problem is a warning, never a
// reason to refuse an exercise command.
func loadProgress(cmd *cobra.Command) *progress.Progress {
	p, rec, err := progress.Open(dirs().State).Load()
	if rec != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+rec.String())
	}
	if err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: your progress could not be read: "+err.Error())
		return progress.New()
	}
	return p
}

// saveProgress applies fn to the saved progress; a failure is a warning.
func saveProgress(cmd *cobra.Command, fn func(*progress.Progress)) {
	_, rec, err := progress.Open(dirs().State).Update(func(p *progress.Progress) error {
		fn(p)
		return nil
	})
	if rec != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+rec.String())
	}
	if err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: your progress was not saved: "+err.Error())
	}
}

// indentRest indents every line of s but the first.
func indentRest(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// wrapIndent wraps s at width columns (counting the prefix) and indents each
// line with prefix.
func wrapIndent(s, prefix string, width int) string {
	var lines []string
	line := prefix
	for _, word := range strings.Fields(s) {
		if len(line) > len(prefix) && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = prefix
		}
		if len(line) > len(prefix) {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}
