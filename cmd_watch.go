package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/watch"
)

func newWatchCmd() *cobra.Command {
	var dir, node string
	cmd := &cobra.Command{
		Use:     "watch ID",
		Short:   "Verify an exercise again every time you save a file",
		GroupID: groupPractice,
		Long: "Runs the exercise's checks (like verify), then again after every save in the exercise's\n" +
			"directory. A save while checks run restarts them on the new code. Passes are recorded in your\n" +
			"progress. Ctrl-C stops watching, and the checks' processes with it.",
		Example:           "  nodedive watch events-once\n  nodedive watch modules-dual-package --dir ~/code/tempconv",
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
			if _, err := os.Stat(target); err != nil {
				return verifyError(e, fmt.Errorf("%w: there is no directory %s", exercise.ErrNotStarted, target))
			}
			if _, err := noderun.Find(node); err != nil {
				return fmt.Errorf("verifying needs Node.js: %w", err)
			}
			warnAboutNode(cmd.Context(), cmd.ErrOrStderr(), node)
			w, err := watch.Start(target, 0)
			if err != nil {
				return fmt.Errorf("cannot watch %s: %w", target, err)
			}
			defer w.Close()
			l := &watchLoop{cmd: cmd, e: e, dir: target, node: node, w: w}
			return l.run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "the exercise's directory (default: where you started it)")
	f.StringVar(&node, "node", "", "the node executable to run the checks on (default: node on PATH)")
	return cmd
}

// watchLoop verifies on every change. One verification runs at a time; a
// change cancels the running one (the sandbox stops its processes) before
// the next starts, so output never interleaves.
type watchLoop struct {
	cmd  *cobra.Command
	e    *exercise.Exercise
	dir  string
	node string
	w    *watch.Watcher
}

type verification struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (v *verification) stop() {
	v.cancel()
	<-v.done
}

func (l *watchLoop) run(ctx context.Context) error {
	out := l.cmd.OutOrStdout()
	current := l.start(ctx, nil)
	for {
		select {
		case <-ctx.Done():
			current.stop()
			fmt.Fprintln(out, "\nStopped watching.")
			return nil
		case changed := <-l.w.Changes():
			current.stop()
			current = l.start(ctx, changed)
		case err := <-l.w.Errors():
			fmt.Fprintf(l.cmd.ErrOrStderr(), "warning: watching %s: %v\n", l.dir, err)
		}
	}
}

func (l *watchLoop) start(parent context.Context, changed []string) *verification {
	ctx, cancel := context.WithCancel(parent)
	v := &verification{cancel: cancel, done: make(chan struct{})}
	out := l.cmd.OutOrStdout()
	if f, ok := out.(*os.File); ok && term.IsTerminal(f.Fd()) {
		fmt.Fprint(out, "\x1b[H\x1b[2J") // a fresh screen per run, like rustlings
	}
	header := fmt.Sprintf("── %s  verifying %s in %s", time.Now().Format("15:04:05"), l.e.ID, l.dir)
	if len(changed) > 0 {
		header += fmt.Sprintf(" (saved: %s)", strings.Join(changed, ", "))
	}
	fmt.Fprintf(out, "%s\n\n", header)
	go func() {
		defer close(v.done)
		r, err := l.e.Verify(ctx, l.dir, exercise.Options{
			Node:     l.node,
			OnResult: func(c exercise.CheckResult) { printCheck(out, c) },
			CacheDir: dirs().Cache,
			Progress: progressTo(out),
		})
		if ctx.Err() != nil {
			return // a newer save, or Ctrl-C: its run reports
		}
		if err != nil {
			fmt.Fprintf(out, "Cannot verify: %v\n", verifyError(l.e, err))
		} else {
			printVerdict(out, l.e, r, recordVerify(l.cmd, l.e, r))
		}
		fmt.Fprintf(out, "\nWatching %s: save a file to check again, Ctrl-C to stop.\n", l.dir)
	}()
	return v
}
