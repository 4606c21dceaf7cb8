package quiz

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/quiz/review"
)

// Record stores one answered question in the learner's progress: attempts,
// last and best score, and the spaced-repetition cards of the question and
// of the rubric concepts the answer missed (review.Apply decides which).
func Record(p *progress.Progress, q *Question, o Outcome, now time.Time) error {
	rec := p.Question(q.ID)
	qCard, concepts, err := cards(rec, q.ID, now)
	if err != nil {
		return err
	}
	qCard, concepts = review.Apply(qCard, concepts, q.ID, o.Result, now)
	if rec.Review, err = json.Marshal(qCard); err != nil {
		return err
	}
	if len(concepts) > 0 {
		rec.Concepts = make(map[string]json.RawMessage, len(concepts))
		for id, c := range concepts {
			if rec.Concepts[id], err = json.Marshal(c); err != nil {
				return err
			}
		}
	}
	rec.Attempts++
	rec.LastScore = o.Score
	rec.BestScore = max(rec.BestScore, o.Score)
	rec.LastVerdict = string(o.Verdict)
	rec.LastAt = now
	return nil
}

// cards decodes the saved cards of a question (new ones if there are none).
func cards(rec *progress.Question, id string, now time.Time) (review.Card, map[string]review.Card, error) {
	qCard := review.NewCard(id, "", now)
	if len(rec.Review) > 0 {
		if err := json.Unmarshal(rec.Review, &qCard); err != nil {
			return qCard, nil, fmt.Errorf("review card of %s: %w", id, err)
		}
	}
	concepts := map[string]review.Card{}
	for cid, raw := range rec.Concepts {
		var c review.Card
		if err := json.Unmarshal(raw, &c); err != nil {
			return qCard, nil, fmt.Errorf("review card of %s#%s: %w", id, cid, err)
		}
		concepts[cid] = c
	}
	return qCard, concepts, nil
}

// Cards returns every review card in the progress: one per answered
// question and one per concept being relearned. Unreadable cards (a
// hand-edited file) are skipped rather than blocking the review.
func Cards(p *progress.Progress) []review.Card {
	var all []review.Card
	for id, rec := range p.Quiz {
		if len(rec.Review) == 0 {
			continue
		}
		q, concepts, err := cards(rec, id, time.Time{})
		if err != nil {
			continue
		}
		all = append(all, q)
		for _, c := range concepts {
			all = append(all, c)
		}
	}
	return all
}

// Due returns the questions with a card due at now (the question's own, or
// one of its concepts), most overdue first, skipping questions no longer
// in the bank.
func (b *Bank) Due(p *progress.Progress, now time.Time) []*Question {
	var out []*Question
	for _, c := range review.Due(Cards(p), now) {
		q, err := b.Find(c.Question)
		if err != nil || slices.Contains(out, q) {
			continue
		}
		out = append(out, q)
	}
	return out
}

// Mastery is how much of a topic the learner has shown they know, 0..1:
// the best score of every question of the topic, averaged over all of
// them (unanswered ones count as zero).
func (b *Bank) Mastery(p *progress.Progress, topic string) float64 {
	qs, err := b.ByTopic(topic)
	if err != nil || len(qs) == 0 {
		return 0
	}
	total := 0
	for _, q := range qs {
		if rec := p.Quiz[q.ID]; rec != nil {
			total += rec.BestScore
		}
	}
	return float64(total) / float64(100*len(qs))
}
