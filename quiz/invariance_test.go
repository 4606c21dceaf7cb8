package quiz_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// fillers are sentences a nervous candidate adds: they say nothing about
// any question.
var fillers = []string{
	"Honestly, that's a good question.",
	"So yeah, at the end of the day, you know, that is basically it.",
	"Let me think about how to put this.",
	"I hope that makes sense.",
	"Anyway, moving on.",
}

// sentences splits an answer after ". ", "! ", "? " and at line breaks,
// keeping each sentence's own text and each ``` code block whole.
func sentences(s string) []string {
	var out []string
	for i, part := range strings.Split(s, "```") {
		if i%2 == 1 {
			out = append(out, "```"+part+"```")
			continue
		}
		out = append(out, proseSentences(part)...)
	}
	return out
}

func proseSentences(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		end := -1
		switch {
		case r == '\n' && (strings.HasPrefix(s[i+1:], "\n") || strings.HasPrefix(strings.TrimLeft(s[i+1:], " "), "- ")):
			end = i + 1 // a blank line or a bullet
		case (r == '.' || r == '!' || r == '?') && i+1 < len(s) && unicode.IsSpace(rune(s[i+1])):
			end = i + 1
		}
		if end > start {
			if t := strings.TrimSpace(s[start:end]); t != "" {
				out = append(out, t)
			}
			start = end
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

// TestScoreInvariance checks on every tuning-corpus answer that repeating
// the answer, padding it with filler sentences or shuffling its sentences
// never raises the score: only what an answer claims counts.
func TestScoreInvariance(t *testing.T) {
	b := mustBank(t)
	set := loadCorpus(t, tuneFile)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, l := range set {
		q, err := b.Find(l.Q)
		if err != nil {
			t.Fatal(err)
		}
		g := q.Grader()
		base := g.Grade(l.Answer).Score
		ss := sentences(l.Answer)
		check := func(what, variant string) {
			t.Helper()
			if got := g.Grade(variant).Score; got > base {
				t.Errorf("%s (%s): %s raises the score from %d to %d\n%s", l.ID, l.Q, what, base, got, variant)
			}
		}
		check("pasting it twice", l.Answer+"\n"+l.Answer)
		check("repeating each sentence", strings.Join(doubled(ss), "\n"))
		padded := make([]string, 0, 2*len(ss))
		for i, s := range ss {
			padded = append(padded, fillers[i%len(fillers)], s)
		}
		check("padding with filler", strings.Join(padded, "\n"))
		for range 3 {
			shuffled := append([]string(nil), ss...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			check("shuffling the sentences", strings.Join(shuffled, "\n"))
		}
	}
}

func doubled(ss []string) []string {
	out := make([]string, 0, 2*len(ss))
	for _, s := range ss {
		out = append(out, s, s)
	}
	return out
}
