package quiz

import (
	"math/rand/v2"
	"slices"
	"time"
)

// NotesQuestions are the interview questions of the source notes, one per
// topic in topic order; a mock interview without a random source asks
// exactly these.
var NotesQuestions = []string{"q11", "q12", "q13", "q14", "q15"}

// MockQuestionTime is the suggested time per question in a mock interview:
// about what an interviewer gives one answer before moving on.
const MockQuestionTime = 3 * time.Minute

// MockInterview picks five interview questions, one per topic in topic
// order. With r nil it returns the notes' questions (q11..q15); otherwise
// each topic's question is drawn from all its interview questions, so
// repeated mocks vary. The result is deterministic for a given source.
func (b *Bank) MockInterview(r *rand.Rand) []*Question {
	out := make([]*Question, 0, len(Topics))
	for i, topic := range Topics {
		var pool []*Question
		for _, q := range b.Questions {
			if q.Topic == topic && q.Kind == Interview {
				pool = append(pool, q)
			}
		}
		if len(pool) == 0 {
			continue
		}
		pick := pool[0]
		if r != nil {
			pick = pool[r.IntN(len(pool))]
		} else if q, err := b.Find(NotesQuestions[i]); err == nil {
			pick = q
		}
		out = append(out, pick)
	}
	return out
}

// Practice returns the questions of a topic ("" for all) in a practice
// order: shuffled by r when it is not nil, bank order otherwise. Interview
// questions come last so a session warms up on the quick kinds first.
func (b *Bank) Practice(topic string, r *rand.Rand) ([]*Question, error) {
	qs, err := b.ByTopic(topic)
	if err != nil {
		return nil, err
	}
	if r != nil {
		r.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	}
	slices.SortStableFunc(qs, func(a, b *Question) int {
		return boolInt(a.Kind == Interview) - boolInt(b.Kind == Interview)
	})
	return qs, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
