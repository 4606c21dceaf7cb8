package grade

import (
	"slices"
	"strings"
)

// This file decides what each claim in an answer is about (its subject)
// and whether it is negated. The rules are small and explainable, in the
// order they are tried:
//
//  1. Mentions of subjects are found first; overlapping ones keep the
//     longest ("dynamic import" over "import", "conditional exports" over
//     "exports").
//  2. A mention right after "unlike", "than", "instead of", "beyond"... is a
//     contrast and never a subject; one right after the verb of an earlier
//     subject ("import is CommonJS") is a predicate, not a new subject; one
//     after a preposition ("works in CommonJS files") is context when the
//     clause already has a subject; one inside a parenthesis ("(or CJS)")
//     governs only its own aside.
//  3. A claim belongs to the nearest eligible mention before it in its
//     segment (split at commas, colons, dashes, brackets), else to what a
//     relative pronoun ("which") stands for, else to a pronoun's
//     antecedent, else to a mention after it in the segment, else before it
//     in the clause, else after it in the clause, else to the subject
//     carried over from the previous clause of the sentence, else, when the
//     clause opens with "The"/"It"/"This", to the previous sentence's only
//     subject. A claim that is a copula ("is an ES module") or another
//     subject's name ("libuv has a thread pool") is only ever said of
//     something before it. Failing all that, a clause that opens with a
//     subject as its setting ("In ES modules you ...") belongs to it.
//  4. A negator applies to a claim when it is close before it (or inside
//     it) with no comma, colon or dash in between: "not", "never", "n't"
//     reach a few words; "no", "without", "nobody" only the noun after them
//     ("with no listener, emit throws" denies nothing about throwing);
//     "or"/"nor" carry a negation on ("never plain text or MD5"), an "and"
//     that opens a new predicate stops it ("never waits and is sync"); "does
//     nothing for", "has no effect on", "doesn't mean" deny the rest of the
//     clause. Only a verb's negation ("is not", "never") is firm enough to
//     turn a denied concept into a misconception.

// maxGap is how many other words may sit between the words of a claim
// phrase: "share the same memory" matches "share memory".
const maxGap = 2

// negationWindow is how far before a claim a verb negator ("not", "never",
// "isn't") still applies to it; negationReach bounds the look-back when
// "or" carries a negation further.
const (
	negationWindow  = 6
	determinerReach = 1
	negationReach   = 12
)

// mention is a subject named in the answer.
type mention struct {
	subj       int
	from, to   int  // token indices
	contrast   bool // after "unlike", "than"...: what the clause is not about
	subjectPos bool // followed by a verb: the subject of its clause
	predicate  bool // follows an earlier subject's verb: what is said about it
	prep       bool // after a preposition: context ("in CommonJS files")
	plural     bool
	paren      int // the parenthesis group it sits in: an aside governs only its own words
}

// match is one occurrence of a phrase: the token range and which tokens were
// the phrase's own words (the others are allowed gaps).
type match struct {
	from, to int
	words    []int
	far      bool // the phrase had a "..." gap
	firm     bool // denied by a verb ("is not", "never"), not only by "no" or "without"
}

// fillers may sit between a verb and its object.
var fillers = map[string]bool{
	"a": true, "an": true, "the": true, "called": true, "named": true, "like": true, "based": true,
	"no": true, "any": true, "some": true, "its": true, "their": true, "every": true, "each": true,
	"one": true, "own": true, "just": true, "all": true,
}

// prepositions put a mention in the background of its clause.
var prepositions = map[string]bool{
	"in": true, "inside": true, "within": true, "from": true, "with": true, "without": true, "for": true,
	"into": true, "on": true, "of": true, "to": true, "across": true, "between": true, "by": true,
	"via": true, "through": true, "behind": true, "under": true, "over": true,
}

// gapStoppers start a new proposition: the words of a claim never sit on
// both sides of one.
var gapStoppers = map[string]bool{
	"why": true, "what": true, "how": true, "when": true, "where": true, "which": true, "who": true, "whom": true,
	"if": true, "because": true, "and": true, "or": true, "then": true, "than": true, "unless": true, "until": true,
}

// farStoppers end the reach of "...": "CommonJS uses require and ESM
// uses import" does not say "CommonJS ... import".
var farStoppers = map[string]bool{
	"and": true, "or": true, "while": true, "whereas": true, "vs": true, "versus": true, "unlike": true,
	"than": true, "if": true, "because": true, "when": true, "which": true, "unless": true,
}

// reachOpeners open the clauses a phrase that names them may reach into:
// a result ("so") or a reason ("because") belongs to the claim before it.
var reachOpeners = map[string]bool{"so": true, "because": true}

// namesWord reports whether one of ws is written as lower.
func namesWord(ws []word, lower string) bool {
	for _, w := range ws {
		if w.lower == lower {
			return true
		}
	}
	return false
}

// coordinatedNames reports whether the "and" or "or" at token j joins two
// names ("require and import"): a noun phrase, not a new proposition.
func (t *text) coordinatedNames(j int) bool {
	return (t.toks[j].lower == "and" || t.toks[j].lower == "or") && j > 0 && j+1 < len(t.toks) &&
		t.toks[j-1].named && t.toks[j+1].named
}

// copulas start a claim like "is CommonJS": nothing but adverbs and
// articles may sit between the verb and what it says.
var copulas = map[string]bool{"is": true, "are": true, "be": true, "was": true, "were": true, "been": true}

// relatives make the mention before them the subject of what follows:
// "workers, which have their own memory".
var relatives = map[string]bool{"which": true, "that": true, "who": true, "whose": true, "where": true}

// determiners negate only the words right after them: "no listener" does
// not negate "throws" three words later.
var determiners = map[string]bool{"no": true, "nobody": true, "nothing": true, "none": true, "without": true, "non": true}

// determiner reports whether the negator at token i denies only the noun
// after it: "no", "without" always do; "nobody", "nothing" and "none" when
// they set a scene ("with nobody listening, emit throws") rather than
// deny a verb ("none of them can be collected").
func (t *text) determiner(i int) bool {
	w := t.toks[i].lower
	if !determiners[w] {
		return false
	}
	if w == "no" && i+1 < len(t.toks) && t.toks[i+1].lower == "longer" {
		return false // "require no longer throws" denies the verb, like "never"
	}
	if w == "no" || w == "without" || w == "non" || w == "nobody" {
		return true // "nobody is listening" denies its own verb, not the next claim
	}
	return i > 0 && sceneSetters[t.toks[i-1].lower]
}

// sceneSetters before "nobody" or "nothing" make it a condition.
var sceneSetters = map[string]bool{"with": true, "if": true, "when": true, "where": true, "while": true}

// brokenBetween reports whether a comma, colon, dash or arrow sits between
// tokens from-1 and to: "no 'error' listener => throws" is a condition and
// its result, not a denial.
func (t *text) brokenBetween(from, to int) bool {
	for k := from; k <= to && k < len(t.toks); k++ {
		if t.toks[k].brk {
			return true
		}
	}
	return false
}

// gerund reports whether a word is an -ing form: "not coming", but not
// "not bring" or "not string".
func gerund(w string) bool {
	return len(w) > 5 && strings.HasSuffix(w, "ing") && w != "string" && w != "spring" && w != "during"
}

// consequence reports whether the "or" at token i opens a consequence
// ("don't remove it, or the process crashes") rather than a list item.
func (t *text) consequence(i int) bool {
	if t.toks[i].lower != "or" || !t.toks[i].comma || i+1 >= len(t.toks) {
		return false
	}
	return consequenceOpeners[t.toks[i+1].lower]
}

// consequenceOpeners start the clause after ", or" that says what happens.
var consequenceOpeners = map[string]bool{
	"else": true, "the": true, "it": true, "you": true, "your": true, "we": true, "they": true,
	"node": true, "this": true, "that": true, "otherwise": true,
}

// coordinators carry a negation over to the next item: "never X or Y".
var coordinators = map[string]bool{"or": true, "nor": true}

// anaphoric words open a clause that talks about what came before: "The
// call", "This", "Its exports".
var anaphoric = map[string]bool{"the": true, "this": true, "that": true, "these": true, "those": true, "its": true, "their": true, "it": true, "it's": true, "they": true}

// pluralPronouns prefer a plural antecedent ("each" too: "the primary forks
// workers, and each has its own memory").
var pluralPronouns = map[string]bool{"they": true, "they're": true, "their": true, "them": true, "these": true, "those": true, "each": true}

// findMentions finds every subject named in the answer. Where mentions
// overlap the longest wins ("dynamic import" over "import"), then the more
// specific ("import()" over "import").
func (g *Grader) findMentions(t *text) []mention {
	type cand struct {
		mention
		calls int
	}
	var cands []cand
	for si, s := range g.subjects {
		for _, p := range s.mentions {
			calls := 0
			for _, w := range p.words {
				if w.call {
					calls++
				}
			}
			if !t.present[p.id] {
				continue
			}
			t.findPhrase(p.words, 0, func(m match) {
				if t.longerName(m) || t.verbOfPronoun(p.words, m) {
					return
				}
				cands = append(cands, cand{mention{subj: si, from: m.from, to: m.to}, calls})
			})
		}
	}
	// A mention's length leaves out a leading article: in "an 'error'
	// listener" the subject "an 'error'" is no longer than "'error'
	// listener", and the head noun is what the clause is about.
	size := func(c cand) int {
		n := c.to - c.from
		if n > 1 && articles[t.toks[c.from].lower] {
			n--
		}
		return n
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		if d := size(b) - size(a); d != 0 {
			return d
		}
		if d := b.calls - a.calls; d != 0 {
			return d
		}
		return a.from - b.from
	})
	taken := make([]bool, len(t.toks))
	var out []mention
	for _, c := range cands {
		free := true
		for i := c.from; i < c.to; i++ {
			if taken[i] {
				free = false
				break
			}
		}
		if !free {
			continue
		}
		for i := c.from; i < c.to; i++ {
			taken[i] = true
		}
		out = append(out, c.mention)
	}
	slices.SortFunc(out, func(a, b mention) int { return a.from - b.from })
	for _, m := range out {
		for i := m.from; i < m.to; i++ {
			t.toks[i].named = true
		}
	}
	for i := range out {
		m := &out[i]
		cl := t.clauses[t.toks[m.from].clause]
		m.paren = t.toks[m.from].paren
		last := t.toks[m.to-1].lower
		m.plural = strings.HasSuffix(last, "s") && !strings.HasSuffix(last, "ss") && len(last) > 3
		// A contrast word ("unlike", "than") marks the next mention only.
		for j := m.from - 1; j >= max(cl.from, m.from-3); j-- {
			if i > 0 && out[i-1].to > j || t.toks[j+1].brk {
				break // "more than one core: each worker ..." compares the core, not the worker
			}
			if t.toks[j].contrast {
				m.contrast = true
			}
		}
		j := m.from - 1
		for j >= cl.from && fillers[t.toks[j].lower] {
			j--
		}
		m.prep = j >= cl.from && prepositions[t.toks[j].lower]
		// The verb after "an error event without a listener" belongs to
		// the event: a prepositional mention is never the clause subject.
		m.subjectPos = !m.prep && t.verbAfter(m.to, cl.to)
		// "import is CommonJS": a mention right after the verb of an
		// earlier subject is what is said about that subject. So is "and
		// X" or ", X" after such a predicate.
		if i == 0 || t.toks[out[i-1].from].clause != t.toks[m.from].clause || m.subjectPos {
			continue
		}
		prev := out[i-1]
		j = m.from - 1
		for j >= prev.to && (fillers[t.toks[j].lower] || adverbs[t.toks[j].lower] || t.toks[j].neg) {
			j-- // "require is not ESM": ESM is still what is said of require
		}
		switch {
		case j >= prev.to && subjectVerbs[t.toks[j].lower]:
			m.predicate = true
		case prev.predicate && j == prev.to && (t.toks[j].lower == "and" || t.toks[j].lower == "or"):
			m.predicate = true
		case prev.predicate && j < prev.to && strings.TrimSpace(t.src[t.toks[prev.to-1].end:t.toks[m.from].start]) == ",":
			m.predicate = true
		}
	}
	return out
}

// indefinitePronouns are subjects that take a verb of their own: in
// "nobody listen for it" (a learner's grammar) "listen" is a verb.
var indefinitePronouns = map[string]bool{
	"nobody": true, "somebody": true, "anybody": true, "everybody": true,
	"someone": true, "anyone": true, "everyone": true,
}

// verbOfPronoun reports whether a one-word mention of an agent noun
// ("listener") matched the verb of its stem right after "nobody" or "no
// one": "nobody listen for it, it throws" names no listener, so the
// claim must not go to the listeners.
func (t *text) verbOfPronoun(ws []word, m match) bool {
	if len(ws) != 1 || !ws[0].agent || t.toks[m.from].agent || m.from == 0 {
		return false
	}
	p := t.toks[m.from-1].lower
	return indefinitePronouns[p] || p == "one" && m.from >= 2 && t.toks[m.from-2].lower == "no"
}

// verbAfter reports whether a verb starts at token i (after adverbs), which
// makes the noun before it the subject of its clause.
// longerName reports whether the match is only part of a hyphenated name
// of three parts or more: the "cjs" of "cjs-module-lexer" or the "rate
// limit" of "rate-limit-redis" is not the subject itself.
func (t *text) longerName(m match) bool {
	joined := func(i int) bool { // token i is joined to token i+1 by a hyphen
		return i >= 0 && i+1 < len(t.toks) && t.src[t.toks[i].end:t.toks[i+1].start] == "-"
	}
	// chain is the hyphenated run of words around token i: [from, to].
	chain := func(i int) (from, to int) {
		from, to = i, i
		for from > 0 && joined(from-1) {
			from--
		}
		for joined(to) {
			to++
		}
		return from, to
	}
	if from, to := chain(m.from); to-from >= 2 && (from < m.from || to > m.to-1) {
		return true
	}
	from, to := chain(m.to - 1)
	return to-from >= 2 && (from < m.from || to > m.to-1)
}

func (t *text) verbAfter(i, end int) bool {
	for ; i < end; i++ {
		w := t.toks[i].lower
		if adverbs[w] {
			continue
		}
		return subjectVerbs[w] || strings.HasSuffix(w, "n't") || w == "aint"
	}
	return false
}

// findPhrase calls fn for each occurrence of p inside one clause, allowing
// up to gap other words between consecutive words of the phrase but never
// a comma.
func (t *text) findPhrase(p []word, gap int, fn func(match)) {
	starts := t.byStem[p[0].stem]
	if p[0].prefix != "" {
		// A prefix cannot use the stem index: try every word.
		starts = t.all
	}
	var buf [8]int
	copula := copulas[p[0].stem]
	far := false
	for _, w := range p {
		far = far || w.far
	}
	for _, s := range starts {
		if !p[0].matches(t.toks[s]) || t.toks[s].prefixed || t.toks[s].dup {
			continue // "runs the file" does not start inside "re-runs the file"
		}
		cl := t.toks[s].clause
		// "raise the pool size so the JavaScript runs on every core": a
		// phrase that names "so" (or "because") itself may go on into the
		// clause that word opens, which says what the first one is for.
		reachCl, reachFrom := cl, -1
		if next := cl + 1; next < len(t.clauses) && t.clauses[next].sentence == t.clauses[cl].sentence {
			if opener := t.toks[t.clauses[next].from].lower; reachOpeners[opener] && namesWord(p[1:], opener) {
				reachCl, reachFrom = next, t.clauses[next].from
			}
		}
		words := append(buf[:0], s)
		pos := s
		ok := true
		for wi, w := range p[1:] {
			found := -1
			reach := gap
			switch {
			case w.adj, w.next:
				reach = 0 // "module.exports" is one name; "... =hard kill" is written adjacent
			case w.far:
				reach = len(t.toks)
			}
			skipped := 0
			// Once the phrase has reached the next clause, it stays there.
			inCl := t.toks[pos].clause
			for j := pos + 1; j < len(t.toks) && (t.toks[j].clause == inCl || j == reachFrom && w.lower == t.toks[j].lower); j++ {
				if j == reachFrom {
					found = j // the "so" the phrase names
					break
				}
				if w.far {
					if w.matches(t.toks[j]) {
						found = j
						break
					}
					if farStoppers[t.toks[j].lower] && !t.coordinatedNames(j) {
						break
					}
					if inCl == reachCl && reachCl != cl && t.toks[j].brk {
						break // in the reached clause, only up to its first comma
					}
					continue
				}
				if !w.sep && !t.toks[j].arg && !t.toks[j-1].arg && t.toks[j].brk && !t.toks[j].arrow {
					break // a phrase does not run across a comma, colon or dash; an arrow links cause and effect
				}
				if w.colon && t.toks[j].brk && !strings.Contains(t.src[t.toks[j-1].end:t.toks[j].start], ":") {
					break // "injection: handled by helmet" is a note; a comma would join list items
				}
				if w.matches(t.toks[j]) {
					found = j
					break
				}
				if t.toks[j].arg && !w.adj {
					continue // the arguments of a call: ".emit('x', fn) to get notified"
				}
				if wi == 0 && !copula && reach > 0 && skipped > 0 && t.alternative(j) && !t.negIn(pos+1, j) {
					// "doesn't block the loop or the other requests": the
					// verb governs each alternative, so the phrase may skip
					// the one before "or" and go on with a fresh gap. Only
					// right after a phrase's first word: deeper in, an
					// alternative skipped changes what the phrase says.
					skipped = 0
					continue
				}
				if skipped >= reach {
					break
				}
				if gapStoppers[t.toks[j].lower] || copula && prepositions[t.toks[j].lower] {
					break // "is why with CommonJS" is not "is CommonJS"
				}
				skipped++
			}
			if found < 0 {
				ok = false
				break
			}
			words = append(words, found)
			pos = found
		}
		if ok {
			fn(match{from: s, to: pos + 1, words: words, far: far})
		}
	}
}

func (w word) matches(tok token) bool {
	if w.call && !tok.call && !tok.method {
		return false
	}
	if tok.ext && !w.dotted {
		return false // the "js" of "app.js"
	}
	if tok.member && !tok.ident && !w.dotted && !w.call && !w.ident {
		return false // the "exports" of "module.exports" (but "cluster.isPrimary" names isPrimary)
	}
	if w.dotted && !w.adj && !tok.method && !tok.call {
		return false // ".on" is the method, not the preposition
	}
	if w.adj && !tok.method {
		return false // "require.cache" is not "require caches"
	}
	if w.prefix != "" {
		return strings.HasPrefix(tok.lower, w.prefix) || tok.prefixFix == w.prefix
	}
	if w.exact != "" {
		return tok.lower == w.exact
	}
	// "subscribe" is not "subscriber": the same stem, another word class.
	return tok.stem == w.stem && (tok.agent == w.agent || w.anyClass)
}

// eachClaim finds every claim of the forms and, for those made about the
// form's subject, calls fn with the clause, whether the claim was negated,
// whether its subject is direct, and the spans to highlight (claim and
// subject).
//
// direct is false when the subject was only inferred (carried over from an
// earlier clause without a pronoun, or an object after a preposition): good
// enough to credit a concept, not to accuse the learner of an error. In a
// keyword list the subject only has to appear somewhere in the list, and
// nothing there counts as a direct claim.
func (g *Grader) eachClaim(t *text, ms []mention, forms []form, fn func(cl clause, m match, negated, direct bool, spans []Span)) {
	for _, f := range forms {
		for _, p := range f.says {
			if !t.present[p.id] {
				continue // the answer does not have its first word
			}
			t.findPhrase(p.words, p.gap, func(m match) {
				cl := t.clauses[t.toks[m.from].clause]
				if cl.question {
					return // "is require async?" asks, it does not claim
				}
				if t.toks[m.from].quoted {
					cl.distance = true // a quoted claim is reported
				}
				if t.allLabel(m) {
					return // "Handling: ..." is a heading
				}
				spans := []Span{{t.toks[m.from].start, t.toks[m.to-1].end}}
				if cl.listLike && t.toks[m.from].listItem {
					if f.subject >= 0 {
						x := t.anyMention(ms, cl, f.subject)
						if x == nil {
							return
						}
						spans = append(spans, Span{t.toks[x.from].start, t.toks[x.to-1].end})
					}
					fn(cl, m, false, false, spans)
					return
				}
				var a attribution
				if f.subject >= 0 {
					if x := t.inside(ms, m, f.subject); x != nil {
						// "send the stack trace": the claim names its
						// subject itself.
						a = attribution{gov: x, pron: -1, direct: true}
					} else {
						a = t.governor(ms, cl, m)
					}
					if a.gov == nil || a.gov.subj != f.subject {
						fr := t.frame(ms, cl, m, f.subject)
						if fr == nil {
							return
						}
						a = attribution{gov: fr, pron: -1, direct: true}
					}
					switch {
					case a.pron >= 0:
						spans = append(spans, Span{t.toks[a.pron].start, t.toks[a.pron].end})
					case t.toks[a.gov.from].clause == t.toks[m.from].clause:
						spans = append(spans, Span{t.toks[a.gov.from].start, t.toks[a.gov.to-1].end})
					}
				} else {
					a.direct = true
				}
				negated := t.negated(cl, a.gov, m)
				m.firm = negated && t.negatedBy(cl, a.gov, m, false)
				if a.pron >= 0 && negated {
					// "so it won't take the service down": a denial about a
					// pronoun is too uncertain to accuse the learner of a
					// misconception.
					a.direct = false
				}
				if negated && a.direct && t.otherActor(ms, cl, a.gov, m) {
					// "helmet does not validate input": the denial is
					// about helmet, not a claim that input needs none.
					a.direct = false
				}
				fn(cl, m, negated, a.direct, spans)
			})
		}
	}
}

// allLabel reports whether every word of the match is a heading.
func (t *text) allLabel(m match) bool {
	for _, w := range m.words {
		if !t.toks[w].label {
			return false
		}
	}
	return true
}

// inside returns a mention of subject subj that overlaps the claim match
// when the claim also has words of its own ("send the stack" overlapping
// "stack trace"), or nil.
func (t *text) inside(ms []mention, m match, subj int) *mention {
	for i := range ms {
		x := &ms[i]
		if x.subj != subj || x.to <= m.from || x.from >= m.to {
			continue
		}
		for _, w := range m.words {
			if w < x.from || w >= x.to {
				return x
			}
		}
	}
	return nil
}

// frame returns the mention of subject subj that opens the clause as its
// setting ("In ES modules you load code with require()"), when no other
// subject stands between it and the claim, or nil.
func (t *text) frame(ms []mention, cl clause, m match, subj int) *mention {
	var fr *mention
	for i := range ms {
		x := &ms[i]
		if x.from < cl.from || x.to > m.from {
			continue
		}
		if fr == nil {
			if x.subj != subj || !x.prep || x.from > cl.from+2 || x.paren != 0 {
				return nil
			}
			fr = x
			continue
		}
		if x.subj != subj && (x.to <= m.from || x.from >= m.to) {
			return nil // another subject stands between the setting and the claim
		}
	}
	return fr
}

// otherActor reports whether the nearest clause subject (a mention followed
// by its verb) before the claim belongs to another subject than gov (or,
// for a claim without a subject, exists at all): then a negation in between
// is that subject's.
func (t *text) otherActor(ms []mention, cl clause, gov *mention, m match) bool {
	var actor *mention
	for i := range ms {
		x := &ms[i]
		if x.from >= cl.from && x.to <= m.from && x.subjectPos {
			actor = x
		}
	}
	return actor != nil && (gov == nil || actor.subj != gov.subj)
}

// anyMention returns a mention of subject subj inside clause cl.
func (t *text) anyMention(ms []mention, cl clause, subj int) *mention {
	for i := range ms {
		if ms[i].subj == subj && ms[i].from >= cl.from && ms[i].to <= cl.to {
			return &ms[i]
		}
	}
	return nil
}

// attribution is the subject a claim was attributed to and how.
type attribution struct {
	gov    *mention
	pron   int  // the pronoun that pointed back, or -1
	direct bool // see eachClaim
}

// governor decides which subject a claim is about, following rule 3 of the
// file comment.
func (t *text) governor(ms []mention, cl clause, m match) attribution {
	segFrom, segTo := t.segment(cl, m)
	var (
		preSeg, postSeg, postSegPrep, preCl, postCl, postPrep *mention
		claimIsSubject                                        bool
	)
	// firstSubject is the start of the first non-prepositional mention of
	// the claim's segment: a prepositional mention after it is context.
	firstSubject := -1
	for i := range ms {
		x := &ms[i]
		if x.from >= segFrom && x.to <= segTo && !x.prep && !x.contrast && firstSubject < 0 {
			firstSubject = x.from
		}
	}
	claimParen := t.toks[m.from].paren
	// overlapsOther: the claim is itself the name of another subject
	// ("libuv has a thread pool"): a name is said of what came before it.
	overlapsOther := false
	for i := range ms {
		x := &ms[i]
		if x.to <= cl.from || x.from >= cl.to {
			continue
		}
		if x.paren != 0 && x.paren != claimParen {
			continue // "(or CJS)" is an aside
		}
		if x.from < m.to && m.from < x.to { // overlaps the claim itself
			claimIsSubject = claimIsSubject || x.subjectPos
			overlapsOther = overlapsOther || !x.subjectPos
			continue
		}
		if x.contrast {
			continue
		}
		inSeg := x.from >= segFrom && x.to <= segTo
		if x.to <= m.from {
			if x.predicate && !t.relativeBetween(x.to, m.from) {
				continue
			}
			if x.prep && inSeg && firstSubject >= 0 && firstSubject < x.from {
				continue // context of a subject named earlier in the segment
			}
			if inSeg {
				preSeg = x
			}
			preCl = x
			continue
		}
		switch {
		case x.prep && inSeg && postSegPrep == nil:
			postSegPrep = x
		case x.prep && postPrep == nil:
			postPrep = x
		case !x.prep && inSeg && postSeg == nil:
			postSeg = x
		}
		if !x.prep && postCl == nil {
			postCl = x
		}
	}
	direct := func(x *mention) attribution { return attribution{gov: x, pron: -1, direct: true} }
	// A pronoun may stand inside a long claim: "in browsers it loads
	// asynchronously" ("browsers ... asynchronously").
	limit := m.from
	if m.far {
		limit = m.words[len(m.words)-1]
	}
	pronoun := func(from int) (attribution, bool) {
		for i := from; i < limit; i++ {
			if t.toks[i].pron {
				if x := t.antecedent(ms, i); x != nil {
					return attribution{gov: x, pron: i, direct: true}, true
				}
			}
		}
		return attribution{}, false
	}
	if copulas[t.toks[m.from].stem] || overlapsOther {
		// "is an ES module" is said of something named before it, never
		// of a name that comes later.
		postSeg, postSegPrep, postCl, postPrep = nil, nil, nil, nil
	}
	if claimIsSubject && postCl != nil {
		// "CommonJS uses require": the claim word is itself the subject of
		// its clause, so it pairs with what follows.
		return direct(postCl)
	}
	if preSeg != nil {
		return direct(preSeg)
	}
	if preCl != nil && segFrom > cl.from && relatives[t.toks[segFrom].lower] && m.from-segFrom <= relativeReach {
		// "captureRejections, which routes it to 'error'": the relative
		// pronoun stands for what came right before the comma.
		return direct(preCl)
	}
	if a, ok := pronoun(segFrom); ok {
		return a
	}
	if x := t.seriesSubject(ms, cl, segFrom, m); x != nil {
		return direct(x)
	}
	switch {
	case postSeg != nil:
		return direct(postSeg)
	case postSegPrep != nil:
		// "bcrypt for passwords": likely the subject, but only inferred.
		return attribution{gov: postSegPrep, pron: -1}
	case preCl != nil:
		return direct(preCl)
	}
	if a, ok := pronoun(cl.from); ok {
		return a
	}
	switch {
	case postCl != nil:
		return direct(postCl)
	case postPrep != nil:
		return attribution{gov: postPrep, pron: -1}
	}
	if cl.from > 0 && t.clauses[t.toks[cl.from-1].clause].sentence == cl.sentence {
		if x := t.carriedSubject(ms, cl, m); x != nil {
			return direct(x)
		}
		if x := t.lastBefore(ms, cl.from); x != nil {
			return attribution{gov: x, pron: -1}
		}
	}
	if x := t.topic(ms, cl); x != nil {
		return attribution{gov: x, pron: -1}
	}
	return attribution{pron: -1}
}

// relativeReach is how far into a "which ..." segment a claim is still
// said of what came before the comma: "helmet, which sanitises input and
// turns on HTTPS" says both of helmet.
const relativeReach = 10

// segment returns the token range of the comma-separated part of clause cl
// that holds the claim.
// seriesSubject is the subject of a series of verbs that the claim's
// segment goes on with: "helmet sets the headers, sanitizes the body, and
// forces HTTPS" says all three of helmet, not of "the headers" before the
// comma. The segment must open with a verb of the same form as the
// subject's own verb ("sets" ... "sanitizes", "hashed" ... "stored").
func (t *text) seriesSubject(ms []mention, cl clause, segFrom int, m match) *mention {
	if segFrom <= cl.from {
		return nil
	}
	v := segFrom
	for v < m.from && (seriesLinks[t.toks[v].lower] || adverbs[t.toks[v].lower]) {
		v++
	}
	if v > m.from || v >= len(t.toks) {
		return nil
	}
	form := verbForm(t.toks[v])
	if form == "" {
		return nil
	}
	for i := range ms {
		x := &ms[i]
		if x.from < cl.from || x.to > segFrom || x.prep || x.contrast {
			continue
		}
		if !x.subjectPos {
			continue
		}
		u := x.to
		for u < segFrom && adverbs[t.toks[u].lower] {
			u++
		}
		if u < segFrom && verbForm(t.toks[u]) == form {
			return x
		}
		return nil // the clause's first subject takes another kind of verb
	}
	return nil
}

// carriedSubject is the subject of the clause before, when the claim's
// clause is only a contrasted predicate: in "require is synchronous in Node
// but asynchronous in browsers" the "but" clause says "asynchronous" of
// require, as surely as if it named it.
func (t *text) carriedSubject(ms []mention, cl clause, m match) *mention {
	if !predicateOpeners[t.toks[cl.from].lower] || m.from-cl.from < 1 || m.from-cl.from > 2 {
		return nil
	}
	for i := cl.from + 1; i < m.from; i++ {
		if tok := t.toks[i]; tok.pron || articles[tok.lower] || tok.neg {
			return nil
		}
	}
	isVerb := func(tok token) bool { return subjectVerbs[tok.lower] || copulas[tok.stem] }
	if !isVerb(t.toks[cl.from+1]) {
		// Not "but becomes async": then no verb may follow, or the word
		// before it is the clause's own subject ("while input is validated").
		for i := cl.from + 1; i < m.to; i++ {
			if isVerb(t.toks[i]) {
				return nil
			}
		}
	}
	prev := t.clauses[t.toks[cl.from-1].clause]
	if prev.distance {
		return nil // "people say import is async in the browser but sync in Node": still theirs
	}
	for i := range ms {
		x := &ms[i]
		if x.from >= prev.from && x.to <= prev.to && x.subjectPos && !x.prep && !x.contrast && x.paren == 0 {
			return x
		}
	}
	return nil
}

// predicateOpeners may open a clause that goes on with the subject before.
var predicateOpeners = map[string]bool{"but": true, "whereas": true, "while": true, "yet": true}

// seriesLinks may open the next item of a series of verbs.
var seriesLinks = map[string]bool{"and": true, "or": true, "also": true, "then": true, "plus": true}

// verbForm is "s" for a present verb of a singular subject ("sets",
// "sanitizes"), "ed" for a past one, and "" for anything else, so that only
// parallel verbs make a series.
func verbForm(tok token) string {
	w := tok.lower
	if (tok.function && !subjectVerbs[w]) || tok.code || tok.ident || len(w) < 4 {
		return ""
	}
	switch {
	case strings.HasSuffix(w, "ed"):
		return "ed"
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return "s"
	}
	return ""
}

func (t *text) segment(cl clause, m match) (from, to int) {
	from, to = m.from, m.to
	for from > cl.from && !t.segmentStart(from) {
		from--
	}
	for to < cl.to && !t.segmentStart(to) {
		to++
	}
	return from, to
}

// segmentStart reports whether a comma, colon, dash or bracket stands
// before token i (call parentheses do not count).
func (t *text) segmentStart(i int) bool {
	if i > 0 && t.toks[i].arg && t.toks[i-1].arg {
		return false // "events.once(emitter, name) rejects": the comma of a call
	}
	if t.toks[i].comma {
		return true
	}
	if i == 0 || t.toks[i].arg || t.toks[i-1].arg {
		return false
	}
	return t.toks[i].brk
}

func (t *text) relativeBetween(from, to int) bool {
	for i := from; i < to; i++ {
		if relatives[t.toks[i].lower] {
			return true
		}
	}
	return false
}

// antecedent finds what the pronoun at token p refers to, in its sentence
// or the two before: "they" prefers a plural mention, "it" a singular one
// that was the subject of its clause.
func (t *text) antecedent(ms []mention, p int) *mention {
	sentence := t.clauses[t.toks[p].clause].sentence
	plural := pluralPronouns[t.toks[p].lower]
	var fallback *mention
	for i := len(ms) - 1; i >= 0; i-- {
		x := &ms[i]
		if x.to > p || x.contrast || x.paren != 0 || x.predicate {
			continue // "require is not ESM, it is synchronous": "it" is require
		}
		if t.clauses[t.toks[x.from].clause].sentence < sentence-2 {
			break
		}
		if fallback == nil {
			fallback = x
		}
		if t.inClosedRelative(x, p) {
			continue // "helmet, which stops SQL injection, and it also...": "it" is helmet
		}
		sameSentence := t.clauses[t.toks[x.from].clause].sentence == sentence
		if plural && x.plural || !plural && !x.plural && (x.subjectPos || sameSentence) {
			return x
		}
	}
	return fallback
}

// inClosedRelative reports whether mention x stands in a relative clause
// opened by ", which" or ", who" that ends, at a comma, before token p: a
// pronoun after it points past it, to the subject the relative described.
func (t *text) inClosedRelative(x *mention, p int) bool {
	sentence := t.clauses[t.toks[x.from].clause].sentence
	if t.clauses[t.toks[p].clause].sentence != sentence {
		return false
	}
	r := -1
	for k := x.from - 1; k >= 0; k-- {
		if t.toks[k+1].brk || t.clauses[t.toks[k].clause].sentence != sentence {
			return false
		}
		if w := t.toks[k].lower; w == "which" || w == "who" {
			r = k
			break
		}
	}
	if r < 0 || !t.toks[r].brk {
		return false
	}
	for k := x.to; k <= p && k < len(t.toks); k++ {
		if t.toks[k].brk {
			return true
		}
	}
	return false
}

// lastBefore is the last non-contrast mention before token i in the same
// sentence.
func (t *text) lastBefore(ms []mention, i int) *mention {
	sentence := t.clauses[t.toks[i].clause].sentence
	for j := len(ms) - 1; j >= 0; j-- {
		x := &ms[j]
		if x.to > i || x.contrast || x.paren != 0 {
			continue
		}
		if t.clauses[t.toks[x.from].clause].sentence != sentence {
			return nil
		}
		return x
	}
	return nil
}

// topic returns the previous sentence's subject when that sentence named
// only one ("CommonJS is Node's format: you call require()... The call is
// synchronous").
func (t *text) topic(ms []mention, cl clause) *mention {
	if cl.sentence == 0 || !anaphoric[t.toks[cl.from].lower] && !cl.answers {
		// "The call is synchronous" points back; "a lot of things can
		// break" does not, whatever came before it.
		return nil
	}
	var first *mention
	for i := range ms {
		x := &ms[i]
		if t.clauses[t.toks[x.from].clause].sentence != cl.sentence-1 || x.contrast || x.paren != 0 {
			continue
		}
		if first == nil {
			first = x
		} else if x.subj != first.subj {
			return nil
		}
	}
	return first
}

// listGoesOn reports whether the comma before token j only separates items
// of one list that an "or" closes, so that a negation before the list
// reaches every item: "never plain text, encrypted or a fast hash". A new
// predicate after the comma ("it uses threads or processes", "and curl or
// scripts aren't affected") starts with a pronoun or a function word and is
// its own claim.
func (t *text) listGoesOn(cl clause, j int, m match, carried bool) bool {
	if !t.toks[j].comma || t.toks[j].pron || t.toks[j].function || t.toks[j].lower == "and" {
		return false
	}
	if carried || t.cleftObject(cl, j) {
		return true
	}
	for k := m.to; k < min(m.to+2, cl.to); k++ {
		if t.toks[k].lower == "or" || t.toks[k].lower == "nor" {
			return true
		}
	}
	return false
}

// cleftObject reports whether the list item at token j belongs to the
// object of a denying cleft ("What ESM does not have is require,
// __dirname and __filename"), which the denial covers item by item.
func (t *text) cleftObject(cl clause, j int) bool {
	for k := j - 1; k > cl.from; k-- {
		if w := t.toks[k].lower; w == "is" || w == "are" {
			return t.cleftDenial(k)
		}
		if t.toks[k+1].brk && !t.toks[k+1].comma {
			return false
		}
	}
	return false
}

// noAdverbs make "no" part of an adverb ("no longer", "no matter how"),
// not a determiner of the verb's object.
var noAdverbs = map[string]bool{"longer": true, "more": true, "matter": true, "less": true, "sooner": true, "doubt": true}

// alternative reports whether the token j is an "or" or "nor" that joins
// two objects of one verb ("share globals or memory"), not two predicates
// ("loads the file or throws", "or it crashes") or a consequence (", or
// the process exits").
func (t *text) alternative(j int) bool {
	if w := t.toks[j].lower; w != "or" && w != "nor" || t.toks[j].brk || j+1 >= len(t.toks) || t.consequence(j) {
		return false
	}
	next := t.toks[j+1]
	return !next.brk && !next.neg && !predicateStart(next) && !verbAfterOr(next.lower)
}

// negIn reports whether a negator stands in tokens [from, to): "has no
// require or __dirname" denies both, and a phrase must not skip the "no".
func (t *text) negIn(from, to int) bool {
	for k := from; k < to; k++ {
		if t.toks[k].neg {
			return true
		}
	}
	return false
}

// verbAfterOr reports whether w looks like a verb of its own after "or":
// "or throws", "or crashes", "or gets".
func verbAfterOr(w string) bool {
	return subjectVerbs[w] || extraFunctionWords[w] && w != "like"
}

// predicateLinks may stand between "and" and the verb of a new predicate:
// "and then returns", "and also sets".
var predicateLinks = map[string]bool{"then": true, "also": true, "so": true, "thus": true, "therefore": true, "hence": true}

// predicateStarts open a predicate of their own after "and": a verb of
// the course's claims, a copula, an auxiliary or modal, or a pronoun that
// is a new subject ("and it returns a promise").
func predicateStart(tok token) bool {
	w := tok.lower
	return subjectVerbs[w] || copulas[w] || auxiliaries[w] || modals[w] || tok.pron && w != "each" && w != "this" && w != "these"
}

// modals open a verb phrase: "and can run in parallel".
var modals = map[string]bool{"can": true, "could": true, "will": true, "would": true, "should": true, "must": true, "may": true, "might": true}

// newPredicate reports whether the token i is an "and" that opens a new
// predicate, not the next item of a list: a negation before it ("require
// never waits and is synchronous", "helmet doesn't block requests and
// sanitizes the body") denies only its own verb, however close the next
// one stands. "never share memory and state" goes on denying: "state" is
// a noun.
func (t *text) newPredicate(i int) bool {
	if t.toks[i].lower != "and" {
		return false
	}
	j := i + 1
	for j < len(t.toks) && (adverbs[t.toks[j].lower] || predicateLinks[t.toks[j].lower]) && !t.toks[j].brk {
		j++
	}
	return j < len(t.toks) && !t.toks[j].brk && predicateStart(t.toks[j])
}

// negated reports whether a negator applies to the claim, following rule 4
// of the file comment. A subject followed by its verb also bounds the
// reach: in "No, require is synchronous" the "No" is not about the claim.
func (t *text) negated(cl clause, gov *mention, m match) bool {
	return t.negatedBy(cl, gov, m, true)
}

// negatedBy is negated, counting "no", "without" and other determiners
// only when withDeterminers is set: "without require(esm)" sets a scene,
// it does not deny that require can load ES modules.
func (t *text) negatedBy(cl clause, gov *mention, m match, withDeterminers bool) bool {
	if t.toks[m.from].negRaised && !t.ownNegation(m) {
		return true // "I don't think JWTs need an expiry"
	}
	if last := m.words[len(m.words)-1]; last+1 < cl.to && !t.toks[last+1].brk {
		switch next := t.toks[last+1].lower; {
		case next == "nothing":
			return true // "decode alone proves nothing": the claim's own verb has nothing for object
		case next == "no" && t.src[t.toks[last+1].start] == 'n' && last+2 < cl.to && !noAdverbs[t.toks[last+2].lower]:
			// "readFile emits no data events": the verb's object is
			// "no X". "204 No Content" is a name, and "no longer throws"
			// denies the verb after it.
			return true
		}
	}
	// "does nothing for", "doesn't mean": denies the rest of the clause,
	// whatever the subject.
	for i := m.from - 1; i >= cl.from; i-- {
		if t.toks[i+1].brk || t.newPredicate(i) {
			break
		}
		if t.toks[i].negAll {
			return true
		}
	}
	bound := max(cl.from, m.from-negationReach)
	if gov != nil && gov.to <= m.from && gov.subjectPos {
		bound = max(bound, gov.to)
	}
	// A parenthesised aside the claim is not in neither ends a denial nor
	// carries one: "doesn't stop CSRF (simple form posts go through) or
	// XSS" denies the XSS too. Its words do not count against the reach.
	mp := t.toks[m.from].paren
	aside := func(k int) bool { return k < m.from && t.toks[k].paren != 0 && t.toks[k].paren != mp }
	for i := m.from - 1; i >= bound && i > cl.from; i-- {
		if aside(i) {
			bound = max(cl.from, bound-1)
		}
	}
	carried := false
	for i := m.from - 1; i >= bound; i-- {
		if aside(i) {
			continue
		}
		next := i + 1
		for aside(next) {
			next++
		}
		if t.toks[next].brk && (!coordinators[t.toks[next].lower] || t.consequence(next)) && !t.listGoesOn(cl, next, m, carried) {
			break
		}
		tok := t.toks[i]
		if t.newPredicate(i) {
			break // "require never waits and is synchronous": the denial stays with its own verb
		}
		if t.invertedNor(i) {
			return true // "Nor does it help with XSS": the clause denies its own verb
		}
		if coordinators[tok.lower] {
			carried = true
			continue
		}
		if !tok.neg {
			continue
		}
		if tok.negAll {
			return true
		}
		if !withDeterminers && i+1 < m.from && t.toks[i+1].lower == "both" {
			// "they are not both synchronous" says one of them is not,
			// not which: it denies nothing of either firmly.
			continue
		}
		reach := negationWindow
		if tok.lower == "not" && !tok.brk && i+1 < m.from && gerund(t.toks[i+1].lower) {
			// "any client not coming from trusted.com gets a 403"; after a
			// comma the participle is the claim itself: "hands it to the
			// next worker, not looking at how busy they are".
			continue
		}
		if tok.lower == "not" && i+1 < m.from && t.toks[i+1].lower == "from" && i > 0 && !auxiliaries[t.toks[i-1].lower] && !copulas[t.toks[i-1].lower] {
			continue // "anything not from trusted.com is rejected": the "not" is the origin's
		}
		if tok.lower == "without" && i+1 < len(t.toks) && gerund(t.toks[i+1].lower) && m.from-i <= 2 {
			return true // "without running the code again" denies the running
		}
		if t.determiner(i) {
			if m.far || !withDeterminers && tok.lower != "non" { // "non-blocking" denies firmly
				continue // "no 'error' listener => throws": the noun, not the claim
			}
			// "no listener throws": "no" denies the noun after it (and its
			// article), not the verb.
			reach = determinerReach
			for k := i + 1; k < m.from && articles[t.toks[k].lower]; k++ {
				reach++
			}
		}
		if m.from-i <= reach || carried || !t.determiner(i) && t.deniedPhrase(i+1, m.from) {
			return true
		}
		if v := t.nobodyVerb(i); v > 0 && v < m.from && t.deniedPhrase(v, m.from) {
			return true // "Nobody needs a separate port per worker"
		}
	}
	if gov != nil && gov.to <= m.from && gov.from > cl.from && gov.subjectPos && t.toks[gov.from-1].lower == "no" && !t.toks[gov.from].brk &&
		(gov.from-1 == cl.from || t.toks[gov.from-1].brk) && !t.brokenBetween(gov.to, m.from) {
		// "No worker needs its own port": a "no" that opens the subject
		// denies what is said of it.
		return true
	}
	if gov != nil && gov.from >= m.to {
		// "The fix isn't sticky sessions": the claim comes first, and the
		// negated verb stands between it and its subject.
		for i := m.to; i < gov.from; i++ {
			if t.toks[i].neg && !t.determiner(i) {
				return true
			}
		}
	}
	for i := m.from; i < m.to; i++ {
		if !t.toks[i].neg || slices.Contains(m.words, i) || !withDeterminers && t.determiner(i) && t.toks[i].lower != "non" {
			continue
		}
		// The negator denies the next word of the claim when it stands
		// close before it: "'error' with no listener throws" and "'error'
		// is not ignored: it throws" deny nothing about "throws".
		next := -1
		for _, w := range m.words {
			if w > i {
				next = w
				break
			}
		}
		reach := negationWindow
		if t.determiner(i) {
			reach = determinerReach
		}
		if next < 0 || next-i > reach && !t.toks[i].negAll {
			continue
		}
		broken := false
		for k := i; k < next; k++ {
			if t.toks[k+1].brk {
				broken = true
				break
			}
		}
		if !broken {
			return true
		}
	}
	return false
}

// nobodyVerb returns the verb after a "nobody" or "no one" that is the
// subject of its clause, or -1: "Nobody needs its own port" denies the
// needing and all of its object, where "with nobody listening" and "if
// nobody listens" only set a scene.
func (t *text) nobodyVerb(i int) int {
	v := i + 1
	switch {
	case t.toks[i].lower == "no" && v < len(t.toks) && t.toks[v].lower == "one" && !t.toks[v].brk:
		v++
	case t.toks[i].lower != "nobody":
		return -1
	}
	if v >= len(t.toks) || t.toks[v].brk || i > 0 && !t.toks[i].brk && (sceneSetters[t.toks[i-1].lower] || t.toks[i-1].lower == "because" || t.toks[i-1].lower == "since") {
		return -1
	}
	return v
}

// invertedNor reports whether the token i is a "nor" that opens a clause
// with its verb inverted ("Nor does CORS stop XSS", ", nor is it
// encrypted"): it denies the clause like "not" does, where a "nor" inside
// a list only carries an earlier negation on ("never X nor Y").
func (t *text) invertedNor(i int) bool {
	if t.toks[i].lower != "nor" || i+1 >= len(t.toks) || t.toks[i+1].brk {
		return false
	}
	if i > 0 && !t.toks[i].brk && t.clauses[t.toks[i-1].clause].sentence == t.clauses[t.toks[i].clause].sentence {
		return false
	}
	w := t.toks[i+1].lower
	return auxiliaries[w] || copulas[w] || modals[w]
}

// deniedPhrase reports whether tokens [from, to) are one verb and the rest
// of its own phrase, so that a negator just before from denies the claim
// at to however long the object is: "never hashed with a fast hash like
// MD5". Another verb, a pronoun, a relative or a conjunction opens a
// proposition of its own, and punctuation ends the phrase: "won't help,
// the pool uses MD5" denies nothing about MD5.
func (t *text) deniedPhrase(from, to int) bool {
	k := from
	for k < to && (adverbs[t.toks[k].lower] || copulas[t.toks[k].lower] || auxiliaries[t.toks[k].lower]) {
		k++
	}
	if k >= to || to-k > negationReach || hedgeWords[t.toks[k].lower] {
		return false // "if I'm not mistaken, the workers...": a hedge, not a denial
	}
	for k++; k <= to; k++ {
		if t.toks[k].brk {
			return false
		}
		if k == to {
			return true
		}
		tok := t.toks[k]
		w := tok.lower
		// a participle opens a phrase of its own: "don't overload the
		// CPU with listeners running on threads" denies the overloading.
		if tok.neg || tok.pron || gerund(w) || w == "being" || subjectVerbs[w] || copulas[w] || auxiliaries[w] || modals[w] || relatives[w] ||
			gapStoppers[w] || farStoppers[w] || reachOpeners[w] || w == "but" || w == "though" || w == "although" || w == "since" || w == "just" {
			return false
		}
	}
	return false
}

// hedgeWords after a negator soften the speaker's claim instead of
// denying it: "not mistaken", "not sure".
var hedgeWords = map[string]bool{"mistaken": true, "wrong": true, "sure": true, "certain": true}

// scopeBreak reports whether punctuation between two words ends a
// negation's reach: a comma, colon, bracket or dash.
func scopeBreak(gap string) bool {
	return strings.ContainsAny(gap, ",:()[]—–→") || strings.Contains(gap, " - ") || strings.Contains(gap, "->") || strings.Contains(gap, "=>")
}
