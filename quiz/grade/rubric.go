// Package grade scores a free-text interview answer against a rubric of
// weighted concepts and a catalogue of misconceptions, the way an
// interviewer would: for what it claims, not for the words it contains.
//
// A concept is earned by a claim ("synchronous") made about its subject
// ("require") in the same clause, so "import is CommonJS" credits nothing
// to require; words match whole (never the "js" of "app.js"), by snowball
// stems after folding synonyms. Negation, contrast and refutation are
// scoped: "require is not async" is right, "it's a myth that workers share
// memory" earns the concept the myth gets wrong, and neither is flagged.
// Keyword lists and bare code earn part credit; repeated sentences and
// filler earn nothing. Central concepts decide between partial and strong;
// a stated misconception takes points, shows its correction and caps the
// answer at partial.
//
// Grading is deterministic, offline and explainable: every covered concept
// and misconception carries the byte spans of the learner's text that
// matched, and every cap comes with a notice. Evaluate measures a grader
// against a labelled corpus (see quiz/testdata/corpus).
package grade

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Rubric describes how to grade one interview question. It is written in
// the YAML question banks.
type Rubric struct {
	// Subjects names the things the answer talks about, each with the words
	// that mention it: cjs: [require, commonjs, module.exports].
	Subjects map[string][]string `yaml:"subjects" json:"subjects,omitempty"`
	// Target is the concept weight that earns a score of 100; an answer
	// need not say everything. Zero means the sum of all weights.
	Target float64 `yaml:"target" json:"target,omitempty"`
	// StrongNeeds is how many central concepts a strong answer states;
	// zero means all of them.
	StrongNeeds    int             `yaml:"strong_needs" json:"strong_needs,omitempty"`
	Concepts       []Concept       `yaml:"concepts" json:"concepts"`
	Misconceptions []Misconception `yaml:"misconceptions" json:"misconceptions,omitempty"`
}

// Form is one way to state a concept or a misconception: a claim (any of
// Says) about a subject. An empty Subject means the claim stands alone.
type Form struct {
	Subject string   `yaml:"subject" json:"subject,omitempty"`
	Says    []string `yaml:"says" json:"says"`
}

// Concept is one idea a good answer contains.
type Concept struct {
	ID     string  `yaml:"id" json:"id"`
	Label  string  `yaml:"label" json:"label"`
	Weight float64 `yaml:"weight" json:"weight"`
	// Subject and Says give the concept's first form; Forms adds others.
	Subject string   `yaml:"subject" json:"subject,omitempty"`
	Says    []string `yaml:"says" json:"says,omitempty"`
	Forms   []Form   `yaml:"forms" json:"forms,omitempty"`
	// Negated names the misconception raised when the learner denies the
	// concept ("require is not synchronous").
	Negated string `yaml:"negated" json:"negated,omitempty"`
	// Central marks a point an interviewer cannot do without: stating one
	// makes an answer at least partial, and a strong answer states them
	// (Rubric.StrongNeeds of them).
	Central bool `yaml:"central" json:"central,omitempty"`
}

// Misconception is a wrong statement a learner may make.
type Misconception struct {
	ID         string   `yaml:"id" json:"id"`
	Claim      string   `yaml:"claim" json:"claim"`
	Correction string   `yaml:"correction" json:"correction"`
	Subject    string   `yaml:"subject" json:"subject,omitempty"`
	Says       []string `yaml:"says" json:"says,omitempty"`
	Forms      []Form   `yaml:"forms" json:"forms,omitempty"`
	// Penalty is subtracted from the score; zero means DefaultPenalty.
	Penalty int `yaml:"penalty" json:"penalty,omitempty"`
	// Opposite names the concept earned when the learner denies this
	// misconception ("workers do not share memory").
	Opposite string `yaml:"opposite" json:"opposite,omitempty"`
	// Unless lists qualifiers that make the claim true: "require cannot
	// load an ES module" is right when the sentence adds "with top-level
	// await". A claim whose sentence has one is not flagged.
	Unless []string `yaml:"unless" json:"unless,omitempty"`
	// Overrides names misconceptions this one contains: "require is async
	// in the browser" is reported as itself, not also as "require is async".
	Overrides []string `yaml:"overrides" json:"overrides,omitempty"`
}

// DefaultPenalty is what a misconception costs when its rubric entry does
// not say: enough to pull a borderline strong answer down to partial.
const DefaultPenalty = 15

// Lexicon holds the vocabulary shared by every rubric.
type Lexicon struct {
	// Synonyms fold one word into another before matching: sync ->
	// synchronous. Both sides are single words.
	Synonyms map[string]string `yaml:"synonyms"`
	// Terms are named phrase lists a rubric uses as "@name" in Says or in
	// Subjects.
	Terms map[string][]string `yaml:"terms"`
}

// word is one compiled word of a phrase.
type word struct {
	stem   string
	prefix string // non-empty for "deprecat*": matches the lower form
	call   bool   // "import()": must be written as a call
	dotted bool   // written after a dot (".mjs", "package.json"): may match a file extension
	adj    bool   // joined to the previous word by a dot: must follow it directly
	next   bool   // in a "... =" part: must follow the previous word directly
	far    bool   // after "...": anywhere later in the clause
	ident  bool   // a code identifier ("isPrimary", "SCHED_RR"): may be a property
	sep    bool   // the rubric puts a colon or comma before it: "type: module"
	colon  bool   // that separator is a colon: only a colon in the answer matches it
	exact  string // written "emit!": only this very word, not "emits" or "emitting"
	lower  string // as written in the rubric, for typo correction
	agent  bool   // an agent noun ("listener"): matches only agent nouns (see agentNouns)
	// anyClass: a subject's mention or an unless qualifier matches either
	// word class: the things that "listen to 'userCreated'" are the
	// listeners.
	anyClass bool
}

// phrase is a compiled phrase: its words and how many other words may sit
// between two of them.
type phrase struct {
	words []word
	gap   int
	// affirmed: the phrase counts only when no negation stands before it
	// ("!have to enable" is not "don't have to enable"); for unless lists.
	affirmed bool
	id       int // index into Grader.firstWords' lists: which phrases an answer can match
}

func (p phrase) String() string {
	var b strings.Builder
	if p.gap == 0 {
		b.WriteByte('=')
	}
	for i, w := range p.words {
		if i > 0 {
			b.WriteByte(' ')
		}
		if w.prefix != "" {
			b.WriteString(w.prefix + "*")
		} else {
			b.WriteString(w.stem)
		}
		if w.call {
			b.WriteString("()")
		}
		if w.far {
			b.WriteString(" ...")
		}
	}
	return b.String()
}

type form struct {
	subject int // index into Grader.subjects, -1 for none
	says    []phrase
}

type concept struct {
	Concept
	forms   []form
	negated int // misconception index or -1
}

type misconception struct {
	Misconception
	forms     []form
	opposite  int // concept index or -1
	unless    []phrase
	overrides []int
}

type subject struct {
	name     string
	mentions []phrase
}

// Grader is a compiled rubric. It is safe for concurrent use.
type Grader struct {
	subjects       []subject
	concepts       []concept
	misconceptions []misconception
	target         float64
	strongNeeds    int
	synonyms       map[string]string
	// phrases counts the compiled phrases; byFirst lists them by the stem
	// of their first word, and anyFirst those that start with a prefix
	// ("deprecat*"), so that grading only tries the phrases whose first
	// word the answer has.
	phrases  int
	byFirst  map[string][]int
	anyFirst []int
	// rest holds, per phrase, the stems of its other words: a phrase is
	// only tried when the answer has all of them.
	rest [][]string
	// vocab lists the stems the rubric's phrases use, and typos finds the
	// one a misspelled answer word was meant to be (see typos.go).
	vocab    [][2]string // (word as written, stem)
	prefixes []string    // the "*" prefixes, for typo correction
	typos    typoIndex
	// learned is the learned detector's models for this question (see
	// learned.go; nil without them).
	learned *learnedIndex
}

// Compile checks a rubric and prepares it for grading. Every error names
// the concept or misconception at fault.
func Compile(r Rubric, lex Lexicon) (*Grader, error) {
	g := &Grader{target: r.Target, synonyms: map[string]string{}, byFirst: map[string][]int{}}
	for from, to := range lex.Synonyms {
		g.synonyms[stemWord(normalizeWord(from))] = stemWord(normalizeWord(to))
	}
	expand := func(list []string) ([]phrase, error) {
		var out []phrase
		for _, s := range list {
			variants, err := substituteTerms(s, lex.Terms)
			if err != nil {
				return nil, err
			}
			for _, v := range spellings(variants) {
				p, err := g.compilePhrase(v)
				if err != nil {
					return nil, err
				}
				out = append(out, p)
			}
		}
		return out, nil
	}

	names := make([]string, 0, len(r.Subjects))
	for name := range r.Subjects {
		names = append(names, name)
	}
	slices.Sort(names)
	subjectIndex := map[string]int{}
	for _, name := range names {
		ms, err := expand(r.Subjects[name])
		if err != nil {
			return nil, fmt.Errorf("subject %s: %w", name, err)
		}
		if len(ms) == 0 {
			return nil, fmt.Errorf("subject %s has no mentions", name)
		}
		for _, p := range ms {
			for k := range p.words {
				p.words[k].anyClass = true
			}
		}
		subjectIndex[name] = len(g.subjects)
		g.subjects = append(g.subjects, subject{name: name, mentions: ms})
	}
	compileForms := func(what string, subj string, says []string, extra []Form) ([]form, error) {
		all := extra
		if len(says) > 0 || subj != "" {
			all = append([]Form{{Subject: subj, Says: says}}, extra...)
		}
		if len(all) == 0 {
			return nil, fmt.Errorf("%s has no says", what)
		}
		var out []form
		for _, f := range all {
			fo := form{subject: -1}
			if f.Subject != "" {
				i, ok := subjectIndex[f.Subject]
				if !ok {
					return nil, fmt.Errorf("%s: unknown subject %q (known: %s)", what, f.Subject, strings.Join(names, ", "))
				}
				fo.subject = i
			}
			ps, err := expand(f.Says)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			if len(ps) == 0 {
				return nil, fmt.Errorf("%s: a form has no says", what)
			}
			fo.says = ps
			out = append(out, fo)
		}
		return out, nil
	}

	conceptIndex := map[string]int{}
	total := 0.0
	for _, c := range r.Concepts {
		if c.ID == "" || c.Label == "" {
			return nil, fmt.Errorf("concept %q: id and label are required", c.ID)
		}
		if _, dup := conceptIndex[c.ID]; dup {
			return nil, fmt.Errorf("concept %s is defined twice", c.ID)
		}
		if c.Weight <= 0 {
			return nil, fmt.Errorf("concept %s: weight must be positive", c.ID)
		}
		forms, err := compileForms("concept "+c.ID, c.Subject, c.Says, c.Forms)
		if err != nil {
			return nil, err
		}
		conceptIndex[c.ID] = len(g.concepts)
		g.concepts = append(g.concepts, concept{Concept: c, forms: forms, negated: -1})
		total += c.Weight
	}
	if len(g.concepts) == 0 {
		return nil, errors.New("rubric has no concepts")
	}
	miscIndex := map[string]int{}
	for _, m := range r.Misconceptions {
		if m.ID == "" || m.Claim == "" || m.Correction == "" {
			return nil, fmt.Errorf("misconception %q: id, claim and correction are required", m.ID)
		}
		if _, dup := miscIndex[m.ID]; dup {
			return nil, fmt.Errorf("misconception %s is defined twice", m.ID)
		}
		forms, err := compileForms("misconception "+m.ID, m.Subject, m.Says, m.Forms)
		if err != nil {
			return nil, err
		}
		unless, err := expand(m.Unless)
		if err != nil {
			return nil, fmt.Errorf("misconception %s: unless: %w", m.ID, err)
		}
		// A qualifier only clears a flag, and is read loosely: "=the
		// importer" also clears "the importing module".
		for _, p := range unless {
			for k := range p.words {
				p.words[k].anyClass = true
			}
		}
		mi := misconception{Misconception: m, forms: forms, opposite: -1, unless: unless}
		if m.Opposite != "" {
			i, ok := conceptIndex[m.Opposite]
			if !ok {
				return nil, fmt.Errorf("misconception %s: opposite names unknown concept %q", m.ID, m.Opposite)
			}
			mi.opposite = i
		}
		if mi.Penalty == 0 {
			mi.Penalty = DefaultPenalty
		}
		miscIndex[m.ID] = len(g.misconceptions)
		g.misconceptions = append(g.misconceptions, mi)
	}
	for i, m := range g.misconceptions {
		for _, id := range m.Overrides {
			j, ok := miscIndex[id]
			if !ok || j == i {
				return nil, fmt.Errorf("misconception %s: overrides names unknown misconception %q", m.ID, id)
			}
			g.misconceptions[i].overrides = append(g.misconceptions[i].overrides, j)
		}
	}
	for i, c := range g.concepts {
		if c.Negated == "" {
			continue
		}
		j, ok := miscIndex[c.Negated]
		if !ok {
			return nil, fmt.Errorf("concept %s: negated names unknown misconception %q", c.ID, c.Negated)
		}
		g.concepts[i].negated = j
	}
	if g.target <= 0 {
		g.target = total
	}
	centrals := 0
	for _, c := range g.concepts {
		if c.Central {
			centrals++
		}
	}
	g.strongNeeds = r.StrongNeeds
	if g.strongNeeds <= 0 {
		g.strongNeeds = centrals
	}
	if g.strongNeeds > centrals {
		return nil, fmt.Errorf("strong_needs %d is more than the %d central concepts", g.strongNeeds, centrals)
	}
	if g.target > total {
		return nil, fmt.Errorf("target %.1f is more than the total weight %.1f", g.target, total)
	}
	g.typos = newTypoIndex(g.vocab, g.prefixes)
	g.vocab, g.prefixes = nil, nil
	return g, nil
}

// substituteTerms expands every "@name" in s into each phrase of the term
// list: "@async in the browser" becomes "asynchronous in the browser",
// "non blocking in the browser"...
func substituteTerms(s string, terms map[string][]string) ([]string, error) {
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return []string{s}, nil
	}
	end := at + 1
	for end < len(s) && (isWordRune(rune(s[end])) || s[end] == '-') {
		end++
	}
	name := s[at+1 : end]
	list, ok := terms[name]
	if !ok || name == "" {
		return nil, fmt.Errorf("unknown term list @%s", name)
	}
	rest, err := substituteTerms(s[end:], terms)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range list {
		for _, r := range rest {
			out = append(out, s[:at]+t+r)
		}
	}
	return out, nil
}

// contractions pair each contracted negation with its spelled-out form.
var contractions = [][2]string{
	{"don't", "do not"},
	{"doesn't", "does not"},
	{"didn't", "did not"},
	{"isn't", "is not"},
	{"aren't", "are not"},
	{"wasn't", "was not"},
	{"weren't", "were not"},
	{"won't", "will not"},
	{"can't", "cannot"},
	{"can't", "can not"},
	{"shouldn't", "should not"},
	{"wouldn't", "would not"},
	{"hasn't", "has not"},
	{"haven't", "have not"},
	{"needn't", "need not"},
}

// spellings adds, for every phrase with a negation, the other spelling of
// it: a rubric that says "don't need" also matches "do not need", and the
// other way round, so no rubric has to list both.
func spellings(variants []string) []string {
	out := variants
	seen := map[string]bool{}
	for _, v := range variants {
		seen[v] = true
	}
	for _, v := range variants {
		lower := strings.ToLower(v)
		for _, c := range contractions {
			for _, pair := range [][2]string{{c[0], c[1]}, {c[1], c[0]}} {
				if !containsWords(lower, pair[0]) {
					continue
				}
				alt := replaceWords(lower, pair[0], pair[1])
				if !seen[alt] {
					seen[alt] = true
					out = append(out, alt)
				}
			}
		}
	}
	return out
}

// containsWords reports whether words occur in s as whole words.
func containsWords(s, words string) bool {
	return replaceWords(s, words, "\x00") != s
}

// replaceWords replaces whole-word occurrences of old in s.
func replaceWords(s, old, repl string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		before := i == 0 || !isWordRune(rune(s[i-1]))
		after := i+len(old) == len(s) || !isWordRune(rune(s[i+len(old)]))
		b.WriteString(s[:i])
		if before && after {
			b.WriteString(repl)
		} else {
			b.WriteString(s[i : i+len(old)])
		}
		s = s[i+len(old):]
	}
}

// compilePhrase turns "import()" or "share the memory" into stemmed words,
// using the same word splitting as answers so both sides agree. A leading
// "=" makes the words adjacent: "=single threaded" must not match "single
// main thread".
func (g *Grader) compilePhrase(s string) (phrase, error) {
	p := phrase{gap: maxGap}
	if rest, ok := strings.CutPrefix(s, "!"); ok {
		s, p.affirmed = rest, true
	}
	if rest, ok := strings.CutPrefix(s, "="); ok {
		s, p.gap = rest, 0
	}
	// "browser ... asynchronous": the words after "..." may stand anywhere
	// later in the clause.
	for pi, part := range strings.Split(s, "...") {
		first := true
		// "disconnect ... =hard kill": an "=" that opens the part after a
		// "..." makes that part's words adjacent, as a leading "=" does
		// for a whole phrase. (An "=" elsewhere is the answer's own
		// punctuation, as in "on = crash".)
		tight := false
		if pi > 0 {
			if k := strings.IndexFunc(part, func(r rune) bool { return r != ' ' }); k >= 0 && part[k] == '=' {
				tight, part = true, part[:k]+" "+part[k+1:]
			}
		}
		words(part, func(start, end int) {
			lower := normalizeWord(part[start:end])
			if (p.gap > 0 && !tight) && articles[lower] && contentWords(s) > 1 {
				// "inside a function" also matches "inside functions"; but
				// "the fix" stays "the fix", not any "fix".
				return
			}
			w := word{far: first && pi > 0, next: tight && !first, lower: lower, agent: agentNoun(lower)}
			first = false
			atOnce := lower == "once" && len(p.words) > 0 && p.words[len(p.words)-1].stem == "at"
			if len(p.words) > 0 && !w.far {
				tail := part[strings.LastIndexFunc(part[:start], isWordRune)+1 : start]
				w.sep = scopeBreak(strings.ReplaceAll(tail, "()", ""))
				w.colon = w.sep && strings.Contains(tail, ":") && !strings.Contains(tail, ",")
			}
			if start > 0 && part[start-1] == '.' {
				w.dotted = true
				w.adj = len(p.words) > 0 && start > 1 && isWordRune(rune(part[start-2]))
			}
			if end < len(part) && part[end] == '!' {
				w.exact = lower
			}
			if end < len(part) && part[end] == '*' {
				w.prefix = lower
			} else {
				w.stem = stemWord(lower)
				if c, ok := g.synonyms[w.stem]; ok && !w.dotted {
					w.stem = c
				}
				if atOnce {
					w.stem = "at once" // the answer side reads "at once" as one idiom
				}
			}
			if end < len(part) && part[end] == '(' {
				w.call = true
			}
			w.ident = isIdentifier(part[start:end])
			p.words = append(p.words, w)
		})
	}
	if len(p.words) == 0 {
		return phrase{}, fmt.Errorf("phrase %q has no words", s)
	}
	if p.words[0].far {
		return phrase{}, fmt.Errorf("phrase %q has no words before its \"...\"", s)
	}
	p.id = g.phrases
	g.phrases++
	for _, w := range p.words {
		if w.prefix == "" && w.exact == "" && !w.ident && !w.dotted {
			g.vocab = append(g.vocab, [2]string{w.lower, w.stem})
		}
		if w.prefix != "" {
			g.prefixes = append(g.prefixes, w.prefix)
		}
	}
	var rest []string
	for _, w := range p.words[1:] {
		if w.prefix == "" {
			rest = append(rest, w.stem)
		}
	}
	g.rest = append(g.rest, rest)
	if first := p.words[0]; first.prefix != "" {
		g.anyFirst = append(g.anyFirst, p.id)
	} else {
		g.byFirst[first.stem] = append(g.byFirst[first.stem], p.id)
	}
	return p, nil
}

// contentWords counts the words of s that are not articles.
func contentWords(s string) int {
	n := 0
	words(s, func(start, end int) {
		if !articles[normalizeWord(s[start:end])] {
			n++
		}
	})
	return n
}

// isIdentifier reports whether a rubric word is written like code: an
// inner capital or an underscore ("isPrimary", "SCHED_RR").
func isIdentifier(w string) bool {
	for i, r := range w {
		if r == '_' || i > 0 && unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// articles are dropped from phrases that allow gaps: the gap absorbs them
// when the answer has them.
var articles = map[string]bool{"a": true, "an": true, "the": true}

// ConceptIDs lists the rubric's concepts in order.
func (g *Grader) ConceptIDs() []string {
	ids := make([]string, len(g.concepts))
	for i, c := range g.concepts {
		ids[i] = c.ID
	}
	return ids
}

// Concept returns the rubric entry with the given ID.
func (g *Grader) Concept(id string) (Concept, bool) {
	for _, c := range g.concepts {
		if c.ID == id {
			return c.Concept, true
		}
	}
	return Concept{}, false
}
