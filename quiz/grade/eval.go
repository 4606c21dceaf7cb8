package grade

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Labelled is one line of a labelled corpus file (JSON Lines): an answer to
// a question and what the raters said about it. Only q, answer and a
// verdict are required; the corpus in quiz/testdata/corpus has them all.
type Labelled struct {
	ID     string `json:"id,omitempty"`
	Q      string `json:"q"`
	Answer string `json:"answer"`
	// Verdicts holds one verdict, or two adjacent ones when the answer is
	// borderline and either is right. Verdict is accepted as a shorthand
	// for a single one.
	Verdicts []Verdict `json:"verdicts,omitempty"`
	Verdict  Verdict   `json:"verdict,omitempty"`
	// Misconceptions are the IDs the answer asserts: the grader must flag
	// them. Disputed ones (a single rater saw them) are neither required
	// nor counted as false alarms.
	Misconceptions []string `json:"misconceptions"`
	Disputed       []string `json:"disputed,omitempty"`
	Kind           string   `json:"kind,omitempty"`
}

// maxLabelledLine bounds one line of a labelled file: an answer is at most
// a few KiB, and the grader reads MaxAnswerBytes of it.
const maxLabelledLine = 1 << 20

var verdictRank = map[Verdict]int{Weak: 0, Partial: 1, Strong: 2}

// ReadLabelled parses a labelled JSON Lines file. Blank lines are skipped;
// every error names its line.
func ReadLabelled(r io.Reader) ([]Labelled, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLabelledLine)
	var out []Labelled
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var l Labelled
		dec := json.NewDecoder(strings.NewReader(line))
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if err := l.normalize(); err != nil {
			if l.ID != "" {
				return nil, fmt.Errorf("line %d (%s): %w", n, l.ID, err)
			}
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if l.ID == "" {
			l.ID = fmt.Sprintf("line-%d", n)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("a line is longer than %d KiB", maxLabelledLine>>10)
		}
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no labelled answers: want one JSON object per line with q, answer and verdicts")
	}
	return out, nil
}

// normalize checks the required fields and folds verdict into verdicts.
func (l *Labelled) normalize() error {
	if strings.TrimSpace(l.Q) == "" {
		return errors.New(`"q" (the question ID) is missing`)
	}
	if l.Verdict != "" {
		if len(l.Verdicts) > 0 && !slices.Contains(l.Verdicts, l.Verdict) {
			return fmt.Errorf(`"verdict" %q is not one of "verdicts" %v`, l.Verdict, l.Verdicts)
		}
		if len(l.Verdicts) == 0 {
			l.Verdicts = []Verdict{l.Verdict}
		}
	}
	switch len(l.Verdicts) {
	case 0:
		return errors.New(`no verdict: give "verdicts": ["strong"] (or two adjacent ones) or "verdict": "strong"`)
	case 1, 2:
	default:
		return fmt.Errorf(`"verdicts" has %d entries, want one, or two adjacent ones`, len(l.Verdicts))
	}
	for _, v := range l.Verdicts {
		if _, ok := verdictRank[v]; !ok {
			return fmt.Errorf("verdict %q is not strong, partial or weak", v)
		}
	}
	if len(l.Verdicts) == 2 {
		d := verdictRank[l.Verdicts[0]] - verdictRank[l.Verdicts[1]]
		if d != 1 && d != -1 {
			return fmt.Errorf("verdicts %v are not adjacent", l.Verdicts)
		}
		if d < 0 {
			l.Verdicts[0], l.Verdicts[1] = l.Verdicts[1], l.Verdicts[0]
		}
	}
	return nil
}

// Label is the verdicts as one string: "strong", or "strong|partial" for a
// borderline answer.
func (l Labelled) Label() string {
	s := make([]string, len(l.Verdicts))
	for i, v := range l.Verdicts {
		s[i] = string(v)
	}
	return strings.Join(s, "|")
}

// Labels are the rows of a confusion matrix, in order.
var Labels = []string{"strong", "strong|partial", "partial", "partial|weak", "weak"}

// Disagreement is one answer where the grader and the labels differ: on
// the verdict, or on the misconceptions.
type Disagreement struct {
	ID       string   `json:"id"`
	Q        string   `json:"q"`
	Kind     string   `json:"kind,omitempty"`
	Expected string   `json:"expected"`
	Got      Verdict  `json:"got"`
	Score    int      `json:"score"`
	Missed   []string `json:"missed_misconceptions,omitempty"`
	Extra    []string `json:"extra_misconceptions,omitempty"`
	// StrongWeak is set when the grader said strong where every label is
	// weak, or the reverse.
	StrongWeak bool `json:"strong_weak,omitempty"`
}

// Report sums up how a grader did on a labelled set. The metrics are
// defined in quiz/testdata/corpus/README.md.
type Report struct {
	Answers int `json:"answers"`
	Agree   int `json:"agree"`
	// Confusion counts answers by label (Labels) and by the grader's
	// verdict.
	Confusion  map[string]map[Verdict]int `json:"confusion"`
	StrongWeak int                        `json:"strong_weak"`
	// Misconception recall: agreed (answer, id) pairs the grader flagged.
	MisconceptionPairs   int `json:"misconception_pairs"`
	MisconceptionFlagged int `json:"misconception_flagged"`
	// False alarms: answers with no agreed misconception on which the
	// grader flagged an ID outside disputed.
	CleanAnswers int `json:"clean_answers"`
	FalseAlarms  int `json:"false_alarms"`
	// Wrong IDs: answers that do assert a misconception on which the
	// grader also flagged one that is neither agreed nor disputed.
	WrongIDAnswers int            `json:"wrong_id_answers"`
	Disagreements  []Disagreement `json:"disagreements"`
}

// AgreementRate is the share of answers whose verdict is one of the labels.
func (r Report) AgreementRate() float64 { return ratio(r.Agree, r.Answers) }

// Recall is the share of agreed misconceptions the grader flagged.
func (r Report) Recall() float64 { return ratio(r.MisconceptionFlagged, r.MisconceptionPairs) }

// FalseAlarmRate is the share of answers without a misconception that the
// grader accused of one.
func (r Report) FalseAlarmRate() float64 { return ratio(r.FalseAlarms, r.CleanAnswers) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Lookup returns the grader of a question ID.
type Lookup func(q string) (*Grader, error)

// Evaluate grades every labelled answer and compares. An unknown question
// is an error naming the answer.
func Evaluate(set []Labelled, lookup Lookup) (Report, error) {
	r := Report{Confusion: map[string]map[Verdict]int{}}
	for _, l := range Labels {
		r.Confusion[l] = map[Verdict]int{}
	}
	for _, l := range set {
		g, err := lookup(l.Q)
		if err != nil {
			return Report{}, fmt.Errorf("%s: %w", l.ID, err)
		}
		if g == nil {
			return Report{}, fmt.Errorf("%s: question %s is not an interview question", l.ID, l.Q)
		}
		res := g.Grade(l.Answer)
		r.add(l, res)
	}
	return r, nil
}

func (r *Report) add(l Labelled, res Result) {
	r.Answers++
	label := l.Label()
	if r.Confusion[label] == nil {
		r.Confusion[label] = map[Verdict]int{}
	}
	r.Confusion[label][res.Verdict]++
	d := Disagreement{ID: l.ID, Q: l.Q, Kind: l.Kind, Expected: label, Got: res.Verdict, Score: res.Score}
	agree := slices.Contains(l.Verdicts, res.Verdict)
	if agree {
		r.Agree++
	}
	allWeak, allStrong := true, true
	for _, v := range l.Verdicts {
		allWeak = allWeak && v == Weak
		allStrong = allStrong && v == Strong
	}
	if res.Verdict == Strong && allWeak || res.Verdict == Weak && allStrong {
		r.StrongWeak++
		d.StrongWeak = true
	}
	flagged := make([]string, 0, len(res.Misconceptions))
	for _, m := range res.Misconceptions {
		flagged = append(flagged, m.ID)
	}
	for _, id := range l.Misconceptions {
		r.MisconceptionPairs++
		if slices.Contains(flagged, id) {
			r.MisconceptionFlagged++
		} else {
			d.Missed = append(d.Missed, id)
		}
	}
	for _, id := range flagged {
		if !slices.Contains(l.Misconceptions, id) && !slices.Contains(l.Disputed, id) {
			d.Extra = append(d.Extra, id)
		}
	}
	if len(l.Misconceptions) == 0 {
		r.CleanAnswers++
		if len(d.Extra) > 0 {
			r.FalseAlarms++
		}
	} else if len(d.Extra) > 0 {
		r.WrongIDAnswers++
	}
	if !agree || len(d.Missed) > 0 || len(d.Extra) > 0 {
		r.Disagreements = append(r.Disagreements, d)
	}
}

// Write prints the report for a terminal: the four metrics, the confusion
// matrix, then every disagreement.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(w, "answers                 %d\n", r.Answers)
	fmt.Fprintf(w, "verdict agreement       %d/%d = %.1f%%\n", r.Agree, r.Answers, 100*r.AgreementRate())
	fmt.Fprintf(w, "strong<->weak           %d\n", r.StrongWeak)
	fmt.Fprintf(w, "misconception recall    %d/%d = %.1f%%\n", r.MisconceptionFlagged, r.MisconceptionPairs, 100*r.Recall())
	fmt.Fprintf(w, "false alarms            %d/%d answers without a misconception = %.1f%%\n", r.FalseAlarms, r.CleanAnswers, 100*r.FalseAlarmRate())
	fmt.Fprintf(w, "wrong-id flags          %d answers with a misconception\n", r.WrongIDAnswers)
	fmt.Fprintf(w, "\nconfusion (rows: labels, columns: grader)\n%-16s %7s %7s %7s\n", "", "strong", "partial", "weak")
	for _, l := range Labels {
		row := r.Confusion[l]
		if row[Strong]+row[Partial]+row[Weak] == 0 {
			continue
		}
		fmt.Fprintf(w, "%-16s %7d %7d %7d\n", l, row[Strong], row[Partial], row[Weak])
	}
	if len(r.Disagreements) == 0 {
		return
	}
	fmt.Fprintf(w, "\ndisagreements (%d)\n", len(r.Disagreements))
	for _, d := range r.Disagreements {
		mark := ""
		if d.StrongWeak {
			mark = "  STRONG<->WEAK"
		}
		fmt.Fprintf(w, "  %-18s expected %-14s got %-7s %3d%s", d.ID, d.Expected, d.Got, d.Score, mark)
		if len(d.Missed) > 0 {
			fmt.Fprintf(w, "  missed %s", strings.Join(d.Missed, ","))
		}
		if len(d.Extra) > 0 {
			fmt.Fprintf(w, "  extra %s", strings.Join(d.Extra, ","))
		}
		fmt.Fprintln(w)
	}
}
