package quiz

import (
	"testing"
	"time"

	"github.com/nodedive/nodedive/lessons/progress"
)

func TestRecordSchedulesReviewsAndMastery(t *testing.T) {
	b, err := LoadBank()
	if err != nil {
		t.Fatal(err)
	}
	q, err := b.Find("q14")
	if err != nil {
		t.Fatal(err)
	}
	p := progress.New()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

	weak, err := q.Evaluate("Cluster workers share memory, so sessions just work.")
	if err != nil {
		t.Fatal(err)
	}
	if err := Record(p, q, weak, now); err != nil {
		t.Fatal(err)
	}
	rec := p.Quiz["q14"]
	if rec.Attempts != 1 || rec.LastScore != weak.Score || len(rec.Review) == 0 {
		t.Fatalf("record = %+v", rec)
	}
	if len(rec.Concepts) == 0 {
		t.Error("a weak answer created no concept cards to relearn")
	}
	due := b.Due(p, now.Add(25*time.Hour))
	if len(due) != 1 || due[0].ID != "q14" {
		t.Errorf("due after a weak answer = %v", due)
	}

	model, _ := q.ModelAnswer()
	strong, _ := q.Evaluate(model)
	if err := Record(p, q, strong, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rec.Attempts != 2 || rec.BestScore != strong.Score || rec.LastVerdict != "strong" {
		t.Errorf("after a strong answer: %+v", rec)
	}
	if len(b.Due(p, now.Add(2*time.Hour))) != 0 && rec.BestScore < 75 {
		t.Error("a strong answer left the question due")
	}
	qs, _ := b.ByTopic("cluster")
	if got, want := b.Mastery(p, "cluster"), float64(strong.Score)/float64(100*len(qs)); got != want {
		t.Errorf("mastery = %v, want %v", got, want)
	}
	if len(Cards(p)) < 2 {
		t.Errorf("cards = %v", Cards(p))
	}
}
