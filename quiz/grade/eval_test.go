package grade_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/quiz/grade"
)

func TestReadLabelled(t *testing.T) {
	set, err := grade.ReadLabelled(strings.NewReader(`
{"id": "a", "q": "t", "answer": "require is synchronous.", "verdicts": ["partial", "weak"], "misconceptions": []}

{"q": "t", "answer": "x", "verdict": "strong", "misconceptions": ["require-async"], "disputed": ["import-cjs"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 2 || set[0].Label() != "partial|weak" || set[1].Label() != "strong" || set[1].ID != "line-4" {
		t.Errorf("parsed %+v", set)
	}
	for in, want := range map[string]string{
		`{"q": "t", "answer": "x"}`:                                            "no verdict",
		`{"answer": "x", "verdict": "strong"}`:                                 `"q"`,
		`{"q": "t", "answer": "x", "verdict": "great"}`:                        `"great" is not strong, partial or weak`,
		`{"q": "t", "answer": "x", "verdicts": ["strong", "weak"]}`:            "not adjacent",
		`{"q": "t", "answer": "x", "verdicts": ["strong"], "verdict": "weak"}`: "is not one of",
		`{"id": "z", "q": "t", "answer": "x", "verdicts": []}`:                 "line 1 (z)",
		`not json`: "line 1",
		``:         "no labelled answers",
	} {
		if _, err := grade.ReadLabelled(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

// TestEvaluate checks the four metrics on a small set graded by the test
// rubric.
func TestEvaluate(t *testing.T) {
	g := compile(t)
	set := []grade.Labelled{
		// agrees, no misconception
		{ID: "1", Q: "t", Answer: "In Node, require is the CommonJS loader and it is synchronous. An import declaration is static. Each worker has its own memory.", Verdicts: []grade.Verdict{grade.Strong}},
		// agrees on a borderline label, misconception caught
		{ID: "2", Q: "t", Answer: "require is CommonJS. require returns a promise.", Verdicts: []grade.Verdict{grade.Partial, grade.Weak}, Misconceptions: []string{"require-async"}},
		// misconception missed, and a strong<->weak confusion
		{ID: "3", Q: "t", Answer: "Nothing useful here.", Verdicts: []grade.Verdict{grade.Strong}, Misconceptions: []string{"share-memory"}},
		// a false alarm on a clean answer
		{ID: "4", Q: "t", Answer: "import is CommonJS.", Verdicts: []grade.Verdict{grade.Weak}},
		// a disputed flag is no false alarm
		{ID: "5", Q: "t", Answer: "import is CommonJS.", Verdicts: []grade.Verdict{grade.Weak}, Disputed: []string{"import-cjs"}},
	}
	r, err := grade.Evaluate(set, func(string) (*grade.Grader, error) { return g, nil })
	if err != nil {
		t.Fatal(err)
	}
	if r.Answers != 5 || r.Agree != 4 || r.StrongWeak != 1 {
		t.Errorf("agreement %d/%d, strong<->weak %d", r.Agree, r.Answers, r.StrongWeak)
	}
	if r.MisconceptionPairs != 2 || r.MisconceptionFlagged != 1 || r.Recall() != 0.5 {
		t.Errorf("recall %d/%d", r.MisconceptionFlagged, r.MisconceptionPairs)
	}
	if r.CleanAnswers != 3 || r.FalseAlarms != 1 {
		t.Errorf("false alarms %d/%d", r.FalseAlarms, r.CleanAnswers)
	}
	if r.Confusion["strong"][grade.Weak] != 1 || r.Confusion["partial|weak"][grade.Partial]+r.Confusion["partial|weak"][grade.Weak] != 1 {
		t.Errorf("confusion %v", r.Confusion)
	}
	if len(r.Disagreements) != 2 || r.Disagreements[0].ID != "3" || !r.Disagreements[0].StrongWeak || r.Disagreements[1].Extra[0] != "import-cjs" {
		t.Errorf("disagreements %+v", r.Disagreements)
	}
	var out strings.Builder
	r.Write(&out)
	for _, want := range []string{"verdict agreement       4/5 = 80.0%", "misconception recall    1/2 = 50.0%", "false alarms            1/3", "STRONG<->WEAK", "missed share-memory", "extra import-cjs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report has no %q:\n%s", want, out.String())
		}
	}
	if _, err := grade.Evaluate(set, func(string) (*grade.Grader, error) { return nil, errors.New("no such question") }); err == nil || !strings.Contains(err.Error(), "1: no such question") {
		t.Errorf("unknown question: %v", err)
	}
}
