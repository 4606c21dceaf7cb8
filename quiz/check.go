package quiz

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/quiz/grade"
)

// Outcome is the result of answering any question. For interview questions
// it is the grader's result; for the other kinds the score is 100 or 0 (a
// multiple-choice answer with some right options gets partial credit) and
// a wrong answer to a misconception statement is reported as that
// misconception.
type Outcome struct {
	Question string `json:"question"`
	Kind     Kind   `json:"kind"`
	grade.Result
	// Correct is set for the auto-checked kinds.
	Correct *bool `json:"correct,omitempty"`
	// Expected is the right answer in display form (auto-checked kinds).
	Expected    string `json:"expected,omitempty"`
	Explanation string `json:"explanation,omitempty"`
}

// ErrUnparsable wraps answers that cannot be read for the question's kind
// ("x" to a true/false question); the UI should ask again.
var ErrUnparsable = errors.New("cannot read the answer")

// Evaluate grades an interview answer or checks any other kind of answer
// given as text: option letters or numbers for choice ("b" or "a, c"),
// true/false (also yes/no, t/f), the text of the blank for fill, the
// printed lines for output.
func (q *Question) Evaluate(answer string) (Outcome, error) {
	switch q.Kind {
	case Interview:
		return Outcome{Question: q.ID, Kind: q.Kind, Result: q.grader.Grade(answer)}, nil
	case Choice:
		sel, err := ParseChoices(answer, len(q.Options))
		if err != nil {
			return Outcome{}, err
		}
		return q.CheckChoices(sel), nil
	case TrueFalse:
		v, err := ParseBool(answer)
		if err != nil {
			return Outcome{}, err
		}
		return q.CheckTrueFalse(v), nil
	case Fill:
		return q.CheckFill(answer), nil
	case Output:
		return q.CheckOutput(answer), nil
	}
	return Outcome{}, fmt.Errorf("question %s has unknown kind %q", q.ID, q.Kind)
}

// CheckChoices checks a choice answer given as 0-based option indices.
// Scoring per option: each correct option chosen and each wrong option left
// out counts, so a half-right multi-select answer is partial, never strong.
func (q *Question) CheckChoices(selected []int) Outcome {
	chosen := make([]bool, len(q.Options))
	for _, i := range selected {
		if i >= 0 && i < len(q.Options) {
			chosen[i] = true
		}
	}
	right := 0
	var wrong []grade.MisconceptionHit
	for i, o := range q.Options {
		if chosen[i] == o.Correct {
			right++
		}
		if chosen[i] && !o.Correct {
			wrong = append(wrong, grade.MisconceptionHit{ID: fmt.Sprintf("%s/%c", q.ID, 'a'+i), Claim: o.Text, Correction: o.Why})
		}
	}
	correct := right == len(q.Options)
	score := 0
	switch {
	case correct:
		score = 100
	case q.Multi():
		score = 100 * right / len(q.Options)
		if score >= 75 {
			score = 74 // any mistake keeps it below strong
		}
	}
	out := q.autoOutcome(correct, score, q.correctLetters())
	out.Misconceptions = wrong
	return out
}

// CheckTrueFalse checks the learner's verdict on the statement.
func (q *Question) CheckTrueFalse(v bool) Outcome {
	correct := q.Answer != nil && v == *q.Answer
	out := q.autoOutcome(correct, scoreOf(correct), strconv.FormatBool(*q.Answer))
	if !correct && v {
		// Believing a false statement is exactly the misconception.
		out.Misconceptions = []grade.MisconceptionHit{{ID: q.ID, Claim: q.Prompt, Correction: q.Explanation}}
	}
	return out
}

// CheckFill compares the fill with the accepted answers, ignoring spaces,
// a trailing semicolon and the kind of quotes.
func (q *Question) CheckFill(answer string) Outcome {
	got := normalizeCode(answer)
	correct := got != "" && slices.ContainsFunc(q.Accept, func(a string) bool { return normalizeCode(a) == got })
	return q.autoOutcome(correct, scoreOf(correct), q.Accept[0])
}

// CheckOutput compares predicted output with the snippet's real output,
// line by line, ignoring trailing spaces and blank lines at either end. A
// prediction on one line with the values separated by spaces also counts.
func (q *Question) CheckOutput(answer string) Outcome {
	want, got := outputLines(q.Expected), outputLines(answer)
	correct := slices.Equal(want, got) ||
		len(got) > 0 && strings.Join(strings.Fields(q.Expected), " ") == strings.Join(strings.Fields(answer), " ")
	return q.autoOutcome(correct, scoreOf(correct), strings.TrimRight(q.Expected, "\n"))
}

func (q *Question) autoOutcome(correct bool, score int, expected string) Outcome {
	c := correct
	out := Outcome{Question: q.ID, Kind: q.Kind, Correct: &c, Expected: expected, Explanation: q.Explanation}
	out.Score = score
	out.Verdict = grade.VerdictFor(score)
	out.Covered = []grade.ConceptHit{}
	out.Missing = []grade.ConceptRef{}
	out.Misconceptions = []grade.MisconceptionHit{}
	return out
}

func scoreOf(correct bool) int {
	if correct {
		return 100
	}
	return 0
}

func (q *Question) correctLetters() string {
	var ls []string
	for i, o := range q.Options {
		if o.Correct {
			ls = append(ls, string(rune('a'+i)))
		}
	}
	return strings.Join(ls, ", ")
}

// ParseChoices reads "b", "a,c", "A C" or "1 3" into 0-based indices.
func ParseChoices(answer string, n int) ([]int, error) {
	fields := strings.FieldsFunc(answer, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
	if len(fields) == 0 {
		return nil, fmt.Errorf("%w: no option given; answer with letters such as b or a,c", ErrUnparsable)
	}
	var out []int
	for _, f := range fields {
		f = strings.Trim(strings.ToLower(f), ").")
		i := -1
		if len(f) == 1 && f[0] >= 'a' && f[0] <= 'z' {
			i = int(f[0] - 'a')
		} else if v, err := strconv.Atoi(f); err == nil {
			i = v - 1
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("%w: %q is not an option; options are a to %c (or 1 to %d)", ErrUnparsable, f, 'a'+n-1, n)
		}
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ParseBool reads true/false, t/f, yes/no, y/n, 1/0.
func ParseBool(answer string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(answer), ".!"))) {
	case "true", "t", "yes", "y", "1":
		return true, nil
	case "false", "f", "no", "n", "0":
		return false, nil
	}
	return false, fmt.Errorf("%w: answer true or false, not %q", ErrUnparsable, strings.TrimSpace(answer))
}

// normalizeCode drops all white space and a trailing semicolon and treats
// the three quote characters alike, so `require( "cluster" );` equals
// `require('cluster')`.
func normalizeCode(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ";")
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
		case r == '"' || r == '`':
			b.WriteRune('\'')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func outputLines(s string) []string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// ResolveTopic accepts a topic name, or a lesson ID or alias whose quiz
// topic it is ("q14", "clustering"), and returns the topic. Unknown names
// give a *suggest.NotFoundError suggesting the nearest topic.
func ResolveTopic(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if slices.Contains(Topics, name) {
		return name, nil
	}
	if course, err := lessons.Load(); err == nil {
		if l, err := course.Find(name); err == nil && l.QuizTopic != "" {
			return l.QuizTopic, nil
		}
	}
	return "", &suggest.NotFoundError{Kind: "topic", Name: name, Suggestions: suggest.Nearest(name, Topics, 2), Known: Topics}
}

// Program returns an output question's snippet as a program noderun can
// run: "// file: NAME" lines split it into files as in lesson code blocks,
// and the last file is the entry. A single-file snippet is main.js, or
// main.mjs for module: esm. The TUI can run it after the learner answered.
func (q *Question) Program() noderun.Program {
	lang := "js"
	if q.Module == "esm" {
		lang = "mjs"
	}
	return lessons.CodeBlock{Lang: lang, Text: q.Code, Attrs: map[string]string{}}.Program()
}
