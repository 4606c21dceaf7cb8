package grade

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// token is one word of the learner's answer. Offsets are bytes into the
// graded text, so the UI can highlight exactly what earned a concept.
type token struct {
	start, end int
	lower      string // lower-cased surface form
	stem       string // snowball stem after synonym folding
	call       bool   // written as a call: "import(" or "require("
	method     bool   // written as a property: "emitter.on", ".once"
	clause     int    // index into text.clauses
	neg        bool   // negates what follows ("not", "isn't", "never", "instead of"...)
	pron       bool   // refers back to an earlier subject ("it", "they"...)
	function   bool   // function word or common verb: marks real sentences
	contrast   bool   // introduces something the sentence is NOT about ("unlike", "than"...)
	distance   bool   // the speaker distances themself ("myth", "wrong"...)
	comma      bool   // a comma sits between this word and the previous one
}

// clause is a run of tokens that one subject governs: a sentence, or a part
// of one split at "but", "whereas", "however"...
type clause struct {
	from, to int // token indices [from, to)
	sentence int
	question bool // the sentence ends with "?": it asks, it does not claim
	listLike bool // no function words: a keyword list, not a sentence
	distance bool // the sentence calls something a myth or wrong
}

type text struct {
	src     string
	toks    []token
	clauses []clause
	byStem  map[string][]int // stem -> token indices, for fast phrase lookup
	all     []int            // every token index, for prefix phrases
}

// negators turn a claim around. Contractions are checked separately.
var negators = map[string]bool{
	"not": true, "no": true, "never": true, "neither": true, "nor": true, "without": true,
	"cannot": true, "non": true, "none": true, "nothing": true, "nobody": true,
	// apostrophes get lost when people type fast
	"isnt": true, "arent": true, "wasnt": true, "werent": true, "dont": true, "doesnt": true,
	"didnt": true, "cant": true, "couldnt": true, "wont": true, "wouldnt": true, "shouldnt": true,
	"hasnt": true, "havent": true, "mustnt": true, "aint": true, "neednt": true,
}

// negationExceptions follow a negator and cancel it: "not only X" still says X.
var negationExceptions = map[string]bool{"only": true, "just": true, "merely": true, "matter": true}

// pronouns point back at the subject of the previous clause or sentence.
var pronouns = map[string]bool{
	"it": true, "it's": true, "its": true, "they": true, "they're": true, "their": true,
	"them": true, "this": true, "these": true, "itself": true, "each": true,
}

// contrastWords mark the next noun as the thing being compared against, so
// in "require, unlike import, is synchronous" the subject stays require.
var contrastWords = map[string]bool{
	"unlike": true, "than": true, "versus": true, "vs": true, "compared": true, "opposed": true,
	"instead": true,
}

// distanceWords show that a sentence reports a wrong idea instead of making
// it: "a common myth is that workers share memory".
var distanceWords = []string{"myth", "misconcept", "mistake", "mistaken", "wrong", "incorrect", "false", "untrue", "contrary", "misleading"}

// reportingVerbs after one of the reporters mark a belief that is not the
// speaker's own: "people think", "beginners assume", "the notes say".
var (
	reportingVerbs = map[string]bool{"think": true, "believe": true, "say": true, "claim": true, "assume": true, "expect": true, "thinks": true, "says": true, "claims": true, "assumes": true, "believes": true}
	reporters      = map[string]bool{"people": true, "some": true, "many": true, "folks": true, "beginners": true, "notes": true, "developers": true, "devs": true, "others": true, "everyone": true, "juniors": true, "tutorials": true, "articles": true}
)

// clauseBreaks start a new clause: what follows has its own subject.
var clauseBreaks = map[string]bool{
	"but": true, "whereas": true, "however": true, "although": true, "though": true, "while": true, "yet": true,
	"so": true, "because": true, // "so that" does not break: see split
}

// extraFunctionWords are common verbs that, with snowball's stop words, tell
// a sentence from a list of keywords.
var extraFunctionWords = map[string]bool{
	"use": true, "uses": true, "used": true, "using": true, "can": true, "let": true, "lets": true,
	"make": true, "makes": true, "get": true, "gets": true, "give": true, "gives": true,
	"run": true, "runs": true, "need": true, "needs": true, "also": true, "like": true,
	"means": true, "mean": true, "put": true, "puts": true, "keep": true, "keeps": true,
	"would": true, "could": true, "must": true, "may": true, "might": true, "instead": true,
	"work": true, "works": true, "set": true, "sets": true, "add": true, "adds": true,
}

// subjectVerbs follow a noun that is the subject of its clause ("CommonJS
// uses require"): such a noun is not a claim about an earlier subject.
var subjectVerbs = map[string]bool{
	"is": true, "are": true, "was": true, "were": true, "be": true, "uses": true, "use": true,
	"loads": true, "load": true, "runs": true, "run": true, "has": true, "have": true,
	"gives": true, "returns": true, "works": true, "lets": true, "can": true, "will": true,
	"does": true, "do": true, "should": true, "must": true, "needs": true, "supports": true,
	"provides": true, "allows": true, "handles": true, "means": true, "makes": true,
	"creates": true, "sets": true, "sends": true, "accepts": true, "listens": true, "forks": true,
	"calls": true, "blocks": true, "executes": true, "resolves": true, "keeps": true,
	"shares": true, "share": true, "emits": true, "relies": true, "came": true, "comes": true,
}

// adverbs may sit between a subject and its verb.
var adverbs = map[string]bool{"also": true, "always": true, "only": true, "just": true, "really": true, "actually": true, "then": true, "still": true, "itself": true}

// stemCache memoises snowball: stemming is the grader's main cost, and an
// answer repeats words. The cache is bounded so hostile input cannot grow it.
var stemCache sync.Map

const stemCacheMax = 20000

var (
	stemCacheSize int64
	stemCacheMu   sync.Mutex
)

func stemWord(lower string) string {
	if v, ok := stemCache.Load(lower); ok {
		return v.(string)
	}
	s := english.Stem(lower, true)
	stemCacheMu.Lock()
	if stemCacheSize < stemCacheMax {
		// Clone: lower may be a slice of a whole answer, which the cache
		// must not keep alive.
		stemCache.Store(strings.Clone(lower), strings.Clone(s))
		stemCacheSize++
	}
	stemCacheMu.Unlock()
	return s
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' }

// words splits s into word spans. Apostrophes inside a word stay ("isn't");
// every other non-word rune (dots, hyphens, NUL, invalid UTF-8) separates.
func words(s string, fn func(start, end int)) {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !isWordRune(r) {
			i += size
			continue
		}
		start := i
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError && isWordRune(r) {
				i += size
				continue
			}
			if isApostrophe(r) && i+size < len(s) {
				if next, _ := utf8.DecodeRuneInString(s[i+size:]); unicode.IsLetter(next) {
					i += size
					continue
				}
			}
			break
		}
		fn(start, i)
	}
}

// normalizeWord lower-cases and turns typographic apostrophes into plain ones.
func normalizeWord(w string) string {
	lower := true
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			lower = false
			break
		}
	}
	if lower {
		return w // the common case: no allocation
	}
	w = strings.ToLower(w)
	if strings.ContainsRune(w, '’') {
		w = strings.ReplaceAll(w, "’", "'")
	}
	return w
}

func isNegator(lower string) bool {
	return negators[lower] || strings.HasSuffix(lower, "n't")
}

// analyze tokenizes the answer and splits it into sentences and clauses.
func analyze(src string, syn map[string]string) *text {
	t := &text{src: src, toks: make([]token, 0, len(src)/5+1)}
	words(src, func(start, end int) {
		lower := normalizeWord(src[start:end])
		stem := stemWord(lower)
		if c, ok := syn[stem]; ok {
			stem = c
		}
		tok := token{start: start, end: end, lower: lower, stem: stem}
		if end < len(src) && src[end] == '(' {
			tok.call = true
		}
		if start > 0 && src[start-1] == '.' {
			tok.method = true
		}
		t.toks = append(t.toks, tok)
	})
	t.mark()
	t.split()
	t.byStem = make(map[string][]int, len(t.toks))
	t.all = make([]int, len(t.toks))
	for i, tok := range t.toks {
		t.byStem[tok.stem] = append(t.byStem[tok.stem], i)
		t.all[i] = i
	}
	return t
}

// mark sets the per-token flags that need neighbours.
func (t *text) mark() {
	n := len(t.toks)
	for i := range t.toks {
		tok := &t.toks[i]
		w := tok.lower
		next := ""
		if i+1 < n {
			next = t.toks[i+1].lower
		}
		switch {
		case isNegator(w) && !negationExceptions[next]:
			tok.neg = true
		case w == "instead" && next == "of", w == "rather" && next == "than", w == "unlike":
			tok.neg = true
		}
		tok.pron = pronouns[w]
		if i > 0 {
			tok.comma = strings.IndexByte(t.src[t.toks[i-1].end:tok.start], ',') >= 0
		}
		tok.contrast = contrastWords[w] || (w == "rather" && next == "than")
		tok.function = (english.IsStopWord(w) && w != "and" && w != "or") || extraFunctionWords[w] || subjectVerbs[w] ||
			isNegator(w) || strings.HasSuffix(w, "'s")
		for _, d := range distanceWords {
			if strings.HasPrefix(w, d) {
				tok.distance = true
			}
		}
		// "some people think X", "the notes claim X": a reported belief.
		if reportingVerbs[w] && i > 0 && reporters[t.toks[i-1].lower] {
			tok.distance = true
		}
	}
}

// split assigns tokens to sentences and clauses. A sentence ends at . ! ?
// followed by a space (not "module.exports" or "e.g."), at ; and at a line
// that starts a bullet or follows a blank line. Plain line breaks inside a
// paragraph are ignored: people wrap text.
func (t *text) split() {
	if len(t.toks) == 0 {
		return
	}
	sentence := 0
	cur := clause{from: 0, sentence: 0}
	closeClause := func(to int) {
		cur.to = to
		if cur.to > cur.from {
			t.clauses = append(t.clauses, cur)
		}
		cur = clause{from: to, sentence: sentence}
	}
	for i := range t.toks {
		if i > 0 {
			gap := t.src[t.toks[i-1].end:t.toks[i].start]
			end, question := sentenceEnd(gap, t.toks[i-1].lower, t.listNumber(i))
			if end {
				if question {
					cur.question = true
				}
				closeClause(i)
				sentence++
				cur.sentence = sentence
			} else if clauseBreaks[t.toks[i].lower] && (t.toks[i].lower != "so" || i+1 >= len(t.toks) || t.toks[i+1].lower != "that") {
				closeClause(i)
			}
		}
		t.toks[i].clause = len(t.clauses)
	}
	last := t.toks[len(t.toks)-1]
	if strings.Contains(t.src[last.end:], "?") {
		cur.question = true
	}
	closeClause(len(t.toks))
	for ci := range t.clauses {
		c := &t.clauses[ci]
		fn := 0
		for i := c.from; i < c.to; i++ {
			if t.toks[i].function {
				fn++
			}
		}
		c.listLike = c.to-c.from >= 2 && fn == 0
	}
	// Distance markers and questions apply to the whole sentence.
	for ci := range t.clauses {
		for i := t.clauses[ci].from; i < t.clauses[ci].to; i++ {
			if t.toks[i].distance {
				s := t.clauses[ci].sentence
				for cj := range t.clauses {
					if t.clauses[cj].sentence == s {
						t.clauses[cj].distance = true
					}
				}
				break
			}
		}
	}
	for ci := range t.clauses {
		if t.clauses[ci].question {
			s := t.clauses[ci].sentence
			for cj := range t.clauses {
				if t.clauses[cj].sentence == s {
					t.clauses[cj].question = true
				}
			}
		}
	}
}

// listNumber reports whether token i is the number of a numbered list item.
func (t *text) listNumber(i int) bool {
	tok := t.toks[i]
	for _, r := range tok.lower {
		if r < '0' || r > '9' {
			return false
		}
	}
	return tok.end < len(t.src) && (t.src[tok.end] == '.' || t.src[tok.end] == ')')
}

// abbreviations end in a dot without ending the sentence.
var abbreviations = map[string]bool{"e": true, "g": true, "i": true, "vs": true, "etc": true, "eg": true, "ie": true, "approx": true, "cf": true}

// sentenceEnd reports whether the text between two words ends a sentence,
// and whether that sentence was a question. nextIsNumber says the next word
// is a number followed by "." or ")", as in a numbered list.
func sentenceEnd(gap, prevWord string, nextIsNumber bool) (end, question bool) {
	if strings.ContainsRune(gap, ';') {
		return true, false
	}
	if strings.IndexByte(gap, '\n') >= 0 {
		lines := strings.Split(gap, "\n")
		blank := false
		for _, l := range lines[1 : len(lines)-1] {
			if strings.TrimSpace(l) == "" {
				blank = true
			}
		}
		after := strings.TrimLeft(lines[len(lines)-1], " \t")
		if blank || nextIsNumber || (after != "" && strings.ContainsAny(after[:1], "-*•>#+")) {
			return true, strings.ContainsRune(gap, '?')
		}
	}
	for i := 0; i < len(gap); i++ {
		c := gap[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		rest := gap[i+1:]
		if rest == "" || !startsWithSpace(rest) && !strings.ContainsAny(rest[:1], `"')]*_`+"`") {
			continue // "module.exports", "3.5", "node:cluster"
		}
		if c == '.' && abbreviations[prevWord] {
			continue // "e.g. ", "vs. "
		}
		return true, strings.ContainsRune(gap[i:], '?')
	}
	return false, false
}

func startsWithSpace(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}
