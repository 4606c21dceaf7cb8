// Package review schedules spaced repetition with SM-2, per question and
// per rubric concept the learner missed. It is pure: no clock, no files.
// The caller passes "now" and stores the cards (they are plain JSON) in the
// progress store: progress.Question.Review holds the question's card and
// progress.Question.Concepts[conceptID] the cards of missed concepts.
//
// SM-2 (Wozniak, 1987), in short: each review gets a quality 0..5. Below 3
// the card is relearned (next review tomorrow); otherwise the interval grows
// 1 day, 6 days, then interval × ease, and the ease factor moves with the
// quality (never below 1.3).
package review

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/nodedive/nodedive/quiz/grade"
)

// Quality is an SM-2 review grade: 0 (blackout) to 5 (perfect recall).
type Quality int

// SM-2 answer qualities, from forgot to perfect.
const (
	Blackout Quality = 0 // nothing right
	Wrong    Quality = 1 // wrong, but the answer looked familiar
	Hard     Quality = 2 // wrong or mostly missing; relearn
	Pass     Quality = 3 // right with serious effort
	Good     Quality = 4 // right after some thought
	Perfect  Quality = 5 // right, complete, at once
)

// Passing is the lowest quality that counts as remembered.
const Passing = Pass

const (
	initialEase = 2.5
	minEase     = 1.3
	day         = 24 * time.Hour
)

// Card is the schedule of one item. The zero value is a new card, due at
// once.
type Card struct {
	// Question and Concept name the item: a question, or a concept of an
	// interview question's rubric.
	Question string `json:"question"`
	Concept  string `json:"concept,omitempty"`
	// Ease is the SM-2 ease factor (2.5 for a new card, at least 1.3).
	Ease float64 `json:"ease"`
	// IntervalDays is the current interval; Reps counts passing reviews in a
	// row and Lapses the failed ones overall.
	IntervalDays int       `json:"interval_days"`
	Reps         int       `json:"reps"`
	Lapses       int       `json:"lapses"`
	Due          time.Time `json:"due"`
	LastReview   time.Time `json:"last_review,omitzero"`
	LastQuality  Quality   `json:"last_quality"`
}

// Key identifies a card: the question ID, or "question#concept".
func (c Card) Key() string {
	if c.Concept == "" {
		return c.Question
	}
	return c.Question + "#" + c.Concept
}

// NewCard returns a card for a question (concept "") or a concept, due now.
func NewCard(question, concept string, now time.Time) Card {
	return Card{Question: question, Concept: concept, Ease: initialEase, Due: now}
}

// IsDue reports whether the card should be reviewed at now.
func (c Card) IsDue(now time.Time) bool { return !c.Due.After(now) }

// Schedule applies one review of quality q at now and returns the updated
// card. Qualities outside 0..5 are clamped.
func Schedule(c Card, q Quality, now time.Time) Card {
	q = min(max(q, Blackout), Perfect)
	if c.Ease == 0 {
		c.Ease = initialEase
	}
	if q < Passing {
		c.Reps = 0
		c.Lapses++
		c.IntervalDays = 1
	} else {
		switch c.Reps {
		case 0:
			c.IntervalDays = 1
		case 1:
			c.IntervalDays = 6
		default:
			c.IntervalDays = int(math.Round(float64(c.IntervalDays) * c.Ease))
		}
		c.Reps++
	}
	// The ease changes on every review, failed ones included (as in the
	// original algorithm), so cards that keep failing come back more often.
	d := float64(Perfect - q)
	c.Ease = max(minEase, c.Ease+0.1-d*(0.08+d*0.02))
	c.LastReview = now
	c.LastQuality = q
	c.Due = now.Add(time.Duration(c.IntervalDays) * day)
	return c
}

// Due returns the cards due at now, most overdue first (ties by key, so the
// order is stable).
func Due(cards []Card, now time.Time) []Card {
	var out []Card
	for _, c := range cards {
		if c.IsDue(now) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Card) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.Key(), b.Key())
	})
	return out
}

// NextDue returns the earliest due time among cards, and false if there are
// none: the home screen's "next review in ...".
func NextDue(cards []Card) (time.Time, bool) {
	if len(cards) == 0 {
		return time.Time{}, false
	}
	next := cards[0].Due
	for _, c := range cards[1:] {
		if c.Due.Before(next) {
			next = c.Due
		}
	}
	return next, true
}

// QualityOf maps a grading result to an SM-2 quality: the score sets it
// (90+ perfect, 75+ good, 60+ pass, 40+ hard, 15+ wrong, else blackout),
// and any misconception caps it at Hard, because saying something wrong
// needs relearning however much else was right.
func QualityOf(r grade.Result) Quality {
	var q Quality
	switch s := r.Score; {
	case s >= 90:
		q = Perfect
	case s >= 75:
		q = Good
	case s >= 60:
		q = Pass
	case s >= 40:
		q = Hard
	case s >= 15:
		q = Wrong
	default:
		q = Blackout
	}
	if len(r.Misconceptions) > 0 {
		q = min(q, Hard)
	}
	return q
}

// Apply records one graded answer to a question: its own card is scheduled
// with QualityOf(r); each missed concept is scheduled as Wrong, and a
// concept that already has a card and was covered this time as Good. New
// concept cards are created only when the answer was not strong, so a
// strong answer that skipped a minor point does not fill the review queue.
// concepts is keyed by concept ID and may be nil; the updated question card
// and concept map are returned, the inputs are not modified. For
// non-interview questions r has no concepts, so only the question card
// changes.
func Apply(question Card, concepts map[string]Card, questionID string, r grade.Result, now time.Time) (Card, map[string]Card) {
	if question.Question == "" {
		question = NewCard(questionID, "", now)
	}
	question = Schedule(question, QualityOf(r), now)
	out := make(map[string]Card, len(concepts)+len(r.Missing))
	for k, c := range concepts {
		out[k] = c
	}
	for _, m := range r.Missing {
		c, ok := out[m.ID]
		if !ok {
			if r.Verdict == grade.Strong {
				continue
			}
			c = NewCard(questionID, m.ID, now)
		}
		out[m.ID] = Schedule(c, Wrong, now)
	}
	for _, h := range r.Covered {
		if c, ok := out[h.ID]; ok {
			out[h.ID] = Schedule(c, Good, now)
		}
	}
	return question, out
}
