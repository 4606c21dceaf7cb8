package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/quiz"
	"github.com/nodedive/nodedive/ui"
)

func newQuizCmd() *cobra.Command {
	var (
		topic string
		mock  bool
	)
	cmd := &cobra.Command{
		Use:     "quiz",
		Short:   "Practise a topic or take a mock interview",
		GroupID: groupQuiz,
		Long: "Opens the quiz: practice by topic, or with --mock a timed mock interview of five interview\n" +
			"questions, one per topic, ending in a report. Headless: `nodedive quiz list` lists the\n" +
			"questions and `nodedive grade ID` grades an answer read from stdin.",
		Example: "  nodedive quiz --topic cluster\n  nodedive quiz --mock\n  nodedive quiz list --topic security",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if topic != "" {
				t, err := quiz.ResolveTopic(topic)
				if err != nil {
					return err
				}
				topic = t
			}
			return startApp(cmd, func(o *ui.Options) {
				o.Quiz, o.QuizMock = &topic, mock
			})
		},
	}
	cmd.Flags().StringVarP(&topic, "topic", "t", "", "practise one topic: "+strings.Join(quiz.Topics, ", "))
	cmd.Flags().BoolVar(&mock, "mock", false, "a timed mock interview: five interview questions, one per topic")
	cmd.MarkFlagsMutuallyExclusive("topic", "mock")
	cmd.AddCommand(newQuizListCmd())
	return cmd
}

func newQuizListCmd() *cobra.Command {
	var (
		topic  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the quiz questions (ID, topic, kind)",
		Long: "Lists the question bank. --topic accepts a topic (" + strings.Join(quiz.Topics, ", ") + ")\n" +
			"or a lesson ID or alias such as q14 or clustering.",
		Example: "  nodedive quiz list\n  nodedive quiz list --topic cluster\n  nodedive quiz list --json | jq -r '.[] | select(.kind == \"interview\") | .id'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bank, err := quiz.LoadBank()
			if err != nil {
				return err
			}
			if topic != "" {
				if topic, err = quiz.ResolveTopic(topic); err != nil {
					return err
				}
			}
			qs, err := bank.ByTopic(topic)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				type row struct {
					ID      string    `json:"id"`
					Topic   string    `json:"topic"`
					Kind    quiz.Kind `json:"kind"`
					Lesson  string    `json:"lesson"`
					Section string    `json:"section,omitempty"`
					Prompt  string    `json:"prompt"`
				}
				rows := make([]row, len(qs))
				for i, q := range qs {
					rows[i] = row{q.ID, q.Topic, q.Kind, q.Lesson, q.Section, q.Prompt}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTOPIC\tKIND\tQUESTION")
			for _, q := range qs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", q.ID, q.Topic, q.Kind, quizListPrompt(q.Prompt, 70))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(out, "\n%d questions. Grade an answer with: echo \"...\" | nodedive grade ID\n", len(qs))
			return nil
		},
	}
	cmd.Flags().StringVarP(&topic, "topic", "t", "", "only this topic: "+strings.Join(quiz.Topics, ", "))
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the questions as JSON")
	return cmd
}

// quizListPrompt shortens a prompt to its first line and at most n runes.
func quizListPrompt(p string, n int) string {
	p, _, _ = strings.Cut(strings.TrimSpace(p), "\n")
	if r := []rune(p); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return p
}
