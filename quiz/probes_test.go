package quiz_test

import (
	"os"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/nodedive/nodedive/quiz/grade"
)

// probeSet is one question's entry in testdata/probes.yaml.
type probeSet struct {
	Asserts map[string][]string `yaml:"asserts"`
	Clean   []string            `yaml:"clean"`
	Strong  []string            `yaml:"strong"`
	Partial []string            `yaml:"partial"`
	// Keywords are bare lists of the question's names: weak, however
	// many of the right names they drop.
	Keywords []string `yaml:"keywords"`
}

// TestMisconceptionProbes checks the rubrics with answers of our own,
// worded unlike the corpus: each asserting sentence is flagged with its
// misconception, each right sentence (a negation, a refutation) with
// nothing, the strong and partial answers get those verdicts and keyword
// lists are weak. Every
// catalogue entry has at least one probe.
func TestMisconceptionProbes(t *testing.T) {
	data, err := os.ReadFile("testdata/probes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var probes map[string]probeSet
	if err := yaml.Unmarshal(data, &probes); err != nil {
		t.Fatal(err)
	}
	b := mustBank(t)
	for _, id := range b.Gradable() {
		set, ok := probes[id]
		if !ok {
			t.Errorf("%s: no probes", id)
			continue
		}
		q, _ := b.Find(id)
		g := q.Grader()
		for _, m := range q.Rubric.Misconceptions {
			if len(set.Asserts[m.ID]) == 0 {
				t.Errorf("%s: misconception %s has no probe", id, m.ID)
			}
		}
		for mid, says := range set.Asserts {
			for _, s := range says {
				if got := flaggedIDs(g.Grade(s)); !slices.Contains(got, mid) {
					t.Errorf("%s: %q is not flagged as %s (flagged %v)", id, s, mid, got)
				}
			}
		}
		for _, s := range set.Clean {
			if got := flaggedIDs(g.Grade(s)); len(got) > 0 {
				t.Errorf("%s: %q is right, but flagged %v", id, s, got)
			}
		}
		for _, s := range set.Keywords {
			if r := g.Grade(s); r.Verdict != grade.Weak {
				t.Errorf("%s: the keyword list %q grades %s (%d), want weak", id, s, r.Verdict, r.Score)
			}
		}
		for want, answers := range map[grade.Verdict][]string{grade.Strong: set.Strong, grade.Partial: set.Partial} {
			if len(answers) == 0 {
				t.Errorf("%s: no %s probes", id, want)
			}
			for _, s := range answers {
				r := g.Grade(s)
				if r.Verdict != want || len(r.Misconceptions) > 0 {
					t.Errorf("%s: %q grades %s (%d) with %v, want %s", id, s, r.Verdict, r.Score, flaggedIDs(r), want)
				}
			}
		}
	}
}

func flaggedIDs(r grade.Result) []string {
	var ids []string
	for _, m := range r.Misconceptions {
		ids = append(ids, m.ID)
	}
	return ids
}
