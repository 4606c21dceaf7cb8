package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/lessons"
)

// runOutputCap bounds what a lesson block may print.
const runOutputCap = 64 << 10

func newRunCmd() *cobra.Command {
	var (
		block   int
		list    bool
		force   bool
		timeout time.Duration
		node    string
	)
	cmd := &cobra.Command{
		Use:     "run ID --block N",
		Short:   "Run a lesson's code block on node and print its output",
		GroupID: groupLearn,
		Long: "Runs code block N of a lesson on node (the one on PATH, or --node PATH), in a temporary\n" +
			"directory, with a time limit and an output cap; the child is killed when nodedive exits. N counts\n" +
			"the lesson's code blocks from 1, as `nodedive run ID --list` shows them. Blocks not marked\n" +
			"runnable (they need npm packages, or run until stopped) are refused unless --force. nodedive\n" +
			"exits with the program's exit status.",
		Example:           "  nodedive run q11 --list\n  nodedive run q11 --block 2\n  nodedive run events --block 1 --timeout 3s",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeLessonIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout <= 0 {
				return fmt.Errorf("--timeout %s: the time limit must be above zero, e.g. --timeout 10s", timeout)
			}
			l, err := lessonArg(args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if list {
				return listBlocks(out, l)
			}
			if !cmd.Flags().Changed("block") {
				return fmt.Errorf("say which block to run with --block N (1 to %d); `nodedive run %s --list` lists them", len(l.Blocks), l.ID)
			}
			b, err := pickBlock(l, block)
			if err != nil {
				return err
			}
			if !b.IsJavaScript() {
				return fmt.Errorf("block %d of %s is %s, not JavaScript: there is nothing to run on node", block, l.ID, b.Lang)
			}
			if !b.Runnable && !force {
				return fmt.Errorf("block %d of %s is not marked runnable: %s; run it anyway with --force",
					block, l.ID, b.WhyNotRunnable())
			}
			var info noderun.Info
			if node != "" {
				if info, err = checkNodeFlag(cmd.Context(), node); err != nil {
					return err
				}
			} else if _, err := noderun.Find(""); err != nil {
				return fmt.Errorf("running lesson code needs Node.js: %w", err)
			}
			warnAboutNode(cmd.Context(), cmd.ErrOrStderr(), node)
			res, err := noderun.Run(cmd.Context(), b.Program(), noderun.Options{Node: node, Timeout: timeout, MaxOutput: runOutputCap})
			if err != nil {
				return err
			}
			if _, err := io.WriteString(out, res.Output); err != nil {
				return err
			}
			if res.Output != "" && !strings.HasSuffix(res.Output, "\n") {
				fmt.Fprintln(out)
			}
			status := runStatus(res, timeout)
			if info.Path != "" {
				status += " on " + info.String()
			}
			fmt.Fprintln(out, status)
			switch {
			case res.TimedOut:
				return &exitError{code: 124, err: fmt.Errorf("block %d of %s was stopped after the %s time limit", block, l.ID, timeout)}
			case res.Signal != "":
				return &exitError{code: 128 + 9, err: fmt.Errorf("block %d of %s was killed by %s", block, l.ID, res.Signal)}
			case res.ExitCode != 0:
				return &exitError{code: res.ExitCode, err: fmt.Errorf("block %d of %s exited with status %d", block, l.ID, res.ExitCode)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVarP(&block, "block", "b", 0, "the block to run, counted from 1 (see --list)")
	f.BoolVar(&list, "list", false, "list the lesson's code blocks with their numbers")
	f.BoolVar(&force, "force", false, "run a block that is not marked runnable")
	f.DurationVar(&timeout, "timeout", 10*time.Second, "stop the program after this long")
	addNodeFlag(f, &node)
	return cmd
}

func pickBlock(l *lessons.Lesson, n int) (lessons.CodeBlock, error) {
	if len(l.Blocks) == 0 {
		return lessons.CodeBlock{}, fmt.Errorf("lesson %s has no code blocks", l.ID)
	}
	if n < 1 || n > len(l.Blocks) {
		return lessons.CodeBlock{}, fmt.Errorf("lesson %s has code blocks 1 to %d, not %d (see `nodedive run %s --list`)",
			l.ID, len(l.Blocks), n, l.ID)
	}
	return l.Blocks[n-1], nil
}

func listBlocks(w io.Writer, l *lessons.Lesson) error {
	fmt.Fprintf(w, "%s: %s\n\n", l.ID, l.Title)
	if len(l.Blocks) == 0 {
		fmt.Fprintln(w, "This lesson has no code blocks.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tLANG\tRUNNABLE\tSECTION\tFIRST LINE")
	for i, b := range l.Blocks {
		section := "-"
		if b.Section >= 0 && b.Section < len(l.Sections) {
			section = l.Sections[b.Section].Title
		}
		runnable := "no"
		switch {
		case b.Runnable:
			runnable = "yes"
		case !b.IsJavaScript():
			runnable = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", i+1, b.Lang, runnable, clip(section, 28), clip(firstLine(b.Text), 48))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nRun one with: nodedive run %s --block N\n", l.ID)
	return nil
}

func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func runStatus(res noderun.Result, timeout time.Duration) string {
	took := res.Duration.Round(time.Millisecond)
	var s string
	switch {
	case res.TimedOut:
		s = fmt.Sprintf("--- stopped after the %s time limit", timeout)
	case res.Signal != "":
		s = fmt.Sprintf("--- node was killed by %s after %s", res.Signal, took)
	default:
		s = fmt.Sprintf("--- node exited with status %d after %s", res.ExitCode, took)
	}
	if res.Truncated {
		s += fmt.Sprintf(" (output cut at %d KiB)", runOutputCap>>10)
	}
	return s
}
