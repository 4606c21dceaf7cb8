package grade

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// MaxAnswerBytes bounds what is graded: an interview answer is a few
// paragraphs, and a paste of a whole file should not cost more than that.
const MaxAnswerBytes = 8 << 10

// Verdict summarises a score.
type Verdict string

// The verdicts, by score.
const (
	Strong  Verdict = "strong"  // score >= 75
	Partial Verdict = "partial" // 40..74
	Weak    Verdict = "weak"    // < 40
)

// VerdictFor maps a 0..100 score to its verdict.
func VerdictFor(score int) Verdict {
	switch {
	case score >= 75:
		return Strong
	case score >= 40:
		return Partial
	}
	return Weak
}

// listCap is the highest score an answer that reads like a keyword list can
// get: naming things is not explaining them.
const listCap = 55

// Span is a byte range [Start, End) of Result.Text.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// ConceptHit is a concept the answer covered and where it said so.
type ConceptHit struct {
	ID     string  `json:"id"`
	Label  string  `json:"label"`
	Weight float64 `json:"weight"`
	// Credit is 1, or listCredit when the concept was only named in a
	// keyword list.
	Credit float64 `json:"credit"`
	Spans  []Span  `json:"spans"`
}

// ConceptRef is a concept the answer missed.
type ConceptRef struct {
	ID     string  `json:"id"`
	Label  string  `json:"label"`
	Weight float64 `json:"weight"`
}

// MisconceptionHit is a wrong claim found in the answer.
type MisconceptionHit struct {
	ID         string `json:"id"`
	Claim      string `json:"claim"`
	Correction string `json:"correction"`
	Penalty    int    `json:"penalty"`
	Spans      []Span `json:"spans"`
}

// Result is the explained grade of one answer.
type Result struct {
	Score          int                `json:"score"`
	Verdict        Verdict            `json:"verdict"`
	Covered        []ConceptHit       `json:"covered"`
	Missing        []ConceptRef       `json:"missing"`
	Misconceptions []MisconceptionHit `json:"misconceptions"`
	// Notices explain anything done to the input or the score: a cut, NUL
	// bytes, a keyword-list cap, an empty answer.
	Notices   []string `json:"notices,omitempty"`
	Truncated bool     `json:"truncated,omitempty"`
	ListLike  bool     `json:"list_like,omitempty"`
	// Text is the graded text (the answer, cut to MaxAnswerBytes): every
	// Span indexes into it.
	Text string `json:"-"`
}

// minStrongWords is the shortest answer that can be strong: a strong
// interview answer explains, and explaining takes more than a line of
// terms, however right they are.
const minStrongWords = 30

// shortCap is the highest score of an answer under minStrongWords words.
const shortCap = 74

// listCredit is the credit for a concept named in a keyword list instead of
// a sentence.
const listCredit = 0.75

// Grade scores an answer. It never fails: empty, binary or huge input gives
// a weak result with a notice saying why.
func (g *Grader) Grade(answer string) Result {
	res := Result{Covered: []ConceptHit{}, Missing: []ConceptRef{}, Misconceptions: []MisconceptionHit{}}
	res.Text, res.Notices, res.Truncated = prepare(answer)
	t := analyze(res.Text, g.synonyms)
	if len(t.toks) == 0 {
		res.Notices = append(res.Notices, "the answer is empty: write a few sentences as you would say them in an interview")
	}
	ms := g.findMentions(t)

	credit := make([]float64, len(g.concepts))
	cspans := make([][]Span, len(g.concepts))
	flagged := make([]bool, len(g.misconceptions))
	mspans := make([][]Span, len(g.misconceptions))

	earn := func(ci int, c clause, spans []Span) {
		f := 1.0
		if c.listLike {
			f = listCredit
		}
		credit[ci] = max(credit[ci], f)
		cspans[ci] = addSpans(cspans[ci], spans)
	}
	flag := func(mi int, spans []Span) {
		flagged[mi] = true
		mspans[mi] = addSpans(mspans[mi], spans)
	}

	for ci := range g.concepts {
		c := &g.concepts[ci]
		g.eachClaim(t, ms, c.forms, func(cl clause, negated, direct bool, spans []Span) {
			switch {
			case !negated:
				earn(ci, cl, spans)
			case c.negated >= 0 && direct && !cl.distance:
				flag(c.negated, spans)
			}
		})
	}
	for mi := range g.misconceptions {
		m := &g.misconceptions[mi]
		g.eachClaim(t, ms, m.forms, func(cl clause, negated, direct bool, spans []Span) {
			switch {
			case negated && m.opposite >= 0:
				earn(m.opposite, cl, spans)
			case !negated && direct && !cl.distance:
				flag(mi, spans)
			}
		})
	}

	earned := 0.0
	for ci, c := range g.concepts {
		if credit[ci] > 0 {
			earned += c.Weight * credit[ci]
			res.Covered = append(res.Covered, ConceptHit{ID: c.ID, Label: c.Label, Weight: c.Weight, Credit: credit[ci], Spans: cspans[ci]})
		} else {
			res.Missing = append(res.Missing, ConceptRef{ID: c.ID, Label: c.Label, Weight: c.Weight})
		}
	}
	score := int(math.Round(100 * min(1, earned/g.target)))
	if t.listLike() {
		res.ListLike = true
		if score > listCap {
			score = listCap
			res.Notices = append(res.Notices, fmt.Sprintf("this reads like a list of keywords: an interviewer wants sentences that say what each thing does, so the score is capped at %d", listCap))
		}
	}
	if n := len(t.toks); n > 0 && n < minStrongWords && score > shortCap {
		score = shortCap
		res.Notices = append(res.Notices, fmt.Sprintf("the answer is right as far as it goes, but %d words cannot explain much: a strong answer says why and how, so the score is capped at %d", n, shortCap))
	}
	for mi, m := range g.misconceptions {
		if flagged[mi] {
			res.Misconceptions = append(res.Misconceptions, MisconceptionHit{ID: m.ID, Claim: m.Claim, Correction: m.Correction, Penalty: m.Penalty, Spans: mspans[mi]})
		}
	}
	res.Score = min(100, max(0, score-penalty(res.Misconceptions)))
	res.Verdict = VerdictFor(res.Score)
	return res
}

// penalty sums the misconceptions' penalties with diminishing weight (the
// largest in full, the next halved, the third a third...): several wrong
// claims are usually one wrong idea said several ways.
func penalty(ms []MisconceptionHit) int {
	ps := make([]int, len(ms))
	for i, m := range ms {
		ps[i] = m.Penalty
	}
	slices.Sort(ps)
	slices.Reverse(ps)
	total := 0.0
	for i, p := range ps {
		total += float64(p) / float64(i+1)
	}
	return int(math.Round(total))
}

// prepare cuts the answer to MaxAnswerBytes on a rune boundary and reports
// NUL bytes and binary content. The text itself is kept byte for byte so
// spans index into what the learner wrote.
func prepare(answer string) (text string, notices []string, truncated bool) {
	if len(answer) > MaxAnswerBytes {
		cut := MaxAnswerBytes
		for cut > 0 && !utf8.RuneStart(answer[cut]) {
			cut--
		}
		notices = append(notices, fmt.Sprintf("the answer is %d bytes; only the first %d KiB were graded", len(answer), MaxAnswerBytes>>10))
		answer = answer[:cut]
		truncated = true
	}
	nul, bad := 0, 0
	for i := 0; i < len(answer); {
		r, size := utf8.DecodeRuneInString(answer[i:])
		switch {
		case r == 0:
			nul++
		case r == utf8.RuneError && size == 1, r < 0x20 && r != '\n' && r != '\r' && r != '\t':
			bad++
		}
		i += size
	}
	if nul > 0 {
		notices = append(notices, fmt.Sprintf("the answer contains %d NUL bytes; they were treated as spaces", nul))
	}
	if len(answer) > 0 && (nul+bad)*10 > len(answer) {
		notices = append(notices, "the answer looks like binary data, not text")
	}
	return answer, notices, truncated
}

// listLike reports whether the answer as a whole is a keyword list: most of
// its words sit in clauses without a single function word, or function
// words are far rarer than in any real sentence (prose has one word in
// three or so; terse technical sentences still have one in six).
func (t *text) listLike() bool {
	if len(t.toks) < 4 {
		return false
	}
	inList, function := 0, 0
	for _, c := range t.clauses {
		if c.listLike {
			inList += c.to - c.from
		}
	}
	for _, tok := range t.toks {
		if tok.function {
			function++
		}
	}
	return inList*2 > len(t.toks) || function*8 < len(t.toks)
}

func addSpans(have, add []Span) []Span {
	const maxSpans = 12 // enough to highlight; bounded for huge answers
	for _, s := range add {
		if len(have) >= maxSpans {
			break
		}
		if !slices.Contains(have, s) {
			have = append(have, s)
		}
	}
	slices.SortFunc(have, func(a, b Span) int { return a.Start - b.Start })
	return have
}
