package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/progress"
)

func newProgressCmd() *cobra.Command {
	var asJSON, reset, yes bool
	cmd := &cobra.Command{
		Use:     "progress",
		Short:   "Show (or reset) your saved progress",
		GroupID: groupLearn,
		Args:    cobra.NoArgs,
		Example: "  nodedive progress\n  nodedive progress --json\n  nodedive progress --reset",
		RunE: func(cmd *cobra.Command, _ []string) error {
			store := progress.Open(dirs().State)
			out := cmd.OutOrStdout()
			if reset {
				return resetProgress(cmd.InOrStdin(), out, store, yes)
			}
			p, rec, err := store.Load()
			if err != nil {
				return err
			}
			if rec != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+rec.String())
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(p)
			}
			course, err := lessons.Load()
			if err != nil {
				return err
			}
			printProgress(out, course, p, store.Path())
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print the raw progress file contents as JSON")
	f.BoolVar(&reset, "reset", false, "wipe your progress (asks first; the old file is kept as a backup)")
	f.BoolVarP(&yes, "yes", "y", false, "with --reset: do not ask")
	return cmd
}

func resetProgress(in io.Reader, out io.Writer, store *progress.Store, yes bool) error {
	if !yes {
		fmt.Fprintf(out, "This wipes your progress in %s (a backup is kept). Type yes to continue: ", store.Path())
		answer, _ := bufio.NewReader(in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "yes" && a != "y" {
			fmt.Fprintln(out, "Nothing was changed.")
			return nil
		}
	}
	backup, err := store.Reset()
	if err != nil {
		return err
	}
	if backup == "" {
		fmt.Fprintln(out, "There was no progress to reset.")
		return nil
	}
	fmt.Fprintf(out, "Progress reset. The old file was kept at %s\n", backup)
	return nil
}

func printProgress(out io.Writer, course *lessons.Course, p *progress.Progress, path string) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LESSON\tREAD\tQUIZ\tTITLE")
	for _, l := range course.Lessons {
		read := 0
		for _, s := range l.Sections {
			if p.IsRead(l.ID, s.Slug) {
				read++
			}
		}
		quiz := "-"
		if l.QuizTopic != "" {
			attempts, best := 0, 0
			for id, q := range p.Quiz {
				if strings.HasPrefix(id, l.QuizTopic+"-") || id == l.ID {
					attempts += q.Attempts
					best = max(best, q.BestScore)
				}
			}
			if attempts > 0 {
				quiz = fmt.Sprintf("%d tries, best %d", attempts, best)
			}
		}
		fmt.Fprintf(tw, "%s\t%d/%d sections\t%s\t%s\n", l.ID, read, len(l.Sections), quiz, l.Title)
	}
	tw.Flush()
	if p.Last != nil {
		fmt.Fprintf(out, "\nYou left off in %s", p.Last.Lesson)
		if p.Last.Section != "" {
			fmt.Fprintf(out, " (section %s)", p.Last.Section)
		}
		fmt.Fprintf(out, " on %s.\n", p.Last.At.Local().Format("2 Jan 15:04"))
	}
	if len(p.Labs) > 0 {
		names := make([]string, 0, len(p.Labs))
		for n := range p.Labs {
			names = append(names, n)
		}
		slices.Sort(names)
		fmt.Fprintln(out, "\nLabs run:")
		for _, n := range names {
			fmt.Fprintf(out, "  %-10s %d times, last %s\n", n, p.Labs[n].Runs, p.Labs[n].LastRun.Local().Format("2 Jan 15:04"))
		}
	}
	printExerciseProgress(out, p)
	fmt.Fprintf(out, "\nSaved in %s\n", path)
}

// printExerciseProgress counts the exercises by status.
func printExerciseProgress(out io.Writer, p *progress.Progress) {
	cat, err := catalog.Load()
	if err != nil {
		return
	}
	counts := map[string]int{}
	for _, e := range cat.All() {
		counts[p.Exercises[e.ID].Status()]++
	}
	fmt.Fprintf(out, "\nExercises: %d passed, %d started, %d new (nodedive exercise list)\n",
		counts[progress.ExercisePassed], counts[progress.ExerciseStarted], counts[progress.ExerciseNew])
}
