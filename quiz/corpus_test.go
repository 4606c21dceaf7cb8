package quiz_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/quiz"
	"github.com/nodedive/nodedive/quiz/grade"
)

// The labelled corpus (testdata/corpus/README.md): the tuning split the
// rubrics were written against, and the dev to dev18 splits, earlier held-out
// sets, each graded once sealed and then released for tuning.
const (
	tuneFile  = "testdata/corpus/tune.jsonl"
	devFile   = "testdata/corpus/dev.jsonl"
	dev2File  = "testdata/corpus/dev2.jsonl"
	dev3File  = "testdata/corpus/dev3.jsonl"
	dev4File  = "testdata/corpus/dev4.jsonl"
	dev5File  = "testdata/corpus/dev5.jsonl"
	dev6File  = "testdata/corpus/dev6.jsonl"
	dev7File  = "testdata/corpus/dev7.jsonl"
	dev8File  = "testdata/corpus/dev8.jsonl"
	dev9File  = "testdata/corpus/dev9.jsonl"
	dev10File = "testdata/corpus/dev10.jsonl"
	dev11File = "testdata/corpus/dev11.jsonl"
	dev12File = "testdata/corpus/dev12.jsonl"
	dev13File = "testdata/corpus/dev13.jsonl"
	dev14File = "testdata/corpus/dev14.jsonl"
	dev15File = "testdata/corpus/dev15.jsonl"
	dev16File = "testdata/corpus/dev16.jsonl"
	dev17File = "testdata/corpus/dev17.jsonl"
	dev18File = "testdata/corpus/dev18.jsonl"
)

// bar is what a split is held to.
type bar struct {
	minAgreement   float64
	maxStrongWeak  int
	minRecall      float64
	maxFalseAlarms float64
}

// issueBar is the bar of issue 12. The splits the grader was tuned on are
// held to it (tune 98.0%, dev 96.3%, dev2 96.3%, dev3 94.4%, dev4 95.9%,
// dev7 96.7% agreement when round 9 ended), so falling below it is a
// regression. dev4 met only agreement and strong<->weak the one time it was
// graded sealed, as round 4's test split (90.4%, recall 79.0%, false alarms
// 6.4%; see testdata/corpus/README.md).
var issueBar = bar{minAgreement: 0.90, maxStrongWeak: 0, minRecall: 0.90, maxFalseAlarms: 0.02}

// dev5Floor is what the grader measured on the dev5 split the one time it
// was graded sealed, as round 5's test split (270 answers; see
// testdata/corpus/README.md): 223/270 agreement, no strong<->weak, recall
// 81/114, false alarms 9/194. Released for tuning since, it must not get
// worse.
var dev5Floor = bar{minAgreement: 223.0 / 270, maxStrongWeak: 0, minRecall: 81.0 / 114, maxFalseAlarms: 9.0 / 194}

// dev6Floor is what the grader measured on the dev6 split the one time it
// was graded sealed, as round 6's test split, after round 6's tuning on
// dev5 (testdata/corpus/dev6-graded-once.txt): 220/270 agreement, one
// strong<->weak, recall 85/112, false alarms 8/195.
var dev6Floor = bar{minAgreement: 220.0 / 270, maxStrongWeak: 1, minRecall: 85.0 / 112, maxFalseAlarms: 8.0 / 195}

// dev7, round 7's test split, measured 234/270 agreement, no strong<->weak,
// recall 172/204 and false alarms 17/195 the one time it was graded sealed
// (testdata/corpus/dev7-graded-once.txt); tuned on in round 8, it is held to
// the issue's bar like the other splits the grader was tuned on (261/270,
// recall 201/204, no false alarm when round 9 ended).

// dev8 was graded once sealed as round 8's test split (237/270, one
// strong<->weak, recall 174/218, false alarms 10/195:
// testdata/corpus/dev8-graded-once.txt); tuned on in rounds 9 and 11, it is
// held to the issue's bar (253/270, recall 211/218, false alarms 3/195 when
// round 11 ended).

// dev9 was graded once sealed as round 9's test split (248/270, one
// strong<->weak, recall 193/240, false alarms 10/195:
// testdata/corpus/dev9-graded-once.txt); tuned on in round 10, it is held
// to the issue's bar (259/270, recall 235/240, no false alarm when round
// 10 ended).

// dev10 was graded once sealed as round 10's test split (235/270, no
// strong<->weak, recall 154/194, false alarms 10/195:
// testdata/corpus/dev10-graded-once.txt); tuned on in round 11, it is held
// to the issue's bar (254/270, recall 188/194, no false alarm when round 11
// ended).

// dev11 was graded once sealed as round 11's test split (249/270, no
// strong<->weak, recall 192/206, false alarms 7/195:
// testdata/corpus/dev11-graded-once.txt); tuned on in round 12, it is held
// to the issue's bar (257/270, recall 199/206, no false alarm when round 12
// ended).

// dev12Floor is what the grader measured on the dev12 split the one time it
// was graded sealed, as round 12's test split, after round 12's engine rule
// and tuning on dev11 (testdata/corpus/dev12-graded-once.txt): 243/270
// agreement, no strong<->weak, recall 193/217, false alarms 12/195.
// dev12 was graded once sealed as round 12's test split (243/270, no
// strong<->weak, recall 193/217, false alarms 12/195:
// testdata/corpus/dev12-graded-once.txt); tuned on in round 13, it is held
// to the issue's bar (257/270, recall 213/217, no false alarm after round
// 13's tuning and retraining).

// dev13 was graded once sealed as round 13's test split (244/270, no
// strong<->weak, recall 190/202, false alarms 10/195:
// testdata/corpus/dev13-graded-once.txt); tuned on in round 14, it is held
// to the issue's bar (254/270, recall 199/202, no false alarm after round
// 14's tuning and retraining).

// dev14 was graded once sealed as round 14's test split (248/270, no
// strong<->weak, recall 197/212, false alarms 7/195:
// testdata/corpus/dev14-graded-once.txt); tuned on in round 15, it is held
// to the issue's bar (256/270, recall 209/212, false alarms 1/195 after
// round 15's tuning and retraining).

// dev15 was graded once sealed as round 15's test split (241/270, no
// strong<->weak, recall 199/216, false alarms 7/195:
// testdata/corpus/dev15-graded-once.txt); tuned on in round 16, it is held
// to the issue's bar (255/270, recall 214/216, no false alarm after round
// 16's engine rules, firmer veto, tuning and retraining).

// dev16 was graded once sealed as round 16's test split (247/270, no
// strong<->weak, recall 207/234, false alarms 3/195:
// testdata/corpus/dev16-graded-once.txt); tuned on in round 17, it is held
// to the issue's bar (255/270, recall 228/234, false alarms 1/195 after
// round 17's tuning and retraining).

// dev17Floor is what the grader measured on the dev17 split the one time it
// was graded sealed, as round 17's test split, after round 17's engine
// rules, tuning on dev16 and the detector retrained with dev16
// (testdata/corpus/dev17-graded-once.txt): 245/270 agreement, no
// strong<->weak, recall 187/206, false alarms 3/195. It meets the issue's
// bar as it is; the floor keeps it there.
var dev17Floor = bar{minAgreement: 245.0 / 270, maxStrongWeak: 0, minRecall: 187.0 / 206, maxFalseAlarms: 3.0 / 195}

// dev18Floor is what the grader measured on the dev18 split the one time it
// was graded sealed, as round 18's test split, with the grader of round 17
// unchanged (testdata/corpus/dev18-graded-once.txt): 254/270 agreement, no
// strong<->weak, recall 203/211, false alarms 4/195.
var dev18Floor = bar{minAgreement: 254.0 / 270, maxStrongWeak: 0, minRecall: 203.0 / 211, maxFalseAlarms: 4.0 / 195}

func loadCorpus(t testing.TB, file string) []grade.Labelled {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := grade.ReadLabelled(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return set
}

func lookup(b *quiz.Bank) grade.Lookup {
	return func(id string) (*grade.Grader, error) {
		q, err := b.Find(id)
		if err != nil {
			return nil, err
		}
		return q.Grader(), nil
	}
}

// TestCorpus grades every split of the corpus and holds it to its bar:
// verdict agreement, strong<->weak confusions, misconception recall and
// false alarms.
func TestCorpus(t *testing.T) {
	b := mustBank(t)
	for _, split := range []struct {
		name, file string
		bar        bar
	}{{"tune", tuneFile, issueBar}, {"dev", devFile, issueBar}, {"dev2", dev2File, issueBar}, {"dev3", dev3File, issueBar}, {"dev4", dev4File, issueBar}, {"dev5", dev5File, dev5Floor}, {"dev6", dev6File, dev6Floor}, {"dev7", dev7File, issueBar}, {"dev8", dev8File, issueBar}, {"dev9", dev9File, issueBar}, {"dev10", dev10File, issueBar}, {"dev11", dev11File, issueBar}, {"dev12", dev12File, issueBar}, {"dev13", dev13File, issueBar}, {"dev14", dev14File, issueBar}, {"dev15", dev15File, issueBar}, {"dev16", dev16File, issueBar}, {"dev17", dev17File, dev17Floor}, {"dev18", dev18File, dev18Floor}} {
		t.Run(split.name, func(t *testing.T) {
			set := loadCorpus(t, split.file)
			r, err := grade.Evaluate(set, lookup(b))
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			r.Write(&out)
			t.Logf("%s split:\n%s", split.name, out.String())
			// A small epsilon: the floors are ratios of the measured counts.
			const eps = 1e-9
			if got := r.AgreementRate(); got < split.bar.minAgreement-eps {
				t.Errorf("verdict agreement %.1f%% is below %.1f%%", 100*got, 100*split.bar.minAgreement)
			}
			if r.StrongWeak > split.bar.maxStrongWeak {
				t.Errorf("%d strong<->weak confusions, want at most %d", r.StrongWeak, split.bar.maxStrongWeak)
			}
			if got := r.Recall(); got < split.bar.minRecall-eps {
				t.Errorf("misconception recall %.1f%% is below %.1f%%", 100*got, 100*split.bar.minRecall)
			}
			if got := r.FalseAlarmRate(); got > split.bar.maxFalseAlarms+eps {
				t.Errorf("false alarms on %.1f%% of the answers without a misconception, want at most %.1f%%", 100*got, 100*split.bar.maxFalseAlarms)
			}
		})
	}
}

// TestCorpusLabelsMatchRubrics checks that the corpus speaks the rubrics'
// language: every question is an interview question and every labelled
// misconception is one of its rubric's, so a renamed ID cannot silently
// turn a catch into a miss.
func TestCorpusLabelsMatchRubrics(t *testing.T) {
	b := mustBank(t)
	files := []string{tuneFile, devFile, dev2File, dev3File, dev4File, dev5File, dev6File, dev7File, dev8File, dev9File, dev10File, dev11File, dev12File, dev13File, dev14File, dev15File, dev16File, dev17File, dev18File}
	perQuestion := map[string]int{}
	for _, file := range files {
		for _, l := range loadCorpus(t, file) {
			q, err := b.Find(l.Q)
			if err != nil || q.Rubric == nil {
				t.Errorf("%s %s: %q is not an interview question", file, l.ID, l.Q)
				continue
			}
			if file == tuneFile {
				perQuestion[q.ID]++
			}
			var ids []string
			for _, m := range q.Rubric.Misconceptions {
				ids = append(ids, m.ID)
			}
			for _, id := range append(slices.Clone(l.Misconceptions), l.Disputed...) {
				if !slices.Contains(ids, id) {
					t.Errorf("%s %s: misconception %q is not in the %s rubric", file, l.ID, id, q.ID)
				}
			}
		}
	}
	for _, id := range b.Gradable() {
		if perQuestion[id] < 25 {
			t.Errorf("%s has %d labelled answers, want at least 25 in the tuning split alone", id, perQuestion[id])
		}
	}
}

// TestModelAnswersGradeStrong checks that every interview question's model
// answer (the lesson's for q11..q15) earns a strong verdict with no
// misconception: a rubric its own model answer fails is wrong.
func TestModelAnswersGradeStrong(t *testing.T) {
	b := mustBank(t)
	for _, q := range b.Questions {
		if q.Kind != quiz.Interview {
			continue
		}
		model, err := q.ModelAnswer()
		if err != nil {
			t.Errorf("%s: %v", q.ID, err)
			continue
		}
		res := q.Grader().Grade(model)
		if res.Verdict != grade.Strong || len(res.Misconceptions) > 0 {
			t.Errorf("%s: the model answer grades %s (%d) with misconceptions %+v; missing %+v", q.ID, res.Verdict, res.Score, res.Misconceptions, res.Missing)
		}
	}
}

func mustBank(t testing.TB) *quiz.Bank {
	t.Helper()
	b, err := quiz.LoadBank()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
