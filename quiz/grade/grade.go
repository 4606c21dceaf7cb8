package grade

import (
	"fmt"
	"math"
	"slices"
	"strings"
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
	// Learned is set when the learned detector flagged the misconception
	// and no form did: its span is the sentence the detector scored
	// highest.
	Learned bool `json:"learned,omitempty"`
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

// misconceptionCap is the highest score of an answer that asserts a
// misconception: at best partial, however much else it gets right.
const misconceptionCap = 74

// centralCap is the highest score of an answer that misses a central
// point, and centralFloor the lowest of one that states one.
const (
	centralCap   = 74
	centralFloor = 40
)

// nearlyAll is the share of the target past which an answer missing one
// central point of three or more is still strong: an answer that says
// nearly everything else has usually said that point too, in words no form
// foresaw, and an interviewer hearing it would not mark it down.
const nearlyAll = 0.9

// thinFloorWeight is the weight of concepts stated as claims (not listed,
// not only in code) that makes an answer partial even without a central
// point: a thin answer that says a couple of right things is partial.
const thinFloorWeight = 2.5

// wrongCap is the highest score of an answer that asserts two
// misconceptions or more: it is mostly wrong.
const wrongCap = 35

// solidWithTwoWrong is the score, before penalties, from which an answer
// with exactly two misconceptions is still partial rather than weak: it
// states (nearly) everything a strong answer states, so an interviewer
// hears a solid answer with two mistakes in it, not a wrong one. The blind
// raters of the later corpus rounds graded such answers partial and thin
// ones with two mistakes weak (testdata/corpus/README.md).
const solidWithTwoWrong = centralCap

// listCredit is the credit for a concept named in a keyword list instead of
// a sentence.
const listCredit = 0.25

// codeCredit is the credit for a concept only shown in code: the code
// shows how, but an interviewer also wants to hear why.
const codeCredit = 0.5

// Grade scores an answer. It never fails: empty, binary or huge input gives
// a weak result with a notice saying why.
func (g *Grader) Grade(answer string) Result { return g.grade(answer, g.learned) }

// grade scores an answer, with the learned detector's gate when ix is not
// nil (learned.go).
func (g *Grader) grade(answer string, ix *learnedIndex) Result {
	res := Result{Covered: []ConceptHit{}, Missing: []ConceptRef{}, Misconceptions: []MisconceptionHit{}}
	res.Text, res.Notices, res.Truncated = prepare(answer)
	t := analyze(res.Text, g.synonyms)
	t.correctTypos(g.typos)
	if len(t.toks) == 0 {
		res.Notices = append(res.Notices, "the answer is empty: write a few sentences as you would say them in an interview")
	}
	t.present = g.present(t)
	ms := g.findMentions(t)

	// Every claim found is kept with its tokens, so that a concept claim
	// made inside a wrong statement ("import is async in the browser but
	// static in Node") earns nothing once that statement is flagged.
	type hit struct {
		from, to int
		credit   float64
		spans    []Span
	}
	hits := make([][]hit, len(g.concepts))
	flagged := make([]bool, len(g.misconceptions))
	mhits := make([][]hit, len(g.misconceptions))

	earn := func(ci int, m match, spans []Span) {
		f := 1.0
		switch {
		case t.toks[m.from].listItem:
			f = listCredit
		case t.anyCode(m):
			f = codeCredit
		}
		hits[ci] = append(hits[ci], hit{m.from, m.to, f, spans})
	}
	flag := func(mi int, cl clause, m match, spans []Span) {
		if t.qualified(g.misconceptions[mi].unless, cl.sentence) || t.anyCode(m) {
			return // qualified, or only shown in code: nothing is claimed
		}
		flagged[mi] = true
		mhits[mi] = append(mhits[mi], hit{m.from, m.to, 1, spans})
	}

	for ci := range g.concepts {
		c := &g.concepts[ci]
		g.eachClaim(t, ms, c.forms, func(cl clause, m match, negated, direct bool, spans []Span) {
			switch {
			case !negated && !cl.distance:
				earn(ci, m, spans)
			case negated && c.negated >= 0 && direct && m.firm && !cl.distance && !t.ownNegation(m) && !t.conditional(cl, m):
				// "sessions don't break" denies the concept; denying a
				// phrase that is itself negative ("logins don't vanish")
				// is too tangled to accuse anyone of anything.
				flag(c.negated, cl, m, spans)
			}
		})
	}
	for mi := range g.misconceptions {
		mc := &g.misconceptions[mi]
		g.eachClaim(t, ms, mc.forms, func(cl clause, m match, negated, direct bool, spans []Span) {
			switch {
			case negated && mc.opposite >= 0:
				earn(mc.opposite, m, spans)
			case !negated && cl.distance && mc.opposite >= 0:
				// "it's a myth that workers share memory": rejecting the
				// myth states what it gets wrong.
				earn(mc.opposite, m, spans)
			case !negated && direct && !cl.distance && !t.inWhether(cl, m):
				flag(mi, cl, m, spans)
			}
		})
	}

	for mi, m := range g.misconceptions {
		if flagged[mi] {
			for _, o := range m.overrides {
				flagged[o] = false
			}
		}
	}
	// inWrongClaim reports whether a concept's claim lies inside a flagged
	// misconception's; it reads flagged as it stands when called.
	inWrongClaim := func(h hit) bool {
		for mi := range g.misconceptions {
			if !flagged[mi] {
				continue
			}
			for _, w := range mhits[mi] {
				if h.from >= w.from && h.to <= w.to {
					return true
				}
			}
		}
		return false
	}
	// The learned detector's gate: a form's flag stands only if the
	// detector scores that misconception above the veto, and the detector
	// flags one no form found when a sentence scores above LearnedHigh
	// (its sentence is the flag's span; the concepts it states keep their
	// credit, as the sentence may say right things too). The veto is
	// LearnedVeto in an answer that states LearnedVetoConcepts concepts
	// outside the flagged claims, LearnedLow in a thinner one: a short
	// answer in words the detector never met is what it reads worst, and
	// padding or repeating adds no concept, so it cannot buy the firmer veto.
	var learnedSpan []Span
	if ix != nil {
		said := 0 // concepts credited outside the flagged claims, as the forms alone would
		for ci := range g.concepts {
			if slices.ContainsFunc(hits[ci], func(h hit) bool { return h.credit > 0 && !inWrongClaim(h) }) {
				said++
			}
		}
		veto := ix.low
		if said >= LearnedVetoConcepts {
			veto = max(ix.low, ix.veto)
		}
		sents := t.learnedSentences()
		best, at := ix.best(sents)
		learnedSpan = make([]Span, len(g.misconceptions))
		for mi := range g.misconceptions {
			switch {
			case !ix.has[mi]:
			case flagged[mi] && best[mi] <= veto:
				flagged[mi] = false
			case !flagged[mi] && best[mi] > ix.high:
				flagged[mi] = true
				learnedSpan[mi] = Span{sents[at[mi]].from, sents[at[mi]].to}
			}
		}
	}
	earned, stated := 0.0, 0.0
	centrals, statedCentrals := 0, 0
	var missingCentral []string
	for ci, c := range g.concepts {
		credit := 0.0
		var spans []Span
		for _, h := range hits[ci] {
			if inWrongClaim(h) {
				continue
			}
			credit = max(credit, h.credit)
			spans = addSpans(spans, h.spans)
		}
		if c.Central {
			if credit == 1 {
				statedCentrals++
			}
			if credit >= codeCredit {
				centrals++
			} else {
				missingCentral = append(missingCentral, c.Label)
			}
		}
		if credit == 1 {
			stated += c.Weight
		}
		if credit > 0 {
			earned += c.Weight * credit
			res.Covered = append(res.Covered, ConceptHit{ID: c.ID, Label: c.Label, Weight: c.Weight, Credit: credit, Spans: spans})
		} else {
			res.Missing = append(res.Missing, ConceptRef{ID: c.ID, Label: c.Label, Weight: c.Weight})
		}
	}
	score := int(math.Round(100 * min(1, earned/g.target)))
	if centrals < g.strongNeeds && score > centralCap && (g.strongNeeds < 3 || centrals < g.strongNeeds-1 || earned < nearlyAll*g.target) {
		score = centralCap
		res.Notices = append(res.Notices, fmt.Sprintf("a strong answer states the central points; this one does not say: %s", strings.Join(missingCentral, "; ")))
	}
	if (statedCentrals > 0 || stated >= thinFloorWeight) && score < centralFloor {
		// One central point stated as a claim is a partial answer, however
		// short.
		score = centralFloor
	}
	if t.listLike() {
		res.ListLike = true
		res.Notices = append(res.Notices, fmt.Sprintf("this reads like a list of keywords: an interviewer wants sentences that say what each thing does, so a concept only named in a list earns %d%% of its weight", int(100*listCredit)))
		if statedCentrals == 0 && stated < thinFloorWeight && score >= centralFloor {
			// A long list of the right names adds up at list credit, but
			// it still says nothing: without a claim it stays weak.
			score = centralFloor - 1
		}
	}
	for mi, m := range g.misconceptions {
		if flagged[mi] {
			var spans []Span
			for _, h := range mhits[mi] {
				spans = addSpans(spans, h.spans)
			}
			h := MisconceptionHit{ID: m.ID, Claim: m.Claim, Correction: m.Correction, Penalty: m.Penalty, Spans: spans}
			if len(mhits[mi]) == 0 && learnedSpan != nil {
				// Flagged by the detector alone: its sentence is the span.
				h.Spans, h.Learned = []Span{learnedSpan[mi]}, true
			}
			res.Misconceptions = append(res.Misconceptions, h)
		}
	}
	res.Score = min(100, max(0, score-penalty(res.Misconceptions)))
	switch n := len(res.Misconceptions); {
	case n == 2 && score >= solidWithTwoWrong:
		res.Score = min(misconceptionCap, max(centralFloor, res.Score))
		res.Notices = append(res.Notices, fmt.Sprintf("the answer asserts 2 misconceptions: it says enough else to stay partial, and the score is kept between %d and %d", centralFloor, misconceptionCap))
	case n >= 2 && res.Score > wrongCap:
		res.Score = wrongCap
		res.Notices = append(res.Notices, fmt.Sprintf("the answer asserts %d misconceptions: an answer that is mostly wrong is weak, so the score is capped at %d", n, wrongCap))
	case n == 1 && res.Score > misconceptionCap:
		res.Score = misconceptionCap
		res.Notices = append(res.Notices, fmt.Sprintf("a strong answer asserts nothing false: with a misconception the score is capped at %d", misconceptionCap))
	}
	res.Verdict = VerdictFor(res.Score)
	return res
}

// ownNegation reports whether a word of the match is itself a negation.
func (t *text) ownNegation(m match) bool {
	for _, i := range m.words {
		if t.toks[i].neg {
			return true
		}
	}
	return false
}

// conditionWords open a condition: a point denied inside one ("if it
// doesn't use top-level await") states when something holds, it denies
// nothing.
var conditionWords = map[string]bool{"if": true, "unless": true, "when": true, "whether": true, "provided": true}

// conditional reports whether the match sits in a condition opened earlier
// in its clause.
func (t *text) conditional(cl clause, m match) bool {
	for i := cl.from; i < m.from; i++ {
		if conditionWords[t.toks[i].lower] {
			return true
		}
	}
	return false
}

// negatedBefore reports whether a negator stands a few words before the
// match in its clause, with no comma between.
func (t *text) negatedBefore(m match) bool {
	cl := t.clauses[t.toks[m.from].clause]
	for i := m.from - 1; i >= max(cl.from, m.from-negationWindow); i-- {
		if t.toks[i+1].brk {
			return false
		}
		if t.toks[i].neg {
			return true
		}
	}
	return false
}

// inWhether reports whether the match sits in a "whether" clause (up to
// the next comma) that some word before it asks: "I'm not sure whether it
// checks the Origin or just sends the header" claims neither. A clause
// that opens with "Whether" is the subject of a claim ("Whether you use
// require or import makes no difference"), and claims, and so does one set
// off by a comma ("..., whether through IPC or a shared store"), which means
// "either way".
func (t *text) inWhether(cl clause, m match) bool {
	for i := m.from; i > cl.from; i-- {
		if t.toks[i].brk {
			return false
		}
		if t.toks[i-1].lower == "whether" {
			return i-1 > cl.from && !t.toks[i-1].brk
		}
	}
	return false
}

// anyCode reports whether a word of the match is code.
func (t *text) anyCode(m match) bool {
	for _, i := range m.words {
		if t.toks[i].code {
			return true
		}
	}
	return false
}

// present marks the phrases whose words all occur in the answer: only
// those can match, and most of a rubric's thousands of phrases cannot.
func (g *Grader) present(t *text) []bool {
	present := make([]bool, g.phrases)
	has := func(id int) bool {
		for _, stem := range g.rest[id] {
			if _, ok := t.byStem[stem]; !ok {
				return false
			}
		}
		return true
	}
	for stem := range t.byStem {
		for _, id := range g.byFirst[stem] {
			present[id] = has(id)
		}
	}
	for _, id := range g.anyFirst {
		present[id] = has(id)
	}
	return present
}

// qualified reports whether one of the phrases occurs in sentence s. A
// semicolon ends the sentence here too: letting a qualifier reach across
// it ("...just work; only once you have several servers...") cleared real
// misconceptions in the corpus, more than it saved false alarms.
func (t *text) qualified(unless []phrase, s int) bool {
	found := false
	for _, p := range unless {
		if !t.present[p.id] {
			continue
		}
		t.findPhrase(p.words, p.gap, func(m match) {
			if t.clauses[t.toks[m.from].clause].sentence == s && (!p.affirmed || !t.negatedBefore(m)) {
				found = true
			}
		})
		if found {
			return true
		}
	}
	return false
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

// listLike reports whether the answer as a whole is a keyword list: most
// of its words are bare list items.
func (t *text) listLike() bool {
	items := 0
	for _, tok := range t.toks {
		if tok.listItem {
			items++
		}
	}
	return len(t.toks) >= 4 && items*2 > len(t.toks)
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
