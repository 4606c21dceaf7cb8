package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
	"github.com/nodedive/nodedive/labs/scale"
)

// newRootCmd builds the command tree. Each subcommand lives in its own
// cmd_*.go file and is added to the list below.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "nodedive",
		Short: "A Node.js deep dive you can read, run and be graded on",
		Long: "nodedive teaches senior-level Node.js (modules, EventEmitter, scaling, clustering, security)\n" +
			"with lessons, live labs on real processes, and quizzes graded against model interview answers.\n" +
			"Run it with no arguments to open the app.",
		Args: cobra.NoArgs,
		RunE: runApp,
	}
	root.AddGroup(
		&cobra.Group{ID: groupLearn, Title: "Learn"},
		&cobra.Group{ID: groupLabs, Title: "Labs"},
		&cobra.Group{ID: groupPractice, Title: "Exercises"},
		&cobra.Group{ID: groupQuiz, Title: "Quiz"},
	)
	root.AddCommand(
		newLessonsCmd(),
		newReadCmd(),
		newRunCmd(),
		newCheckCmd(),
		newLabCmd(),
		newProgressCmd(),
		newQuizCmd(), newGradeCmd(),
		newExerciseCmd(), newVerifyCmd(), newWatchCmd(),
	)
	return root
}

const (
	groupLearn    = "learn"
	groupLabs     = "labs"
	groupPractice = "practice"
	groupQuiz     = "quiz"
)

// exitError carries a specific process exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// runChildRole runs a hidden child role when args ask for one and reports
// whether it did. Labs that re-execute nodedive register their roles here.
func runChildRole(args []string) bool {
	// A cluster worker: runs until drained and exits the process itself.
	if cluster.RunChild(args) {
		return true
	}
	// A scaling-lab instance: a cluster primary in its own process.
	if scale.RunChild(args) {
		return true
	}
	// The supervisor of a learner's program under an exercise check.
	if sandbox.RunChild(args) {
		return true
	}
	return false
}

// runApp opens the full-screen app.
func runApp(cmd *cobra.Command, _ []string) error {
	return startApp(cmd)
}
