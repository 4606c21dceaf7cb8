package grade_test

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/quiz"
	"github.com/nodedive/nodedive/quiz/grade"
)

func bankGrader(t *testing.T, id string) *grade.Grader {
	t.Helper()
	b, err := quiz.LoadBank()
	if err != nil {
		t.Fatal(err)
	}
	q, err := b.Find(id)
	if err != nil {
		t.Fatal(err)
	}
	return q.Grader()
}

// TestLearnedCatchesWhatFormsMiss: a myth no form finds, in words of our
// own, that the detector flags, with its sentence as the span and the
// myth's correction, as a form's flag would be. The shipped high threshold
// (LearnedHigh) is conservative: the sentence scores under it, so the
// gate is run here at a lower one (0: the detector trained with dev15
// scores it at +0.1, the one before at over 1).
func TestLearnedCatchesWhatFormsMiss(t *testing.T) {
	g := bankGrader(t, "cluster-iv2")
	const answer = "Deploying is easy. You can just kill all the workers at the same time and fork fresh ones, no need to go one by one."
	if ids := mistakes(grade.GradeForms(g, answer)); slices.Contains(ids, "restart-all") {
		t.Fatalf("the forms flag restart-all (%v): the test needs a sentence they miss", ids)
	}
	res := grade.GradeWithGate(g, answer, grade.LearnedLow, 0)
	i := slices.IndexFunc(res.Misconceptions, func(h grade.MisconceptionHit) bool { return h.ID == "restart-all" })
	if i < 0 {
		t.Fatalf("the detector did not flag restart-all: %v", mistakes(res))
	}
	h := res.Misconceptions[i]
	if !h.Learned || h.Correction == "" || h.Penalty == 0 {
		t.Errorf("the detector's flag lacks its source, correction or penalty: %+v", h)
	}
	want := "You can just kill all the workers at the same time and fork fresh ones, no need to go one by one"
	if len(h.Spans) != 1 || res.Text[h.Spans[0].Start:h.Spans[0].End] != want {
		t.Errorf("the flag's span is %v, want the second sentence", h.Spans)
	}
	if res.Score > 74 {
		t.Errorf("score %d: an answer with a misconception is capped at 74", res.Score)
	}
	// With the shipped thresholds, Grade is the gate at LearnedLow,
	// LearnedVeto, LearnedHigh.
	if got, want := g.Grade(answer), grade.GradeWithVetoes(g, answer, grade.LearnedLow, grade.LearnedVeto, grade.LearnedHigh); !reflect.DeepEqual(got, want) {
		t.Errorf("Grade differs from the gate at the shipped thresholds:\n%+v\n%+v", got, want)
	}
}

// TestLearnedVetoesFormFlag: forms flag a myth in a right sentence (ESM has
// no __dirname), and the detector's low score vetoes it. The shipped low
// threshold (LearnedLow) only vetoes flags the detector is very sure of,
// so the gate is run here at a higher one.
func TestLearnedVetoesFormFlag(t *testing.T) {
	g := bankGrader(t, "modules-iv2")
	const answer = "ESM has no require/__dirname → use import.meta.dirname and createRequire."
	forms := mistakes(grade.GradeForms(g, answer))
	if !slices.Contains(forms, "dirname-in-esm") {
		t.Fatalf("the forms no longer flag dirname-in-esm (%v): the test needs a form false alarm", forms)
	}
	if got := mistakes(grade.GradeWithGate(g, answer, -2, grade.LearnedHigh)); slices.Contains(got, "dirname-in-esm") {
		t.Errorf("the detector did not veto dirname-in-esm: %v", got)
	}
}

// TestLearnedVetoTiers: the firmer veto (LearnedVeto) applies to answers
// that state LearnedVetoConcepts concepts besides the flagged claim; a thin
// one keeps LearnedLow, and padding it does not buy the firmer veto.
func TestLearnedVetoTiers(t *testing.T) {
	g := bankGrader(t, "modules-iv2")
	const full = "ESM has no require/__dirname → use import.meta.dirname and createRequire. " +
		"From an ES module you import CommonJS directly, and the default import is module.exports. " +
		"On 22.12 and later, require() of an ES module works synchronously unless its graph has top-level await."
	if got := mistakes(grade.GradeWithGate(g, full, grade.LearnedLow, grade.LearnedHigh)); !slices.Contains(got, "dirname-in-esm") {
		t.Fatalf("the gate at LearnedLow alone no longer keeps the form's dirname-in-esm (%v): the test needs a flag between the two vetoes", got)
	}
	if got := mistakes(g.Grade(full)); slices.Contains(got, "dirname-in-esm") {
		t.Errorf("an answer stating five concepts keeps the form's false alarm: %v", got)
	}

	q11 := bankGrader(t, "q11")
	const probe = "require returns a promise that resolves to the module's exports"
	padded := probe + "." + strings.Repeat(" Honestly, that is basically it.", 6)
	for _, a := range []string{probe, padded} {
		if got := mistakes(q11.Grade(a)); !slices.Contains(got, "require-async") {
			t.Errorf("%q: a thin answer's myth is vetoed: %v", a, got)
		}
		if got := mistakes(grade.GradeWithGate(q11, a, grade.LearnedVeto, grade.LearnedHigh)); slices.Contains(got, "require-async") {
			t.Errorf("%q: the detector no longer scores require-async under LearnedVeto (%v): the probe no longer shows the tiers", a, got)
		}
	}
}

// TestLearnedDeterministic: the same answer, the same result, from the same
// grader and from a freshly loaded detector.
func TestLearnedDeterministic(t *testing.T) {
	g := bankGrader(t, "q14")
	const answer = "Cluster forks a worker per core. Workers share memory, so a global cache works. If one crashes the module restarts it."
	first := g.Grade(answer)
	for range 3 {
		if again := g.Grade(answer); !reflect.DeepEqual(first, again) {
			t.Fatalf("two grades differ:\n%+v\n%+v", first, again)
		}
	}
	data, err := os.ReadFile(weightsFile)
	if err != nil {
		t.Fatal(err)
	}
	d1, err1 := grade.ReadDetector(data)
	d2, err2 := grade.ReadDetector(data)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	a := grade.LearnedScoreAnswer(g, d1, "q14", answer)
	b := grade.LearnedScoreAnswer(g, d2, "q14", answer)
	if !slices.Equal(a, b) {
		t.Errorf("two loads score differently: %v, %v", a, b)
	}
	var buf bytes.Buffer
	if _, err := d1.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Error("writing the detector read from weights.bin does not give weights.bin back")
	}
}

// TestReadDetectorCorrupt: a damaged weights file is an error that says
// so, never a silently partial detector.
func TestReadDetectorCorrupt(t *testing.T) {
	data, err := os.ReadFile(weightsFile)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":     nil,
		"not ours":  []byte("weights: {}\n"),
		"truncated": data[:len(data)/2],
		"trailing":  append(slices.Clone(data), 0),
	}
	for name, c := range cases {
		if _, err := grade.ReadDetector(c); !errors.Is(err, grade.ErrDetectorFormat) {
			t.Errorf("%s: got %v, want ErrDetectorFormat", name, err)
		}
	}
}
