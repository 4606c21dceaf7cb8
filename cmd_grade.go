package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/quiz"
	"github.com/nodedive/nodedive/quiz/grade"
)

// maxStdin bounds what grade reads: the grader itself keeps 8 KiB, the
// rest only has to be noticed, not buffered without end.
const maxStdin = 1 << 20

func newGradeCmd() *cobra.Command {
	var (
		asJSON bool
		eval   string
	)
	cmd := &cobra.Command{
		Use:     "grade ID | grade --eval FILE.jsonl",
		Short:   "Grade an answer read from stdin against a quiz question",
		GroupID: groupQuiz,
		Long: "Reads an answer on stdin and grades it against question ID (see `nodedive quiz list`).\n\n" +
			"Interview questions are graded against a rubric: the score (0-100), the verdict (strong >= 75,\n" +
			"partial 40-74, weak < 40), the concepts covered and missed, the misconceptions found with\n" +
			"their corrections, then the model answer. Other questions take a short answer: option letters\n" +
			"for choice (\"b\" or \"a,c\"), true/false, the missing code for fill, the printed lines for output.\n" +
			"Answers over 8 KiB are cut, with a notice.\n\n" +
			"With --eval FILE.jsonl it grades a labelled file instead (one JSON object per line: q, answer,\n" +
			"verdicts or verdict, misconceptions, optional disputed and id; the format of\n" +
			"quiz/testdata/corpus) and prints the verdict agreement, the confusion matrix, misconception\n" +
			"recall and false alarms, and every answer where the grader and the labels differ.",
		Example: "  echo 'require is CommonJS and synchronous; import is static ESM.' | nodedive grade q11\n" +
			"  nodedive grade q14 --json < answer.txt\n" +
			"  echo b | nodedive grade events-03\n" +
			"  nodedive grade --eval my-answers.jsonl",
		Args: func(cmd *cobra.Command, args []string) error {
			if eval != "" {
				if len(args) > 0 {
					return fmt.Errorf("grade --eval takes no question ID (each line names its own \"q\"), got %q", args[0])
				}
				return nil
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			bank, err := quiz.LoadBank()
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			var ids []string
			for _, q := range bank.Questions {
				ids = append(ids, q.ID+"\t"+string(q.Kind)+" · "+q.Topic)
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			bank, err := quiz.LoadBank()
			if err != nil {
				return err
			}
			if eval != "" {
				return runGradeEval(cmd.OutOrStdout(), bank, eval, asJSON)
			}
			q, err := bank.Find(args[0])
			if err != nil {
				return fmt.Errorf("%w\n(gradable interview questions: %s; `nodedive quiz list` shows all)", err, strings.Join(bank.Gradable(), ", "))
			}
			in := cmd.InOrStdin()
			if f, ok := in.(*os.File); ok && term.IsTerminal(f.Fd()) {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s\n\n%s\n\nType your answer, then press Ctrl-D on an empty line.\n", q.ID, strings.TrimSpace(q.Prompt))
			}
			data, err := io.ReadAll(io.LimitReader(in, maxStdin+1))
			if err != nil {
				return fmt.Errorf("reading the answer from stdin: %w", err)
			}
			var notices []string
			if len(data) > maxStdin {
				data = data[:maxStdin]
				notices = append(notices, fmt.Sprintf("stdin has more than %d MiB; the rest was not read", maxStdin>>20))
			}
			out, err := q.Evaluate(string(data))
			if errors.Is(err, quiz.ErrUnparsable) {
				return fmt.Errorf("question %s is a %s question: %w", q.ID, q.Kind, err)
			}
			if err != nil {
				return err
			}
			out.Notices = append(notices, out.Notices...)
			var model string
			if q.Kind == quiz.Interview {
				if model, err = q.ModelAnswer(); err != nil {
					return err
				}
			}
			if asJSON {
				return writeGradeJSON(cmd.OutOrStdout(), out, model)
			}
			printGrade(cmd.OutOrStdout(), q, out, model)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (question, score, verdict, covered, missing, misconceptions)")
	cmd.Flags().StringVar(&eval, "eval", "", "grade a labelled JSON Lines file and report agreement with its labels")
	return cmd
}

// runGradeEval grades a labelled file and prints the report, as text or
// one JSON object.
func runGradeEval(w io.Writer, bank *quiz.Bank, file string, asJSON bool) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	set, err := grade.ReadLabelled(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	report, err := grade.Evaluate(set, func(id string) (*grade.Grader, error) {
		q, err := bank.Find(id)
		if err != nil {
			return nil, err
		}
		if q.Grader() == nil {
			return nil, fmt.Errorf("question %s is a %s question; only interview questions (%s) take free answers", q.ID, q.Kind, strings.Join(bank.Gradable(), ", "))
		}
		return q.Grader(), nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	report.Write(w)
	return nil
}

// gradeJSON is the --json output. covered and missing hold concept labels;
// concepts has the details, with the byte spans of the answer that earned
// each covered concept.
type gradeJSON struct {
	Question       string             `json:"question"`
	Kind           quiz.Kind          `json:"kind"`
	Score          int                `json:"score"`
	Verdict        grade.Verdict      `json:"verdict"`
	Covered        []string           `json:"covered"`
	Missing        []string           `json:"missing"`
	Misconceptions []misconceptionOut `json:"misconceptions"`
	Notices        []string           `json:"notices,omitempty"`
	Concepts       []conceptOut       `json:"concepts,omitempty"`
	Correct        *bool              `json:"correct,omitempty"`
	Expected       string             `json:"expected,omitempty"`
	Explanation    string             `json:"explanation,omitempty"`
	ModelAnswer    string             `json:"model_answer,omitempty"`
}

type misconceptionOut struct {
	Claim      string       `json:"claim"`
	Correction string       `json:"correction"`
	ID         string       `json:"id"`
	Spans      []grade.Span `json:"spans,omitempty"`
	// Learned marks a flag of the learned detector that no form made.
	Learned bool `json:"learned,omitempty"`
}

type conceptOut struct {
	ID      string       `json:"id"`
	Label   string       `json:"label"`
	Weight  float64      `json:"weight"`
	Covered bool         `json:"covered"`
	Spans   []grade.Span `json:"spans,omitempty"`
}

func writeGradeJSON(w io.Writer, out quiz.Outcome, model string) error {
	j := gradeJSON{
		Question: out.Question, Kind: out.Kind, Score: out.Score, Verdict: out.Verdict,
		Covered: []string{}, Missing: []string{}, Misconceptions: []misconceptionOut{},
		Notices: out.Notices, Correct: out.Correct, Expected: out.Expected, Explanation: out.Explanation,
		ModelAnswer: model,
	}
	for _, c := range out.Covered {
		j.Covered = append(j.Covered, c.Label)
		j.Concepts = append(j.Concepts, conceptOut{ID: c.ID, Label: c.Label, Weight: c.Weight, Covered: true, Spans: c.Spans})
	}
	for _, c := range out.Missing {
		j.Missing = append(j.Missing, c.Label)
		j.Concepts = append(j.Concepts, conceptOut{ID: c.ID, Label: c.Label, Weight: c.Weight})
	}
	for _, m := range out.Misconceptions {
		j.Misconceptions = append(j.Misconceptions, misconceptionOut{Claim: m.Claim, Correction: m.Correction, ID: m.ID, Spans: m.Spans, Learned: m.Learned})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}

// printGrade writes the human report: score and verdict, then what the
// answer covered (with the words that earned it), missed and got wrong,
// then the model answer.
func printGrade(w io.Writer, q *quiz.Question, out quiz.Outcome, model string) {
	fmt.Fprintf(w, "%s (%s, %s): %s\n", q.ID, q.Kind, q.Topic, quizListPrompt(q.Prompt, 100))
	fmt.Fprintf(w, "Score %d/100 · %s\n", out.Score, out.Verdict)
	for _, n := range out.Notices {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	quote := func(spans []grade.Span) string {
		var parts []string
		for _, s := range spans {
			parts = append(parts, fmt.Sprintf("%q", out.Text[s.Start:s.End]))
		}
		if len(parts) == 0 {
			return ""
		}
		return "  (" + strings.Join(parts, ", ") + ")"
	}
	if out.Correct != nil {
		if *out.Correct {
			fmt.Fprintln(w, "\nCorrect.")
		} else {
			fmt.Fprintf(w, "\nNot quite. The answer is: %s\n", out.Expected)
		}
		for _, m := range out.Misconceptions {
			fmt.Fprintf(w, "  ✗ %s\n", m.Claim)
			if m.Correction != "" {
				fmt.Fprintf(w, "    → %s\n", m.Correction)
			}
		}
		if out.Explanation != "" {
			fmt.Fprintf(w, "\n%s\n", out.Explanation)
		}
		return
	}
	if len(out.Covered) > 0 {
		fmt.Fprintln(w, "\nCovered")
		for _, c := range out.Covered {
			note := ""
			switch {
			case c.Credit <= 0.25:
				note = " [named in a list: part credit]"
			case c.Credit < 1:
				note = " [shown in code only: part credit]"
			}
			fmt.Fprintf(w, "  ✓ %s%s%s\n", c.Label, note, quote(c.Spans))
		}
	}
	if len(out.Missing) > 0 {
		fmt.Fprintln(w, "\nMissing")
		for _, c := range out.Missing {
			fmt.Fprintf(w, "  · %s\n", c.Label)
		}
	}
	if len(out.Misconceptions) > 0 {
		fmt.Fprintln(w, "\nMisconceptions")
		for _, m := range out.Misconceptions {
			fmt.Fprintf(w, "  ✗ %s%s\n    → %s\n", m.Claim, quote(m.Spans), m.Correction)
		}
	}
	if model != "" {
		fmt.Fprintf(w, "\nModel answer\n%s\n", gradeWrap(strings.TrimSpace(model), 80, "  "))
	}
}

// gradeWrap wraps each paragraph of s (paragraphs are separated by blank
// lines) at width columns and indents it.
func gradeWrap(s string, width int, prefix string) string {
	var out []string
	for i, para := range strings.Split(s, "\n\n") {
		if i > 0 {
			out = append(out, "")
		}
		line := prefix
		for _, word := range strings.Fields(para) {
			if len(line) > len(prefix) && len(line)+1+len(word) > width {
				out = append(out, line)
				line = prefix
			}
			if len(line) > len(prefix) {
				line += " "
			}
			line += word
		}
		if len(line) > len(prefix) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
