package review_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/nodedive/nodedive/quiz/grade"
	"github.com/nodedive/nodedive/quiz/review"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func TestSM2Intervals(t *testing.T) {
	c := review.NewCard("q14", "", t0)
	if !c.IsDue(t0) {
		t.Fatal("a new card is not due")
	}
	now := t0
	// Good recalls: 1 day, 6 days, then interval * ease (ease stays 2.5 at
	// quality 4).
	want := []int{1, 6, 15, 38}
	for i, w := range want {
		c = review.Schedule(c, review.Good, now)
		if c.IntervalDays != w || c.Reps != i+1 || c.Ease != 2.5 {
			t.Fatalf("review %d: interval %d reps %d ease %.2f, want interval %d", i+1, c.IntervalDays, c.Reps, c.Ease, w)
		}
		if !c.Due.Equal(now.Add(time.Duration(w) * day)) {
			t.Fatalf("review %d: due %v", i+1, c.Due)
		}
		if c.IsDue(now.Add(time.Duration(w)*day - time.Second)) {
			t.Fatalf("review %d: due too early", i+1)
		}
		now = c.Due
	}
	// A lapse resets the repetitions, keeps count, and lowers the ease.
	c = review.Schedule(c, review.Wrong, now)
	if c.IntervalDays != 1 || c.Reps != 0 || c.Lapses != 1 || c.Ease >= 2.5 {
		t.Fatalf("after a lapse: %+v", c)
	}
	// Perfect answers raise the ease; bad ones never take it below 1.3.
	if p := review.Schedule(review.NewCard("x", "", t0), review.Perfect, t0); p.Ease <= 2.5 {
		t.Errorf("a perfect review does not raise the ease: %.2f", p.Ease)
	}
	low := review.NewCard("x", "", t0)
	for range 20 {
		low = review.Schedule(low, review.Blackout, t0)
	}
	if low.Ease != 1.3 {
		t.Errorf("ease floor: %.2f", low.Ease)
	}
	// Out-of-range qualities are clamped, and a zero Card works.
	if z := review.Schedule(review.Card{}, 9, t0); z.LastQuality != review.Perfect || z.IntervalDays != 1 {
		t.Errorf("zero card, quality 9: %+v", z)
	}
}

func TestDueOrder(t *testing.T) {
	a := review.NewCard("q11", "", t0.Add(-2*day))
	b := review.NewCard("q12", "", t0.Add(-5*day))
	c := review.NewCard("q13", "", t0.Add(3*day))
	d := review.NewCard("q11", "require-sync", t0.Add(-2*day))
	due := review.Due([]review.Card{a, b, c, d}, t0)
	var keys []string
	for _, x := range due {
		keys = append(keys, x.Key())
	}
	if !reflect.DeepEqual(keys, []string{"q12", "q11", "q11#require-sync"}) {
		t.Errorf("Due order: %v", keys)
	}
	if next, ok := review.NextDue([]review.Card{a, b, c}); !ok || !next.Equal(b.Due) {
		t.Errorf("NextDue = %v %v", next, ok)
	}
	if _, ok := review.NextDue(nil); ok {
		t.Error("NextDue of no cards")
	}
}

func TestQualityOf(t *testing.T) {
	cases := []struct {
		score int
		mis   int
		want  review.Quality
	}{
		{100, 0, review.Perfect},
		{80, 0, review.Good},
		{65, 0, review.Pass},
		{50, 0, review.Hard},
		{20, 0, review.Wrong},
		{0, 0, review.Blackout},
		{95, 1, review.Hard},
		{10, 1, review.Blackout},
	}
	for _, c := range cases {
		r := grade.Result{Score: c.score, Verdict: grade.VerdictFor(c.score)}
		for range c.mis {
			r.Misconceptions = append(r.Misconceptions, grade.MisconceptionHit{ID: "m"})
		}
		if got := review.QualityOf(r); got != c.want {
			t.Errorf("score %d with %d misconceptions: %d, want %d", c.score, c.mis, got, c.want)
		}
	}
}

func TestApplyAndJSON(t *testing.T) {
	weak := grade.Result{
		Score: 30, Verdict: grade.Weak,
		Covered: []grade.ConceptHit{{ID: "fork"}},
		Missing: []grade.ConceptRef{{ID: "separate"}, {ID: "respawn"}},
	}
	qc, concepts := review.Apply(review.Card{}, nil, "q14", weak, t0)
	if qc.Question != "q14" || qc.LastQuality != review.Wrong || qc.IntervalDays != 1 {
		t.Errorf("question card: %+v", qc)
	}
	if len(concepts) != 2 || concepts["separate"].Concept != "separate" || concepts["respawn"].Lapses != 1 {
		t.Errorf("concept cards: %+v", concepts)
	}
	// Later, a strong answer that covers "separate" and still misses
	// "respawn" and a minor point.
	strong := grade.Result{
		Score: 90, Verdict: grade.Strong,
		Covered: []grade.ConceptHit{{ID: "fork"}, {ID: "separate"}},
		Missing: []grade.ConceptRef{{ID: "respawn"}, {ID: "ipc"}},
	}
	before := concepts["separate"]
	qc2, concepts2 := review.Apply(qc, concepts, "q14", strong, t0.Add(day))
	if qc2.Reps != 1 || qc2.LastQuality != review.Perfect {
		t.Errorf("question card after a strong answer: %+v", qc2)
	}
	if concepts2["separate"].LastQuality != review.Good || concepts2["respawn"].Lapses != 2 {
		t.Errorf("concept cards after: %+v", concepts2)
	}
	if _, ok := concepts2["ipc"]; ok {
		t.Error("a strong answer created a card for a minor missed concept")
	}
	if concepts["separate"] != before {
		t.Error("Apply modified its input map")
	}
	// Cards round-trip through JSON (the progress store keeps them raw).
	data, err := json.Marshal(concepts2["separate"])
	if err != nil {
		t.Fatal(err)
	}
	var back review.Card
	if err := json.Unmarshal(data, &back); err != nil || !back.Due.Equal(concepts2["separate"].Due) || back.Key() != "q14#separate" {
		t.Errorf("JSON round trip: %s -> %+v, %v", data, back, err)
	}
}
