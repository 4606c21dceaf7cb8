package grade

import (
	"sort"
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
	ext        bool   // a file extension inside a name: the "js" of "app.js"
	member     bool   // a property inside a name: the "exports" of "module.exports"
	ident      bool   // written like code: "exitedAfterDisconnect", "SCHED_RR"
	prefixed   bool   // after "re-", "non-", "pre-"...: "runs" in "re-runs" is not "runs"
	dup        bool   // in a sentence said word for word before: repeating adds nothing
	named      bool   // part of a subject's mention (set by the grader for each rubric)
	clause     int    // index into text.clauses
	neg        bool   // negates what follows ("not", "isn't", "never", "instead of"...)
	negAll     bool   // negates the rest of its clause: "does nothing for", "has no effect on"
	pron       bool   // refers back to an earlier subject ("it", "they"...)
	function   bool   // function word or common verb: marks real sentences
	contrast   bool   // introduces something the sentence is NOT about ("unlike", "than"...)
	distance   bool   // the speaker distances themself ("myth", "wrong"...)
	comma      bool   // a comma sits between this word and the previous one
	brk        bool   // a comma, colon, dash or bracket (not a call's "()") sits before it
	quoted     bool   // inside a quotation of three words or more: a claim reported, not made
	listItem   bool   // an item of a keyword list: named, not explained
	code       bool   // inside a ``` code block and not in a comment: shown, not explained
	paren      int    // the parenthesis group the word is in (0: none)
	arg        bool   // inside the parentheses of a call: "emit('x', fn)"
	label      bool   // a heading before a colon at the start of a sentence: "Handling:"
	arrow      bool   // only an arrow sits before it: "worker crashes -> primary forks"
	negRaised  bool   // in the claim of "I don't think X": denied by the speaker
	agent      bool   // an agent noun snowball folds into its verb: "listener", "subscribers"
	prefixFix  string // the rubric prefix a mistyped start stands for: "deprecat" for "depracated"
}

// clause is a run of tokens that one subject governs: a sentence, or a part
// of one split at "but", "whereas", "however"...
type clause struct {
	from, to   int // token indices [from, to)
	sentence   int
	question   bool // the sentence ends with "?": it asks, it does not claim
	listLike   bool // no function words: a keyword list, not a sentence
	code       bool // a line of code: terse, but not a keyword list
	afterColon bool // opens after "that's a myth:": the speaker's own view
	distance   bool // the sentence calls something a myth or wrong
	bullet     bool // the sentence is a bullet item ("- ...", "* ...")
	answers    bool // the sentence opens with "Yes,"/"No," after a question: it answers it
}

type text struct {
	src     string
	fences  []int // byte offsets of ``` marks
	toks    []token
	clauses []clause
	byStem  map[string][]int // stem -> token indices, for fast phrase lookup
	present []bool           // per compiled phrase: its first word occurs (see Grader.present)
	all     []int            // every token index, for prefix phrases
}

// hyphenPrefixes change the word after the hyphen: "re-runs" is not "runs".
var hyphenPrefixes = map[string]bool{"re": true, "pre": true, "un": true, "co": true, "sub": true, "de": true, "mis": true, "over": true, "under": true}

// fileExtensions end a file name: the "js" of "app.js" is not JavaScript,
// and the "json" of "package.json" is not JSON. A rubric phrase matches
// them only when it writes the dot itself ("package.json", ".mjs").
var fileExtensions = map[string]bool{
	"js": true, "mjs": true, "cjs": true, "ts": true, "mts": true, "cts": true, "json": true, "jsx": true,
	"tsx": true, "md": true, "yaml": true, "yml": true, "html": true, "css": true, "txt": true, "log": true,
	"env": true, "sh": true, "conf": true, "pem": true, "key": true, "lock": true,
}

// negators turn a claim around. Contractions are checked separately.
var negators = map[string]bool{
	"not": true, "no": true, "never": true, "neither": true, "nor": true, "without": true,
	"cannot": true, "non": true, "none": true, "nothing": true, "nobody": true,
	// "aint" has no apostrophe form to read it as (see apostropheless)
	"aint": true,
}

// hyphenated reports whether token i is part of a hyphenated compound.
func (t *text) hyphenated(i int) bool {
	if i > 0 && t.src[t.toks[i-1].end:t.toks[i].start] == "-" {
		return true
	}
	return i+1 < len(t.toks) && t.src[t.toks[i].end:t.toks[i+1].start] == "-"
}

// policyName reports whether "none" at token i names a setting:
// "=none", "'none'", "policy none", "none mode".
func policyName(src string, toks []token, i int) bool {
	if i > 0 {
		gap := src[toks[i-1].end:toks[i].start]
		if strings.ContainsAny(gap, "='\"`") {
			return true
		}
		if p := toks[i-1].lower; p == "policy" || p == "mode" || p == "option" || p == "under" {
			return true
		}
	} else if toks[i].start > 0 && strings.ContainsAny(src[toks[i].start-1:toks[i].start], "='\"`") {
		return true
	}
	if i+1 < len(toks) {
		if n := toks[i+1].lower; n == "mode" || n == "policy" || n == "means" {
			return true
		}
	}
	return false
}

// nothingVerbs before "nothing" make it deny everything after it in the
// clause: "helmet does nothing for SQL injection".
var nothingVerbs = map[string]bool{
	"does": true, "do": true, "did": true, "doing": true, "is": true, "has": true, "have": true, "adds": true,
	"offers": true, "gives": true, "provides": true, "means": true, "changes": true, "protects": true, "solves": true,
	"fixes": true, "prevents": true, "stops": true, "blocks": true, "helps": true, "buys": true, "brings": true,
	"proves": true, "guarantees": true, "tells": true, "says": true, "shows": true, "verifies": true, "checks": true,
}

// meaningVerbs after a negator deny what follows: "the warning doesn't
// mean listener 11 was dropped".
var meaningVerbs = map[string]bool{"mean": true, "means": true, "imply": true, "implies": true, "prove": true, "proves": true, "indicate": true}

// noObjects after "no" deny what follows: "no effect on XSS".
var noObjects = map[string]bool{
	"effect": true, "protection": true, "help": true, "impact": true, "defense": true, "defence": true,
	"role": true, "bearing": true, "relation": true, "influence": true, "say": true, "part": true,
}

// negationExceptions follow a negator and cancel it: "not only X" still says X.
var negationExceptions = map[string]bool{"only": true, "just": true, "merely": true, "matter": true}

// negativeParticiples deny what follows them, so a negator before one
// affirms it: "not limited to CommonJS", "not forbidden in CommonJS".
var negativeParticiples = map[string]bool{
	"prevented": true, "forbidden": true, "restricted": true, "limited": true, "disallowed": true,
	"banned": true, "prohibited": true,
}

// pronouns point back at the subject of the previous clause or sentence.
var pronouns = map[string]bool{
	"it": true, "it's": true, "they": true, "they're": true,
	"them": true, "this": true, "these": true, "itself": true, "each": true,
}

// contrastWords mark the next noun as the thing being compared against, so
// in "require, unlike import, is synchronous" the subject stays require.
var contrastWords = map[string]bool{
	"unlike": true, "than": true, "versus": true, "vs": true, "compared": true, "opposed": true,
	"instead": true, "beyond": true, "besides": true,
}

// Distance markers show that a sentence reports a wrong idea instead of
// making it: "a common myth is that workers share memory", "people think
// require is async, but...", "that's wrong". A reported idea is never
// flagged, and denying a misconception that way earns what it gets wrong.
var (
	// mythWords report a wrong idea wherever they stand.
	mythWords = []string{"myth", "misconcept", "mistaken", "misleading", "fallacy", "misunderstand", "misbelief", "folklore", "belief", "assumption", "misperception", "trap", "anti-pattern", "antipattern", "contrary", "tempting", "mixup", "confuse"}
	// wrongWords do when they are the predicate: "that's wrong", "is
	// false", "a common mistake", but not "a.done is still false".
	wrongWords = map[string]bool{"claim": true, "legend": true, "idea": true, "wrong": true, "false": true, "incorrect": true, "untrue": true, "mistake": true, "nonsense": true, "outdated": true, "bogus": true, "dangerous": true, "risky": true, "backwards": true, "insecure": true, "deprecated": true, "obsolete": true, "unacceptable": true, "unsafe": true}
	wrongLeads = map[string]bool{
		"is": true, "are": true, "was": true, "were": true, "that's": true, "it's": true, "thats": true, "its": true,
		"simply": true, "just": true, "totally": true, "completely": true, "plain": true, "flat": true, "dead": true,
		"common": true, "classic": true, "typical": true, "frequent": true, "popular": true, "big": true, "also": true,
		"quite": true, "entirely": true, "actually": true, "being": true, "bad": true, "terrible": true, "dangerous": true,
		"both": true, "equally": true,
	}
	// falseLeads make "false" a verdict on an idea, not a value.
	falseLeads = map[string]bool{"that's": true, "thats": true, "that": true, "this": true, "which": true, "simply": true, "completely": true, "totally": true, "entirely": true, "patently": true, "plainly": true}
	// valueConditions after "false" make it a value that holds in some
	// case ("exitedAfterDisconnect, which is false when it crashed"): a
	// verdict on an idea is not conditional.
	valueConditions = map[string]bool{"when": true, "if": true, "for": true, "until": true, "unless": true, "while": true, "after": true, "before": true, "whenever": true, "once": true}
	// truthWords after a negator report too: "not true that", "isn't the case".
	truthWords = map[string]bool{"true": true, "case": true, "correct": true, "right": true, "accurate": true, "thing": true}
	// reportingVerbs after one of the reporters (a few words before) mark a
	// belief that is not the speaker's own: "people think", "many devs
	// assume", "I used to believe", "it is often said".
	reportingVerbs = map[string]bool{
		"think": true, "thinks": true, "thought": true, "believe": true, "believes": true, "believed": true,
		"say": true, "says": true, "said": true, "claim": true, "claims": true, "claimed": true, "assume": true,
		"assumes": true, "assumed": true, "expect": true, "expects": true, "imagine": true, "imagines": true,
		"suppose": true, "heard": true, "hear": true, "hears": true, "told": true, "called": true, "described": true,
		"repeated": true, "taught": true, "guess": true, "guessed": true, "insist": true, "insists": true,
		"seen": true, "saw": true, "show": true, "shows": true, "suggest": true, "suggests": true,
		"teach": true, "teaches": true, "state": true, "states": true,
		"suggested": true, "presented": true, "recommended": true, "advertised": true, "advised": true,
		"worry": true, "worries": true, "fear": true, "fears": true, "thinking": true, "believing": true, "assuming": true, "mentioned": true,
		"hope": true, "hopes": true, "hoped": true, "wish": true, "treat": true, "treats": true,
	}
	// beliefVerbs report after a negator too: "don't assume", "never
	// think"; "is not seen by emit" or "without much worry" do not.
	beliefVerbs = map[string]bool{
		"think": true, "thinks": true, "believe": true, "believes": true, "assume": true, "assumes": true,
		"expect": true, "expects": true, "imagine": true, "suppose": true, "guess": true, "claim": true, "claims": true,
	}
	reporters = map[string]bool{
		"people": true, "some": true, "many": true, "folks": true, "beginners": true, "notes": true, "developers": true,
		"devs": true, "others": true, "everyone": true, "juniors": true, "tutorials": true, "articles": true,
		"often": true, "usually": true, "commonly": true, "sometimes": true, "candidates": true, "newcomers": true,
		"used": true, "might": true, "you'd": true, "would": true, "blogs": true, "posts": true, "guides": true,
		"you've": true, "they": true, "someone": true, "somebody": true, "most": true, "lot": true,
		"frequently": true, "widely": true, "popularly": true, "wrongly": true, "mistakenly": true,
		"easy": true, "teams": true, "companies": true, "docs": true, "documentation": true, "books": true,
		"courses": true, "answers": true, "you'll": true, "youll": true,
		// third persons report a belief as much as "they" do: "he thought
		// X", "my colleague assumed X"; the speaker does not assert X.
		"he": true, "she": true, "colleague": true, "colleagues": true, "coworker": true, "coworkers": true,
		"teammate": true, "teammates": true, "friend": true, "friends": true, "boss": true, "interviewer": true,
	}
	// certainWords after "was"/"were" report a held belief: "my colleague
	// was sure X", "I was convinced X".
	certainWords = map[string]bool{"sure": true, "convinced": true, "certain": true, "positive": true}
	// firstPerson reporters are the speaker; only a past belief of theirs
	// is reported.
	firstPerson = map[string]bool{"i": true, "i've": true, "ive": true, "i'd": true, "we": true, "we've": true}
	pastBelief  = map[string]bool{"hear": true, "thought": true, "believed": true, "assumed": true, "imagined": true, "guessed": true, "expected": true, "heard": true, "seen": true, "saw": true, "read": true, "told": true, "taught": true}
	// contrastOpeners start the speaker's own view after a reported one.
	contrastOpeners = map[string]bool{"but": true, "however": true, "whereas": true, "yet": true, "though": true, "although": true, "actually": true, "instead": true, "rather": true, "really": true, "truth": true, "reality": true}
)

// clauseBreaks start a new clause: what follows has its own subject.
var clauseBreaks = map[string]bool{
	"but": true, "whereas": true, "however": true, "although": true, "though": true, "while": true, "yet": true,
	"so": true, "because": true, // "so that" does not break: see split
}

// contentStopWords are snowball stop words that name things in this
// course ("once", "off") or join list items ("and", "or").
var contentStopWords = map[string]bool{"and": true, "or": true, "once": true, "off": true, "own": true, "same": true}

// extraFunctionWords are common verbs that, with snowball's stop words, tell
// a sentence from a list of keywords.
var extraFunctionWords = map[string]bool{
	"use": true, "uses": true, "used": true, "using": true, "can": true, "let": true, "lets": true,
	"make": true, "makes": true, "get": true, "gets": true, "give": true, "gives": true,
	"run": true, "runs": true, "need": true, "needs": true, "also": true, "like": true,
	"means": true, "mean": true, "put": true, "puts": true, "keep": true, "keeps": true,
	"would": true, "could": true, "must": true, "may": true, "might": true, "instead": true,
	"work": true, "works": true, "set": true, "sets": true, "add": true, "adds": true,
	"done": true, // "passwords: md5(password), done" says it is enough
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
	"spreads": true, "starts": true, "spawns": true, "forwards": true, "passes": true, "hands": true,
	"distributes": true, "balances": true, "restarts": true, "replaces": true, "kills": true, "binds": true,
	"owns": true, "holds": true, "elects": true, "takes": true, "picks": true, "routes": true, "assigns": true,
	"stores": true, "reads": true, "writes": true, "throws": true, "catches": true,
	// verbs of the course's claims, so that a terse note ("primary relays
	// bytes via IPC") reads as a claim, not as a list of names
	"relays": true, "proxies": true, "schedules": true, "respawns": true, "waits": true, "drains": true,
	"serves": true, "rejects": true, "reloads": true, "signs": true, "verifies": true, "encrypts": true,
	"decrypts": true, "hashes": true, "validates": true, "sanitizes": true, "copies": true, "ignores": true,
	"swallows": true, "prevents": true, "stops": true, "protects": true,
}

// adverbs may sit between a subject and its verb.
var adverbs = map[string]bool{"also": true, "always": true, "only": true, "just": true, "really": true, "actually": true, "then": true, "still": true, "itself": true}

// agentNouns are the course's nouns for who does something that snowball
// stems to the verb itself: "listener" and "listen" are both "listen",
// "subscriber" and "subscribe" both "subscrib". A phrase word matches a
// word of the other class only when written with "*" ("subscrib*"): "a
// subscriber" does not say that something subscribes, and "you listen
// for it" names no listener.
var agentNouns = map[string]bool{
	"listener": true, "subscriber": true, "compiler": true, "transpiler": true, "importer": true,
	"resolver": true, "consumer": true, "producer": true, "balancer": true, "scheduler": true,
	"verifier": true, "observer": true, "receiver": true, "dispatcher": true, "publisher": true,
	"encoder": true, "decoder": true, "controller": true, "manager": true,
}

// agentNoun reports whether lower is one of agentNouns, or its plural.
func agentNoun(lower string) bool {
	return agentNouns[lower] || strings.HasSuffix(lower, "s") && agentNouns[lower[:len(lower)-1]]
}

// stemCache memoises snowball: stemming is the grader's main cost, and an
// answer repeats words. The cache is bounded so hostile input cannot grow it.
var stemCache = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

const stemCacheMax = 20000

func stemWord(lower string) string {
	stemCache.RLock()
	s, ok := stemCache.m[lower]
	stemCache.RUnlock()
	if ok {
		return s
	}
	s = english.Stem(lower, true)
	stemCache.Lock()
	if len(stemCache.m) < stemCacheMax {
		// Clone: lower may be a slice of a whole answer, which the cache
		// must not keep alive.
		stemCache.m[strings.Clone(lower)] = strings.Clone(s)
	}
	stemCache.Unlock()
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
	if !lower {
		w = strings.ToLower(w)
		if strings.ContainsRune(w, '’') {
			w = strings.ReplaceAll(w, "’", "'")
		}
	}
	if full, ok := apostropheless[w]; ok {
		return full
	}
	return w
}

// apostropheless are negations typed without their apostrophe, read as
// typed with it so that a rubric's "isn't needed" matches "isnt needed".
var apostropheless = map[string]string{
	"isnt": "isn't", "arent": "aren't", "wasnt": "wasn't", "werent": "weren't", "dont": "don't",
	"doesnt": "doesn't", "didnt": "didn't", "cant": "can't", "couldnt": "couldn't", "wouldnt": "wouldn't",
	"shouldnt": "shouldn't", "hasnt": "hasn't", "havent": "haven't", "mustnt": "mustn't", "neednt": "needn't",
	"wont": "won't",
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
		tok := token{start: start, end: end, lower: lower, stem: stem, ident: isIdentifier(src[start:end]), agent: agentNoun(lower)}
		if end < len(src) && src[end] == '(' {
			tok.call = true
		}
		if start > 0 && src[start-1] == '.' {
			tok.method = true
			tok.stem = stemWord(lower) // ".cjs" is a file type, not a synonym of CommonJS
			if prev, _ := utf8.DecodeLastRuneInString(src[:start-1]); isWordRune(prev) {
				tok.member = !tok.call
				tok.ext = fileExtensions[lower]
			}
		}
		if n := len(t.toks); n > 0 && hyphenPrefixes[t.toks[n-1].lower] && src[t.toks[n-1].end:start] == "-" {
			tok.prefixed = true
		}
		// Snowball folds "important" into "import": keep the adjective apart.
		if strings.HasPrefix(lower, "importan") {
			tok.stem = "importan"
		}
		// "at once" means "at the same time": it says nothing about once().
		if n := len(t.toks); n > 0 && lower == "once" && (t.toks[n-1].lower == "at" || t.toks[n-1].lower == "for") {
			tok.stem = "at once"
		}
		if n := len(t.toks); n > 0 {
			// "CORS != CSRF protection" says "is not" (so do "≠" and "=/="): the operator is
			// read as a negator standing between the two words.
			if gap := strings.TrimSpace(src[t.toks[n-1].end:start]); gap == "!=" || gap == "!==" || gap == "≠" || gap == "=/=" {
				at := t.toks[n-1].end + strings.Index(src[t.toks[n-1].end:start], gap)
				t.toks = append(t.toks, token{start: at, end: at + len(gap), lower: "not", stem: "not"})
			}
		}
		t.toks = append(t.toks, tok)
	})
	t.findFences()
	t.mark()
	t.markQuotes()
	t.markParens()
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
		case w == "none" && policyName(t.src, t.toks, i):
			// "NODE_CLUSTER_SCHED_POLICY=none", "'none' mode": a name.
		case isNegator(w) && next == "help" && i+2 < n && t.toks[i+2].lower == "but":
			// "require can't help but block" affirms blocking: see exceptBut.
		case isNegator(w) && negativeParticiples[next]:
			// "is not prevented from importing CommonJS" denies a denial:
			// what follows is affirmed.
		case isNegator(w) && (!negationExceptions[next] || !t.goesOn(i+2)):
			// "not only X but also Y" still says X; "X is not just a
			// warning" denies it.
			tok.neg = true
		case w == "instead" && next == "of", w == "rather" && next == "than", w == "unlike":
			tok.neg = true
		}
		prev := ""
		if i > 0 {
			prev = t.toks[i-1].lower
		}
		switch {
		case w == "nothing" && (nothingVerbs[prev] || prepositions[next]),
			w == "no" && noObjects[next],
			(w == "anything" || w == "much") && i >= 2 && prev == "do" && isNegator(t.toks[i-2].lower),
			meaningVerbs[w] && i > 0 && isNegator(prev):
			tok.neg, tok.negAll = true, true
		}
		tok.pron = pronouns[w] || w == "that" && t.demonstrativeSubject(i)
		if i > 0 {
			gap := t.src[t.toks[i-1].end:tok.start]
			tok.comma = strings.IndexByte(gap, ',') >= 0
			if strings.Contains(gap, "()") {
				gap = strings.ReplaceAll(gap, "()", "")
			}
			tok.brk = scopeBreak(gap)
			g := strings.TrimSpace(gap)
			tok.arrow = g == "->" || g == "→" || g == "-->" || g == "=>" && !t.inFence(tok.start)
		}
		tok.contrast = contrastWords[w] || (w == "rather" && next == "than")
		tok.function = (english.IsStopWord(w) && !contentStopWords[w]) || extraFunctionWords[w] || subjectVerbs[w] ||
			isNegator(w) || strings.HasSuffix(w, "'s")
		tok.function = tok.function && !tok.method && !t.hyphenated(i) // "events.once", "keep-alive" are names
		tok.distance = t.distanceAt(i)
	}
}

// markQuotes flags the words of quotations ("import is async in the
// browser" is a myth): a quoted claim is reported, not made. Quotes of one
// or two words ("type": "module") are names, not claims.
func (t *text) markQuotes() {
	open := -1
	var quotes [][2]int
	for i := 0; i < len(t.src); {
		r, size := utf8.DecodeRuneInString(t.src[i:])
		switch {
		case r == '“':
			open = i
		case r == '”' && open >= 0, r == '"' && open >= 0:
			quotes = append(quotes, [2]int{open, i})
			open = -1
		case r == '"':
			open = i
		case r == '\n' && i+1 < len(t.src) && t.src[i+1] == '\n':
			open = -1 // a quote does not run across paragraphs
		}
		i += size
	}
	for _, q := range quotes {
		from, to := t.tokensIn(q[0], q[1])
		if to-from >= 3 {
			for k := from; k < to; k++ {
				t.toks[k].quoted = true
			}
		}
	}
}

// tokensIn returns the token range [from, to) that lies strictly between
// the byte offsets open and end (a quote's or a bracket's).
func (t *text) tokensIn(open, end int) (from, to int) {
	from = sort.Search(len(t.toks), func(k int) bool { return t.toks[k].start > open })
	to = sort.Search(len(t.toks), func(k int) bool { return t.toks[k].end > end })
	return from, max(from, to)
}

// markParens numbers the parenthesised asides: "(or CJS)" names something
// the rest of the sentence is not about. An unclosed bracket opens nothing.
func (t *text) markParens() {
	group := 0
	for i := 0; i < len(t.src); i++ {
		if t.src[i] != '(' {
			continue
		}
		depth, end := 0, -1
		for j := i; j < len(t.src) && j < i+400; j++ {
			if c := t.src[j]; c == '(' {
				depth++
			} else if c == ')' {
				depth--
				if depth == 0 {
					end = j
					break
				}
			} else if c == '\n' && j+1 < len(t.src) && t.src[j+1] == '\n' {
				break
			}
		}
		if end < 0 {
			continue
		}
		group++
		call := i > 0 && isWordRune(rune(t.src[i-1]))
		from, to := t.tokensIn(i, end)
		for k := from; k < to; k++ {
			t.toks[k].paren = group
			t.toks[k].arg = call
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
	ownViewAt := -1
	// bullet: the current sentence is a bullet item, which ends with its line.
	lead := strings.TrimLeft(t.src[:t.toks[0].start], " \t\n")
	bullet := lead != "" && strings.IndexAny(lead, "-*•") == 0
	cur := clause{from: 0, sentence: 0, bullet: bullet}
	closeClause := func(to int) {
		cur.to = to
		if cur.to > cur.from {
			t.clauses = append(t.clauses, cur)
		}
		cur = clause{from: to, sentence: sentence, bullet: cur.bullet}
	}
	for i := range t.toks {
		if i > 0 {
			gap := t.src[t.toks[i-1].end:t.toks[i].start]
			end, question := sentenceEnd(gap, t.toks[i-1].lower, t.listNumber(i))
			comment := end && lineComment(gap)
			if comment {
				// "emit('x'); // sync": the comment speaks of the statement
				// it follows, in a clause of its own: its subject is
				// carried over, enough to credit a concept but not to
				// accuse (a qualifier may sit on another line).
				end = false
			}
			if !end && strings.ContainsRune(gap, '\n') && (t.inFence(t.toks[i].start) || strings.Contains(gap, "```") || bullet) {
				end = true // every line of code, the fence itself, and a bullet item stand alone
			}
			if end {
				after := gap[strings.LastIndexByte(gap, '\n')+1:]
				bullet = strings.ContainsRune(gap, '\n') && strings.ContainsAny(strings.TrimLeft(after, " \t")+" ", "-*•") && strings.IndexAny(strings.TrimLeft(after, " \t"), "-*•") == 0
			}
			if end {
				if question {
					cur.question = true
				}
				closeClause(i)
				sentence++
				cur.sentence = sentence
				cur.bullet = bullet
			} else if comment {
				closeClause(i)
			} else if clauseBreaks[t.toks[i].lower] && (t.toks[i].lower != "so" || i+1 >= len(t.toks) || t.toks[i+1].lower != "that") && !t.exceptBut(i) {
				closeClause(i)
			} else if t.toks[i].brk && t.denialEnd(i) > i {
				// "people assume X helps, it doesn't, emit has already
				// returned": the denial is a clause of its own, and what
				// follows it is the speaker's view.
				closeClause(i)
				ownViewAt = t.denialEnd(i)
			} else if i == ownViewAt {
				closeClause(i)
				cur.afterColon = true
			} else if ownViewNow[t.toks[i].lower] && t.toks[i].brk && t.distanceIn(cur.from, i) {
				// "we used to hash with MD5, now it's bcrypt": what follows
				// is how things are.
				closeClause(i)
				cur.afterColon = true
			} else if strings.ContainsRune(gap, ':') && t.distanceIn(cur.from, i) && t.verdictBefore(cur.from, i) {
				// "but that's wrong: 10 is just the threshold": what follows
				// the colon is the speaker's own claim. After a bare label
				// ("Common misunderstanding: that workers share memory") it
				// is the myth itself, and stays in the distanced clause.
				closeClause(i)
				cur.afterColon = true
			}
		}
		t.toks[i].clause = len(t.clauses)
	}
	last := t.toks[len(t.toks)-1]
	if strings.Contains(t.src[last.end:], "?") {
		cur.question = true
	}
	closeClause(len(t.toks))
	t.markRepeats()
	t.markLists()
	t.markLabels()
	t.markDistance()
	t.markHeadedLists()
	t.markDenials()
	t.markContrasted()
	t.markDeniedReasons()
	t.markNegRaising()
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
	t.markAnswers()
}

// lineComment reports whether gap closes a statement with ";" and opens a
// "//" comment on the same line: "emitter.emit('x'); // sync, returns a
// boolean" says its comment of the call, as it does without the ";".
func lineComment(gap string) bool {
	return !strings.ContainsRune(gap, '\n') && strings.Contains(gap, ";") &&
		strings.HasSuffix(strings.TrimRight(gap, " \t"), "//")
}

// answerWords open the answer to a question: "Shared memory? No, each
// worker is its own process."
var answerWords = map[string]bool{"yes": true, "yep": true, "yeah": true, "no": true, "nope": true, "nah": true, "not": true}

// markAnswers reads a question the speaker answers at once ("X? No, Y",
// "X? Yes.") as a claim the answer rules on: after "No" the question is
// a rejected idea, like a myth (denying it earns what it gets wrong, and
// nothing in it is the speaker's claim); after "Yes" it is the speaker's
// claim. The answer itself is a claim about the question's subject.
// "Not" answers only as "Not at all", "Not really": "Not in cluster" is
// the start of a claim.
func (t *text) markAnswers() {
	for ci := 1; ci < len(t.clauses); ci++ {
		c, prev := t.clauses[ci], t.clauses[ci-1]
		if prev.sentence == c.sentence || !prev.question || c.question {
			continue
		}
		i := c.from
		w := t.toks[i].lower
		if !answerWords[w] {
			continue
		}
		end := i + 1
		if w == "not" {
			if end >= len(t.toks) || t.toks[end].lower != "really" && t.toks[end].lower != "at" {
				continue
			}
			for end < len(t.toks) && (t.toks[end].lower == "really" || t.toks[end].lower == "at" || t.toks[end].lower == "all") {
				end++
			}
		}
		// The answer word stands alone: "No, ...", "No.", "No —", not "No
		// module is loaded twice".
		if end < len(t.toks) && !t.toks[end].brk {
			if stop, _ := sentenceEnd(t.src[t.toks[end-1].end:t.toks[end].start], t.toks[end-1].lower, false); !stop {
				continue
			}
		}
		denied := w != "yes" && w != "yep" && w != "yeah"
		for cj := ci - 1; cj >= 0 && t.clauses[cj].sentence == prev.sentence; cj-- {
			t.clauses[cj].question = false
			t.clauses[cj].distance = t.clauses[cj].distance || denied
		}
		for cj := ci; cj < len(t.clauses) && t.clauses[cj].sentence == c.sentence; cj++ {
			t.clauses[cj].answers = true
		}
	}
}

// choiceNouns, after "no" and before "but", leave only what follows:
// "has no choice but to fork", "no other option but a restart".
var choiceNouns = map[string]bool{"choice": true, "option": true, "alternative": true, "way": true}

// exceptBut reports whether the "but" at token i means "except" in an
// idiom that affirms what follows it ("the primary has no choice but to
// fork", "require can't help but block"): no contrast, no new clause, and
// the "no" or "can't" before it denies nothing of the claim.
func (t *text) exceptBut(i int) bool {
	if t.toks[i].lower != "but" || t.toks[i].brk || i < 2 {
		return false
	}
	prev := t.toks[i-1].lower
	if prev == "help" && isNegator(t.toks[i-2].lower) {
		return true
	}
	if !choiceNouns[prev] {
		return false
	}
	for k := i - 2; k >= max(0, i-4); k-- {
		if t.toks[k+1].brk {
			return false
		}
		if t.toks[k].lower == "no" {
			return true
		}
	}
	return false
}

// markRepeats flags the words of every sentence that repeats an earlier
// one word for word: pasting an answer twice says nothing new, so the
// copy is not graded (its words stay in Text, and no span points at them).
func (t *text) markRepeats() {
	seen := map[string]bool{}
	var b strings.Builder
	for from := 0; from < len(t.toks); {
		s := t.clauses[t.toks[from].clause].sentence
		to := from
		b.Reset()
		for to < len(t.toks) && t.clauses[t.toks[to].clause].sentence == s {
			b.WriteString(t.toks[to].lower)
			b.WriteByte(' ')
			to++
		}
		key := b.String()
		if seen[key] {
			for i := from; i < to; i++ {
				t.toks[i].dup = true
			}
		}
		seen[key] = true
		from = to
	}
	// A pasted line that does not end its sentence ("... exit -> refork"
	// twice) repeats too.
	lines := map[string]bool{}
	for i := 0; i < len(t.toks); {
		end := strings.IndexByte(t.src[t.toks[i].start:], '\n')
		if end < 0 {
			end = len(t.src)
		} else {
			end += t.toks[i].start
		}
		b.Reset()
		j := i
		for j < len(t.toks) && t.toks[j].end <= end {
			b.WriteString(t.toks[j].lower)
			b.WriteByte(' ')
			j++
		}
		if key := b.String(); lines[key] {
			for k := i; k < j; k++ {
				t.toks[k].dup = true
			}
		} else {
			lines[key] = true
		}
		i = max(j, i+1)
	}
}

// markLabels flags the one to three words that open a sentence and end in
// a colon ("Handling:", "**Caching**:"): a heading names a topic, it
// claims nothing.
func (t *text) markLabels() {
	start := 0
	for i := range t.toks {
		if i > 0 && t.clauses[t.toks[i].clause].sentence != t.clauses[t.toks[i-1].clause].sentence {
			start = i
		}
		if i-start > 2 || i+1 >= len(t.toks) {
			continue
		}
		gap := t.src[t.toks[i].end:t.toks[i+1].start]
		if !strings.HasPrefix(strings.TrimLeft(gap, "*_`'\""), ":") {
			continue
		}
		heading := true // a noun phrase: "require is CommonJS:" claims
		for k := start; k <= i; k++ {
			heading = heading && !t.toks[k].function
		}
		for k := start; heading && k <= i; k++ {
			t.toks[k].label = true
		}
	}
}

// participle reports whether the word is a past participle that states a
// practice: "validated input", "escaped output" say what is done, where
// "input, output" only name things.
func (tok token) participle() bool {
	return len(tok.lower) > 5 && strings.HasSuffix(tok.lower, "ed") && !tok.method
}

// claimMark reports whether the text between two words says that one is
// the other: "→", "->", "=", "=>", or the colon of a terse note ("workers:
// one shared heap, globals everywhere" says something of the workers).
func claimMark(gap string) bool {
	return strings.Contains(gap, "→") || strings.Contains(gap, "->") || strings.Contains(gap, "=") || strings.Contains(gap, ":")
}

// bareRun reports whether clause c, with fn function words, is a run of
// five or more names with hardly a function word and no sentence
// punctuation after it: "cluster pm2 nginx redis kafka".
func (t *text) bareRun(c clause, fn int) bool {
	if c.to-c.from < 5 || fn*8 > c.to-c.from {
		return false
	}
	end := len(t.src)
	if c.to < len(t.toks) {
		end = t.toks[c.to].start
	}
	return !strings.ContainsAny(t.src[t.toks[c.to-1].end:end], ".!?;")
}

// markLists finds keyword lists. A comma-separated item without a single
// function word ("static", "tree shaking") names something without saying
// anything about it. A clause is a list when it has no function word at
// all and several items, or when most of its three or more items are
// bare; and a run of bare one-line fragments (bullets) is a list too.
func (t *text) markLists() {
	type seg struct{ from, to, fn int }
	fragments := 0
	t.markCode()
	for ci := range t.clauses {
		c := &t.clauses[ci]
		if c.code {
			continue
		}
		var segs []seg
		fn := 0
		for i := c.from; i < c.to; i++ {
			if t.toks[i].dup {
				continue // a repeated line is not part of the list
			}
			if len(segs) == 0 || t.toks[i].comma || t.toks[i-1].dup {
				segs = append(segs, seg{from: i})
			}
			segs[len(segs)-1].to = i + 1
			// An arrow or an equals sign says something about the word
			// before it: "CJS cycle → partial exports" is a claim.
			if t.toks[i].function || i > c.from && claimMark(t.src[t.toks[i-1].end:t.toks[i].start]) {
				segs[len(segs)-1].fn++
				fn++
			}
		}
		if len(segs) == 0 {
			continue // all repeated
		}
		bare, practices := 0, 0
		for _, sg := range segs {
			if sg.fn == 0 {
				bare++
			}
			for i := sg.from; i < sg.to; i++ {
				if t.toks[i].participle() {
					practices++
					break
				}
			}
		}
		if len(segs) >= 4 && practices >= 4 && practices*5 >= len(segs)*2 {
			// "Audited deps, validated input, escaped output, hashed
			// passwords": a terse list of practices, each one a claim.
			continue
		}
		switch {
		case fn == 0 && len(segs) >= 2, len(segs) == 1 && t.bareRun(*c, fn), len(segs) >= 4 && bare*3 >= len(segs)*2:
			c.listLike = true
		case fn == 0:
			fragments++
		}
		if !c.listLike {
			continue
		}
		for _, sg := range segs {
			// In a keyword list a two-word item is a name even when one
			// of its words can be a verb: the "load" of "load balancer".
			if sg.fn == 0 || len(segs) == 1 || sg.to-sg.from <= 2 {
				for i := sg.from; i < sg.to; i++ {
					t.toks[i].listItem = true
				}
			}
		}
	}
	if fragments < 3 {
		return
	}
	for ci := range t.clauses {
		c := &t.clauses[ci]
		if c.listLike || c.code || t.toks[c.from].dup {
			continue
		}
		fn := 0
		for i := c.from; i < c.to; i++ {
			if t.toks[i].function {
				fn++
			}
		}
		if fn == 0 {
			c.listLike = true
			for i := c.from; i < c.to; i++ {
				t.toks[i].listItem = true
			}
		}
	}
}

// findFences records where ``` code fences open and close.
func (t *text) findFences() {
	for i := 0; i+3 <= len(t.src); {
		j := strings.Index(t.src[i:], "```")
		if j < 0 {
			break
		}
		t.fences = append(t.fences, i+j)
		i += j + 3
	}
}

// inFence reports whether byte offset off is inside a ``` code block.
func (t *text) inFence(off int) bool {
	n := 0
	for _, f := range t.fences {
		if f < off {
			n++
		}
	}
	return n%2 == 1
}

// codeMarks are written in code and hardly ever in a list of keywords.
var codeMarks = []string{"=>", "{", "}", ");", "const ", "let ", "await ", "//", "new ", "= require(", "= await"}

// markCode flags the clauses that are code: inside a ``` fence, or
// written with code punctuation.
func (t *text) markCode() {
	inFence := t.inFence
	for i := range t.toks {
		tok := &t.toks[i]
		if !inFence(tok.start) {
			continue
		}
		lineStart := strings.LastIndexByte(t.src[:tok.start], '\n') + 1
		tok.code = !strings.Contains(t.src[lineStart:tok.start], "//")
	}
	for ci := range t.clauses {
		c := &t.clauses[ci]
		from, to := t.toks[c.from].start, t.toks[c.to-1].end
		if to < len(t.src) {
			to = min(len(t.src), to+2)
		}
		if inFence(from) {
			c.code = true
			c.distance = c.distance || counterExample(t.src, from)
			continue
		}
		span := t.src[from:to]
		for _, m := range codeMarks {
			if strings.Contains(span, m) {
				c.code = true
				break
			}
		}
	}
}

// counterMarks in a code comment say that the line shows what not to do:
// "import x from './x.js' // SyntaxError", "// ✗ never in a loop".
var counterMarks = []string{"syntaxerror", "syntax error", "invalid", "not allowed", "wrong", "✗", "❌", "// bad", "// don't", "// never", "won't work", "doesn't work", "not valid", "illegal"}

// counterExample reports whether the line of code at off is marked as a
// counterexample by its comment; a line shown to be wrong claims nothing.
func counterExample(src string, off int) bool {
	start := strings.LastIndexByte(src[:off], '\n') + 1
	end := strings.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += off
	}
	line := src[start:end]
	at := strings.Index(line, "//")
	if at < 0 {
		return false
	}
	comment := strings.ToLower(line[at:])
	for _, m := range counterMarks {
		if strings.Contains(comment, m) {
			return true
		}
	}
	return false
}

// distanceIn reports whether a token of [from, to) marks distance.
func (t *text) distanceIn(from, to int) bool {
	for i := from; i < to; i++ {
		if t.toks[i].distance {
			return true
		}
	}
	return false
}

// jwtClaims name a token's claims: "the exp claim" is a field.
var jwtClaims = map[string]bool{
	"exp": true, "sub": true, "iss": true, "aud": true, "iat": true, "nbf": true, "jti": true,
	"jwt": true, "token": true, "custom": true, "registered": true, "expiry": true, "expiration": true, "role": true,
}

// distanceAt reports whether token i marks a reported or rejected idea
// (see mythWords).
func (t *text) distanceAt(i int) bool {
	w := t.toks[i].lower
	prev := func(k int) string {
		if i-k < 0 {
			return ""
		}
		return t.toks[i-k].lower
	}
	if w == "mistaken" && prev(1) == "not" {
		return false // "if I'm not mistaken, X" hedges the speaker's own claim
	}
	for _, d := range mythWords {
		if strings.HasPrefix(w, d) {
			return true
		}
	}
	if (w == "mistake" || w == "mistakes") && prev(1) == "another" {
		return true // "Another mistake: thinking X"
	}
	if w == "mix" && i+1 < len(t.toks) && t.toks[i+1].lower == "up" && t.hyphenated(i) {
		return true // "a common mix-up"
	}
	if w == "false" && i+1 < len(t.toks) && t.toks[i+1].lower == "that" && wrongLeads[prev(1)] {
		return true // "it's false that workers share memory"
	}
	if w == "wrong" && getForms[prev(1)] {
		return true // "what people get wrong is thinking..."
	}
	if w == "wrong" && (prev(1) == "it" || prev(1) == "this" || prev(1) == "that") && getForms[prev(2)] {
		return true // "the first time I got it wrong, we restarted everything at once": the mistake told
	}
	if (w == "originally" || w == "initially") && (prev(1) == "we" || prev(1) == "i") && t.pastVerbAfter(i) {
		return true // "we originally respawned on every exit, which was fine until...": a practice given up
	}
	if w == "once" && t.anecdoteOnce(i) {
		return true // "I once inherited a system with SHA1 passwords", "somebody once committed a .env": an anecdote, not advice
	}
	if (w == "idea" || w == "notion" || w == "claim" || w == "fear" || w == "worry") && i+1 < len(t.toks) && t.toks[i+1].lower == "that" && !t.toks[i+1].brk && !jwtClaims[prev(1)] {
		return true // "there's a lingering idea that require() can't load ESM": the idea is reported, not held
	}
	if (w == "fear" || w == "worry") && i+2 < len(t.toks) && t.toks[i+1].lower == "is" && t.toks[i+2].lower == "that" {
		return true // "a common fear is that cycles overflow the stack" ("the idea is that" explains, and is not here)
	}
	// "isn't a mistake" passes no verdict, but in "saying CORS protects
	// nothing is wrong" the "nothing" belongs to the claim judged.
	deniedVerdict := func(k int) bool {
		return isNegator(prev(k)) && (prev(k) != "nothing" || !nothingVerbs[prev(k+1)])
	}
	if w == "false" && i+1 < len(t.toks) && valueConditions[t.toks[i+1].lower] && strings.TrimSpace(t.src[t.toks[i].end:t.toks[i+1].start]) == "" {
		return false // "which is false when it crashed" describes a value, not the claim before it
	}
	if wrongWords[w] && articles[prev(1)] && i+1 < len(t.toks) && optionNouns[t.toks[i+1].lower] {
		return false // "the wildcard is the dangerous setting" says which option, it rejects nothing
	}
	if wrongWords[w] && articles[prev(1)] && wrongLeads[prev(2)] && w != "false" {
		return !deniedVerdict(3) // "is a mistake", "it's a bad idea" (not "isn't a mistake")
	}
	if wrongWords[w] && wrongLeads[prev(1)] {
		if w == "false" && !falseLeads[prev(1)] && !falseLeads[prev(2)] {
			return false // "it's false" is usually a value: "exitedAfterDisconnect is false"
		}
		return !deniedVerdict(2)
	}
	if w == "cut" && i+1 < len(t.toks) && t.toks[i+1].lower == "it" && isNegator(prev(1)) {
		return true // "a single salt for all users doesn't cut it"
	}
	if truthWords[w] && (isNegator(prev(1)) || articles[prev(1)] && isNegator(prev(2))) {
		return true // "not true", "isn't the case", "not a thing"
	}
	if truthWords[w] && (prev(1) == "be" && prev(2) == "would" || prev(1) == "the" && prev(2) == "be" && prev(3) == "would") {
		return true // "that would be true if emit scheduled listeners"
	}
	if pastPlaces[w] && pastAdjectives[prev(1)] && (prev(2) == "my" || prev(2) == "our") {
		return true // "at my first job we had SHA1": an anecdote about a past practice
	}
	if w == "used" && i+1 < len(t.toks) && t.toks[i+1].lower == "to" && pastPracticeSubjects[prev(1)] {
		return true // "we used to store passwords with MD5": a past practice
	}
	if fixVerbs[w] && (prev(1) == "we" || prev(1) == "i" || prev(1) == "they") && (prev(2) == "which" || prev(2) == "until" || prev(2) == "before") {
		return true // "the handler sent err.stack, which we fixed"
	}
	if jwtClaims[prev(1)] && (w == "claim" || w == "claims") {
		return false // "no exp claim": a field of a token, not a reported belief
	}
	if t.negRaising(i) {
		return false // "I don't think X" says not-X: see markNegRaising
	}
	if beliefVerbs[w] && (isNegator(prev(1)) || prev(1) == "not" || isNegator(prev(2))) && t.believerBefore(i) {
		return true // "don't assume listeners run in parallel"
	}
	if (w == "show" || w == "shows") && i+1 < len(t.toks) && t.toks[i+1].lower == "up" {
		return false // "failures show up as rejections" reports nothing
	}
	if certainWords[w] && (prev(1) == "was" || prev(1) == "were") {
		for k := 2; k <= 4; k++ {
			if firstPerson[prev(k)] || reporters[prev(k)] {
				return true // "she was sure X": a belief held, not asserted
			}
		}
	}
	if w == "say" && t.toks[i].brk && i+1 < len(t.toks) && strings.HasPrefix(strings.TrimSpace(t.src[t.toks[i].end:t.toks[i+1].start]), ",") {
		return false // "emitted too often - say, a 'data' event": "say," gives an example, nobody speaks
	}
	if (w == "hear" || w == "heard") && (prev(1) == "you" || prev(2) == "you" && adverbs[prev(1)]) {
		return true // "one thing you hear is that X", "you often hear X": what gets said, not the speaker's claim
	}
	if beliefParticiples[w] && prev(1) != "i'm" && prev(1) != "im" && prev(1) != "am" && t.narrated(i) {
		return true // "someone mutated the config thinking it was a fresh copy": a belief they held
	}
	if reportingVerbs[w] {
		for k := 1; k <= 3; k++ {
			p := prev(k)
			if firstPerson[p] {
				// "I think" hedges the speaker's own claim; "I thought",
				// "I used to believe" report an old one.
				if w == "seen" || w == "saw" {
					return t.seenReport(i)
				}
				return pastBelief[w]
			}
			if reporters[p] {
				// "not as bad as people say", "faster than people think"
				// compare with the belief; the sentence is the speaker's.
				return !t.comparedBelief(i - k)
			}
		}
		if prev(1) == "and" {
			// "People read 'memory leak' and assume the app is dying":
			// the belief's holder opens the sentence a few words back.
			for k := 4; k <= 9 && i-k >= 0; k++ {
				if strings.ContainsAny(t.src[t.toks[i-k].end:t.toks[i-k+1].start], ".;!?\n") {
					break
				}
				if practitioners[prev(k)] {
					return true
				}
			}
		}
	}
	return false
}

// demonstrativeSubject reports whether the "that" at token i opens its
// sentence as the subject of a verb in the third person ("...; that
// handles the error and stops it being thrown"): it points back like "it".
func (t *text) demonstrativeSubject(i int) bool {
	if i == 0 || i+1 >= len(t.toks) {
		return false
	}
	if end, _ := sentenceEnd(t.src[t.toks[i-1].end:t.toks[i].start], t.toks[i-1].lower, false); !end {
		return false
	}
	next := t.toks[i+1].lower
	return subjectVerbs[next] || len(next) > 3 && strings.HasSuffix(next, "s") && !strings.HasSuffix(next, "ss") && !strings.HasSuffix(next, "'s")
}

// comparedBelief reports whether the reporter at token r stands in a
// comparison ("than people think", "as bad as people say", "the way people
// fear"): the claim of its sentence is the speaker's own, measured against
// the belief.
func (t *text) comparedBelief(r int) bool {
	if r == 0 {
		return false
	}
	switch t.toks[r-1].lower {
	case "than":
		return true
	case "way":
		return r >= 2 && t.toks[r-2].lower == "the" // "don't block the loop the way people fear"
	case "as":
		for k := r - 3; k < r-1; k++ {
			if k >= 0 && t.toks[k].lower == "as" {
				return true
			}
		}
	}
	return false
}

// pastVerbAfter reports whether the word after token i is a verb in the
// past tense: "we originally respawned", "somebody once committed", but not
// "the others once they're forked", where "once" opens a clause.
func (t *text) pastVerbAfter(i int) bool {
	if i+1 >= len(t.toks) || scopeBreak(t.src[t.toks[i].end:t.toks[i+1].start]) {
		return false // the gap, not brk: mark asks before brk is set
	}
	w := t.toks[i+1].lower
	return pastIrregular[w] || len(w) > 4 && strings.HasSuffix(w, "ed")
}

// anecdoteOnce reports whether the "once" at token i tells a story rather
// than open a clause ("once they're forked") or mean "at the same time":
// someone did something once ("I once inherited", "a PM once asked", "I
// remember our lead once asking"). A story that only ends on "once" ("I
// looked at this once, it sends...") is left alone: it is as often a hedge.
func (t *text) anecdoteOnce(i int) bool {
	if i == 0 || t.toks[i].brk {
		return false
	}
	// The gap, not brk: mark asks before brk is set for the words after i.
	breakAfter := i+1 < len(t.toks) && scopeBreak(t.src[t.toks[i].end:t.toks[i+1].start])
	prev := t.toks[i-1].lower
	teller := prev == "i" || prev == "we" || prev == "colleague" || prev == "coworker" || practitioners[prev]
	if !teller && !t.toks[i-1].function && !t.toks[i-1].brk && i >= 2 {
		// "a PM once", "our lead once": a person named with an article or
		// a possessive.
		p2 := t.toks[i-2].lower
		teller = articles[p2] && p2 != "the" || p2 == "my" || p2 == "our"
	}
	return teller && (t.pastVerbAfter(i) || i+1 < len(t.toks) && !breakAfter && (t.toks[i+1].lower == "asking" || t.toks[i+1].lower == "telling" || t.toks[i+1].lower == "saying"))
}

// cleftDenial reports whether the "is" at token i completes a denying
// cleft: "What ESM does not have is require", "What cluster doesn't do is
// share memory". What follows it is what the subject lacks. A cleft of
// knowing ("what people don't realise is that X") asserts X instead, so
// only verbs of having and doing count, and never before "that".
func (t *text) cleftDenial(i int) bool {
	if i < 3 || i+1 >= len(t.toks) || t.toks[i+1].lower == "that" {
		return false
	}
	v := i - 1
	if w := t.toks[v].lower; w == "you" || w == "us" || w == "them" {
		v-- // "what cluster does not give you is"
	}
	if !cleftVerbs[t.toks[v].lower] {
		return false
	}
	for k := v - 1; k >= 0 && k >= i-8; k-- {
		if t.toks[k+1].brk {
			return false
		}
		if t.toks[k].lower != "what" {
			continue
		}
		if k > 0 && !t.toks[k].brk {
			if end, _ := sentenceEnd(t.src[t.toks[k-1].end:t.toks[k].start], t.toks[k-1].lower, false); !end {
				return false
			}
		}
		for j := k + 1; j < v; j++ {
			if isNegator(t.toks[j].lower) {
				return true
			}
		}
		return false
	}
	return false
}

// cleftVerbs say what something has or does in a denying cleft.
var cleftVerbs = map[string]bool{
	"have": true, "do": true, "give": true, "provide": true, "include": true, "support": true, "offer": true,
	"need": true, "share": true, "protect": true, "stop": true, "block": true, "cover": true, "handle": true,
	"fix": true, "solve": true, "prevent": true, "guarantee": true, "touch": true, "inject": true, "expose": true,
}

// pastIrregular are common verbs whose past tense does not end in "-ed".
var pastIrregular = map[string]bool{
	"had": true, "was": true, "were": true, "did": true, "ran": true, "kept": true, "made": true, "got": true,
	"went": true, "took": true, "put": true, "set": true, "let": true, "built": true, "wrote": true, "thought": true,
	"said": true, "told": true, "sent": true, "gave": true, "left": true, "lost": true, "found": true, "saw": true,
	"came": true, "broke": true, "brought": true, "caught": true, "spent": true, "shipped": true,
}

// getForms are the forms of "get" in "get it wrong".
var getForms = map[string]bool{"get": true, "gets": true, "got": true, "getting": true, "gotten": true}

// beliefParticiples describe a belief someone acted on: "thinking it was a
// copy", "assuming the port was free".
var beliefParticiples = map[string]bool{"thinking": true, "assuming": true, "believing": true}

// narrated reports whether the participle at token i follows, in its own
// sentence, a verb in the past or a subject other than the speaker now
// ("we once had someone mutate it thinking X", "he deleted the cache
// entry assuming X"), so that it tells what someone believed. "I'm
// thinking X" is the speaker's own hedged claim and is left alone.
func (t *text) narrated(i int) bool {
	for k := i - 1; k >= 0 && k >= i-10; k-- {
		if strings.ContainsAny(t.src[t.toks[k].end:t.toks[k+1].start], ".;!?\n") {
			return false
		}
		w := t.toks[k].lower
		if reporters[w] || practitioners[w] || w == "once" || len(w) > 3 && strings.HasSuffix(w, "ed") || pastBelief[w] || w == "had" || w == "was" || w == "were" {
			return true
		}
	}
	return false
}

// seenReport reports whether the "seen" or "saw" at token i, said by
// the speaker, reports what others say or do ("I've seen people claim X",
// "I've seen teams rely on CORS", "I've seen it in tutorials") or tells an
// anecdote ("I've seen the 'Unhandled error' trace in production"),
// rather than state what the speaker watched happen: "I've seen require
// load synchronously", "I have seen imports hoisted". Only a seen thing
// with a verb of its own (the proposition observed) is the speaker's
// claim; people, their code and writings, a pronoun or a quotation keep
// the sentence reported, as does a belief verb soon after.
func (t *text) seenReport(i int) bool {
	object := -1 // the first word of what was seen
	for k := i + 1; k < len(t.toks) && k <= i+6; k++ {
		tok := t.toks[k]
		gap := t.src[t.toks[k-1].end:tok.start]
		if tok.brk || strings.ContainsAny(gap, ".;!?\n\"“”`") {
			break
		}
		w := tok.lower
		if reportingVerbs[w] || beliefVerbs[w] {
			return true // "I've seen it claimed that", "I've seen devs assume"
		}
		if object < 0 && (articles[w] || adverbs[w] || w == "also") {
			continue
		}
		if object < 0 {
			if tok.pron && w != "each" || w == "that" || w == "those" || reporters[w] || practitioners[w] || seenHolders[w] || strings.HasPrefix(w, "codebase") {
				return true
			}
			object = k
			continue
		}
		if k <= object+3 && seenVerb(w) {
			return false // "seen require load synchronously"
		}
	}
	return true
}

// seenVerb reports whether w can be the verb of a thing seen: "load",
// "blocks", "get", "hoisted", "crashing".
func seenVerb(w string) bool {
	if subjectVerbs[w] || subjectVerbs[w+"s"] || subjectVerbs[w+"es"] || extraFunctionWords[w] && w != "like" && w != "also" && w != "instead" {
		return true
	}
	return len(w) > 4 && strings.HasSuffix(w, "ed") || gerund(w)
}

// seenHolders are the people, code and writings whose ideas "I've seen"
// reports.
var seenHolders = map[string]bool{
	"juniors": true, "seniors": true, "colleagues": true, "coworkers": true, "engineers": true, "setups": true,
	"code": true, "projects": true, "apps": true, "repos": true, "prs": true, "pr": true, "reviews": true,
	"advice": true, "confusion": true, "claims": true, "stories": true, "mistake": true, "mistakes": true,
	"interviews": true, "talks": true, "stackoverflow": true, "examples": true, "snippets": true,
}

// pastPracticeSubjects before "used to" make it a past habit ("we used to
// keep sessions in memory"), not a participle ("the key used to sign").
var pastPracticeSubjects = map[string]bool{
	"i": true, "we": true, "they": true, "you": true, "he": true, "she": true, "team": true, "company": true, "everyone": true,
}

// pastPlaces after "my first", "our old" open an anecdote about how things
// were done there.
var pastPlaces = map[string]bool{
	"job": true, "company": true, "employer": true, "team": true, "project": true, "gig": true, "startup": true, "place": true,
}

var pastAdjectives = map[string]bool{"first": true, "last": true, "old": true, "previous": true, "former": true}

// fixVerbs, after "which we" or "until we", close an anecdote about a
// mistake: what it describes was wrong.
var fixVerbs = map[string]bool{
	"fixed": true, "removed": true, "replaced": true, "changed": true, "dropped": true, "switched": true,
	"moved": true, "patched": true, "migrated": true, "learned": true, "learnt": true, "realized": true, "realised": true,
}

// ownViewNow open the speaker's present view after an anecdote: "we used
// to keep sessions in memory, now they live in Redis".
var ownViewNow = map[string]bool{"now": true, "nowadays": true, "today": true}

// markDistance spreads a distance marker over its sentence: the clauses
// before it and those after it up to the speaker's own "but" or "however".
// A short sentence that only rejects ("That's a myth.", "Not true.")
// rejects the sentence before it.
func (t *text) markDistance() {
	for ci := range t.clauses {
		c := t.clauses[ci]
		at := -1
		for i := c.from; i < c.to; i++ {
			if t.toks[i].distance {
				at = i
				break
			}
		}
		if at < 0 {
			continue
		}
		for cj := ci; cj >= 0 && t.clauses[cj].sentence == c.sentence; cj-- {
			t.clauses[cj].distance = true
		}
		for cj := ci + 1; cj < len(t.clauses) && t.clauses[cj].sentence == c.sentence; cj++ {
			if contrastOpeners[t.toks[t.clauses[cj].from].lower] || t.clauses[cj].afterColon {
				break
			}
			t.clauses[cj].distance = true
		}
		if c.sentence > 0 && t.shortVerdictLead(ci, at) {
			// "X. Not true: the cache lives as long as the process." The
			// verdict before the colon judges the sentence before it; the
			// speaker's own view follows the colon.
			for cj := ci - 1; cj >= 0 && t.clauses[cj].sentence == c.sentence-1; cj-- {
				t.clauses[cj].distance = true
			}
		}
		if c.sentence > 0 && t.sentenceLen(c.sentence) <= 6 && !t.headsWhatFollows(c.sentence) {
			for cj := ci - 1; cj >= 0 && t.clauses[cj].sentence >= c.sentence-1; cj-- {
				t.clauses[cj].distance = true
			}
		}
	}
	t.markNeither()
	t.markAnotherOne()
}

// shortVerdictLead reports whether clause ci opens its sentence with a
// verdict of a few words ("Not true:", "That's not the case:") whose
// marker at is a truth or wrong word, followed by the speaker's view after
// a colon. A label like "Myth:" heads the myth itself and is not one.
func (t *text) shortVerdictLead(ci, at int) bool {
	c := t.clauses[ci]
	if ci > 0 && t.clauses[ci-1].sentence == c.sentence || c.to-c.from > 4 {
		return false
	}
	if w := t.toks[at].lower; !truthWords[w] && !wrongWords[w] || w == "claim" || w == "idea" || w == "thing" || w == "case" && !t.negIn(c.from, at) {
		return false
	}
	return ci+1 < len(t.clauses) && t.clauses[ci+1].sentence == c.sentence && t.clauses[ci+1].afterColon
}

// headingPhrases in a short sentence about myths announce the myths to
// come ("Two myths I push back on.", "Myths to avoid.") rather than
// judge the sentence before.
var headingPhrases = [][]string{{"push", "back"}, {"i", "hear"}, {"to", "avoid"}, {"i", "correct"}, {"i", "often", "hear"}}

// headsWhatFollows reports whether sentence s is a heading for what
// follows: it ends in a colon ("Common myths:") or says it introduces
// ideas ("Two myths I push back on."). Such a sentence passes no verdict
// on the sentence before it.
func (t *text) headsWhatFollows(s int) bool {
	from, to := -1, -1
	for _, c := range t.clauses {
		if c.sentence == s {
			if from < 0 {
				from = c.from
			}
			to = c.to
		}
	}
	if from < 0 {
		return false
	}
	rest := t.src[t.toks[to-1].end:]
	if end := strings.IndexAny(rest, ".!?;\n"); end >= 0 {
		rest = rest[:end]
	}
	if strings.Contains(rest, ":") {
		return true
	}
	// "Two things people often get wrong.", "A few mistakes I see." count
	// the items to come.
	i := from
	if t.toks[i].lower == "a" && i+1 < to && (t.toks[i+1].lower == "few" || t.toks[i+1].lower == "couple") {
		i++
	}
	if countWords[t.toks[i].lower] {
		for k := i + 1; k < to && k <= i+3; k++ {
			if itemNouns[t.toks[k].lower] {
				return true
			}
		}
	}
	for i := from; i < to; i++ {
		for _, hp := range headingPhrases {
			if i+len(hp) > to {
				continue
			}
			ok := true
			for k, w := range hp {
				if t.toks[i+k].lower != w {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// countWords and itemNouns make a heading that counts what follows: "Two
// things people get wrong.", "A couple of myths."
var (
	countWords = map[string]bool{
		"two": true, "three": true, "four": true, "five": true, "2": true, "3": true, "4": true, "5": true,
		"few": true, "couple": true, "several": true, "some": true,
	}
	itemNouns = map[string]bool{
		"things": true, "myths": true, "mistakes": true, "misconceptions": true, "errors": true, "pitfalls": true,
		"traps": true, "gotchas": true, "misunderstandings": true, "points": true, "claims": true, "ideas": true, "beliefs": true,
	}
)

// headingDenials, negated in a heading ("What it doesn't do:", "What
// CORS does not protect against:"), make its bullet items things denied.
var headingDenials = map[string]bool{
	"do": true, "does": true, "protect": true, "protects": true, "cover": true, "covers": true, "handle": true,
	"handles": true, "stop": true, "stops": true, "prevent": true, "prevents": true, "block": true, "blocks": true,
	"fix": true, "fixes": true, "solve": true, "solves": true, "mean": true, "means": true, "help": true,
	"helps": true, "guarantee": true, "guarantees": true, "replace": true, "replaces": true, "buy": true, "buys": true,
}

// markHeadedLists carries a heading's verdict to the bullet list under it:
// after "Common myths:" or "What it doesn't do:" each "- ..." item is a
// myth or a thing denied, not the speaker's claim. The list ends at the
// first sentence that is not a bullet item.
func (t *text) markHeadedLists() {
	for ci := 0; ci < len(t.clauses); ci++ {
		c := t.clauses[ci]
		last := ci
		for last+1 < len(t.clauses) && t.clauses[last+1].sentence == c.sentence {
			last++
		}
		next := last + 1
		if next >= len(t.clauses) || !t.clauses[next].bullet || c.bullet {
			ci = last
			continue
		}
		end := t.clauses[last].to - 1
		gap := t.src[t.toks[end].end:t.endOf(end)]
		if !strings.Contains(gap, ":") || t.clauses[last].to-c.from > 12 {
			ci = last
			continue
		}
		myths, denied := false, false
		for cj := ci; cj <= last; cj++ {
			myths = myths || t.clauses[cj].distance
		}
		for i := c.from; i < t.clauses[last].to; i++ {
			if t.toks[i].neg {
				for k := i; k <= i+3 && k < t.clauses[last].to; k++ {
					denied = denied || headingDenials[t.toks[k].lower]
				}
			}
		}
		if myths || denied {
			// An item may go on with sentences of its own ("- block
			// anything on the server. A GET still runs."): those are the
			// speaker's, and the list goes on at the next bullet.
			for cj := next; cj < len(t.clauses); cj++ {
				cl := t.clauses[cj]
				if cl.bullet {
					t.clauses[cj].distance = true
					continue
				}
				if strings.ContainsRune(t.src[t.toks[cl.from-1].end:t.toks[cl.from].start], '\n') {
					break
				}
			}
		}
		ci = last
	}
}

// optionNouns after "the dangerous" name one of several options.
var optionNouns = map[string]bool{
	"one": true, "setting": true, "option": true, "choice": true, "part": true, "default": true,
	"mode": true, "config": true, "configuration": true, "case": true, "value": true, "way": true,
}

// believerBefore reports whether the negated belief verb at token i is an
// order or a person's ("Don't assume", "people never think"), not a
// thing's: "browsers don't guess MIME types" reports nothing.
func (t *text) believerBefore(i int) bool {
	k := i - 1
	for k >= 0 && (isNegator(t.toks[k].lower) || auxiliaries[t.toks[k].lower] || t.toks[k].lower == "not") {
		k--
	}
	if k < 0 {
		return true
	}
	if end, _ := sentenceEnd(t.src[t.toks[k].end:t.toks[k+1].start], t.toks[k].lower, false); end {
		return true
	}
	w := t.toks[k].lower
	return firstPerson[w] || reporters[w] || practitioners[w] || w == "you" || w == "please" || w == "so" || w == "and" || w == "but"
}

// negRaising reports whether token i is the belief verb of "I don't think
// (that) X", which an English speaker means as "I think not X".
func (t *text) negRaising(i int) bool {
	if !raisingVerbs[t.toks[i].lower] {
		return false
	}
	k := i - 1
	if k >= 0 && t.toks[k].lower == "really" {
		k--
	}
	switch {
	case k >= 1 && t.toks[k].lower == "not" && auxiliaries[t.toks[k-1].lower]:
		k -= 2 // "I do not think"
	case k >= 0 && isNegator(t.toks[k].lower) && t.toks[k].lower != "not" && t.toks[k].lower != "no":
		k-- // "I don't think"
	default:
		return false
	}
	return k >= 0 && firstPerson[t.toks[k].lower]
}

// raisingVerbs move a negation in front of them into the clause they
// introduce.
var raisingVerbs = map[string]bool{"think": true, "believe": true, "suppose": true, "expect": true, "reckon": true}

// markNegRaising marks the words of the claim after "I don't think" up to
// the next comma: the speaker denies that claim.
func (t *text) markNegRaising() {
	for i := range t.toks {
		if !t.negRaising(i) {
			continue
		}
		for j := i + 1; j < len(t.toks) && t.toks[j].clause == t.toks[i].clause; j++ {
			if j > i+1 && t.toks[j].brk {
				break
			}
			t.toks[j].negRaised = true
		}
	}
}

// markNeither reports the sentence before one that opens by rejecting it
// whole: "People assume X, or that Y. Neither: it's a warning...". A
// "Neither" that starts a claim of its own ("Neither of them shares
// memory") leaves the sentence before alone.
func (t *text) markNeither() {
	for ci, c := range t.clauses {
		if c.sentence == 0 || ci == 0 || t.clauses[ci-1].sentence == c.sentence {
			continue // only a sentence's first clause
		}
		i := c.from
		if w := t.toks[i].lower; w != "neither" && w != "nope" {
			continue
		}
		rejects := i+1 >= c.to || t.toks[i+1].brk || t.toks[i+1].comma
		if !rejects && i+2 < len(t.toks) && (t.toks[i+1].lower == "is" || t.toks[i+1].lower == "are") && truthWords[t.toks[i+2].lower] {
			rejects = true // "Neither is true."
		}
		if end, _ := sentenceEnd(t.src[t.toks[i].end:t.endOf(i)], t.toks[i].lower, false); end && i+1 < len(t.toks) {
			rejects = true // "Neither." on its own
		}
		if !rejects {
			continue
		}
		for cj := ci - 1; cj >= 0 && t.clauses[cj].sentence == c.sentence-1; cj-- {
			t.clauses[cj].distance = true
		}
	}
}

// endOf is the byte offset where the gap after token i ends.
func (t *text) endOf(i int) int {
	if i+1 < len(t.toks) {
		return t.toks[i+1].start
	}
	return len(t.src)
}

// markAnotherOne reports the next item of a list of myths: after "Common
// misunderstanding: that X", a sentence "Another one: that Y" names Y as
// a myth too. "Another tip: ..." or an answer that has rejected nothing
// yet is left alone.
func (t *text) markAnotherOne() {
	for ci, c := range t.clauses {
		if ci == 0 || t.clauses[ci-1].sentence == c.sentence || c.distance {
			continue
		}
		i := c.from
		if !t.distanceIn(0, i) {
			continue
		}
		if enumerators[t.toks[i].lower] && i+1 < len(t.toks) && t.toks[i+1].lower == "that" &&
			strings.ContainsAny(t.src[t.toks[i].end:t.toks[i+1].start], ",:") {
			// "Two things I hear that aren't true. One: that X. ... Two,
			// that Y": an item that only names a "that" clause cites the
			// belief the heading rejected.
			for cj := ci; cj < len(t.clauses) && t.clauses[cj].sentence == c.sentence; cj++ {
				if cj > ci && contrastOpeners[t.toks[t.clauses[cj].from].lower] {
					break
				}
				t.clauses[cj].distance = true
			}
			continue
		}
		j := i + 1
		switch {
		case t.toks[i].lower == "another":
		case t.toks[i].lower == "the" && i+1 < c.to && (t.toks[i+1].lower == "other" || ordinals[t.toks[i+1].lower]):
			j = i + 2 // "The other is that X", "The second one: X"
		case t.toks[i].lower == "one" && i+2 < c.to && t.toks[i+1].lower == "is" && t.toks[i+2].lower == "that":
			// "One is that X"
		default:
			continue
		}
		// "Another one", "Another common one", "Another outdated claim"
		for j < c.to && j <= i+3 && itemWords[t.toks[j].lower] {
			j++
		}
		colon := j < len(t.toks) && strings.ContainsRune(t.src[t.toks[j-1].end:t.toks[j].start], ':')
		isThat := j+1 < c.to && t.toks[j].lower == "is" && t.toks[j+1].lower == "that"
		// "Another one is treating setMaxListeners as the fix"
		isDoing := j+1 < c.to && t.toks[j].lower == "is" && gerund(t.toks[j+1].lower)
		if !colon && !isThat && !isDoing {
			continue
		}
		for cj := ci; cj < len(t.clauses) && t.clauses[cj].sentence == c.sentence; cj++ {
			if cj > ci && (contrastOpeners[t.toks[t.clauses[cj].from].lower] || t.clauses[cj].afterColon) {
				break
			}
			t.clauses[cj].distance = true
		}
	}
}

// enumerators open the items of a list: "One: that X", "Second, that Y".
var enumerators = map[string]bool{
	"one": true, "two": true, "three": true, "four": true, "first": true, "second": true, "third": true, "fourth": true,
	"firstly": true, "secondly": true, "thirdly": true, "1": true, "2": true, "3": true, "4": true, "also": true, "finally": true, "lastly": true,
}

// ordinals name a later item of a list: "The second one is that X".
var ordinals = map[string]bool{"second": true, "third": true, "fourth": true, "last": true, "next": true, "final": true}

// itemWords may stand between "Another" and the "is that" or colon of the
// next item in a list of myths ("Another thing:" opens a point of the
// speaker's own): "Another one", "Another common
// misconception", "Another outdated claim".
var itemWords = map[string]bool{
	"one": true, "common": true, "outdated": true, "old": true, "popular": true, "classic": true, "frequent": true,
	"widespread": true, "stale": true, "claim": true, "idea": true, "belief": true, "myth": true, "misconception": true,
	"mistake": true, "misunderstanding": true,
}

// goesOn reports whether the sentence from token i goes on with "but" or
// "also", as "not only X but also Y" does.
func (t *text) goesOn(i int) bool {
	for k := i; k < len(t.toks) && k < i+25; k++ {
		if k > i {
			if end, _ := sentenceEnd(t.src[t.toks[k-1].end:t.toks[k].start], t.toks[k-1].lower, false); end {
				return false
			}
		}
		if w := t.toks[k].lower; w == "but" || w == "also" || w == "too" || w == "well" {
			return true
		}
	}
	return false
}

// verdictBefore reports whether the words [from, to) before a colon pass
// a verdict ("that's wrong", "this is a myth") rather than name a topic
// ("Common misunderstanding", "Myth #2"): only after a verdict is what
// follows the colon the speaker's own view. A "that" after the colon
// reports the myth either way.
func (t *text) verdictBefore(from, to int) bool {
	if to < len(t.toks) && t.toks[to].lower == "that" {
		return false
	}
	for i := from; i < to; i++ {
		w := t.toks[i].lower
		if verdictVerbs[w] || strings.HasSuffix(w, "'s") || isNegator(w) {
			return true
		}
	}
	return false
}

// verdictVerbs pass a verdict in "that is wrong", "those were myths".
var verdictVerbs = map[string]bool{"is": true, "are": true, "was": true, "were": true, "thats": true, "its": true, "be": true, "sounds": true, "seems": true}

// denialSubjects open an elliptical denial: "It doesn't.", "They aren't".
var denialSubjects = map[string]bool{"it": true, "they": true, "that": true, "this": true, "which": true, "he": true, "she": true, "nope": true, "no": true}

// auxiliaries complete a denial with "not": "it does not", "they are not".
var auxiliaries = map[string]bool{
	"do": true, "does": true, "did": true, "is": true, "are": true, "was": true, "were": true,
	"will": true, "would": true, "can": true, "could": true, "has": true, "have": true, "should": true,
}

// denialEnd returns the index after an elliptical denial starting at
// token i ("it doesn't", "they are not really"), or -1 when none starts
// there or words follow it in the same stretch (then it denies those).
func (t *text) denialEnd(i int) int {
	if i >= len(t.toks) || !denialSubjects[t.toks[i].lower] || t.toks[i].lower == "no" || t.toks[i].lower == "nope" {
		return -1
	}
	j := i + 1
	switch {
	case j < len(t.toks) && isNegator(t.toks[j].lower) && t.toks[j].lower != "not" && t.toks[j].lower != "no":
		j++
	case j+1 < len(t.toks) && auxiliaries[t.toks[j].lower] && t.toks[j+1].lower == "not":
		j += 2
	default:
		return -1
	}
	for j < len(t.toks) && (t.toks[j].lower == "really" || t.toks[j].lower == "actually") {
		j++
	}
	if j < len(t.toks) && !t.toks[j].brk {
		if end, _ := sentenceEnd(t.src[t.toks[j-1].end:t.toks[j].start], t.toks[j-1].lower, false); !end {
			return -1
		}
	}
	return j
}

// markDenials finds elliptical denials, a pronoun and a negated auxiliary
// with nothing after them ("It doesn't.", "they aren't, each is a
// process", "No, it does not"), and treats the claim they deny as
// reported: in "assuming it checked the Origin. It doesn't." the speaker
// states the opposite of the first sentence.
func (t *text) markDenials() {
	for ci, c := range t.clauses {
		i := c.from
		for i < c.to && (contrastOpeners[t.toks[i].lower] || t.toks[i].lower == "no" || t.toks[i].lower == "and") {
			i++ // "but it doesn't", "No, it doesn't"
		}
		if i >= c.to || !denialSubjects[t.toks[i].lower] {
			continue
		}
		j := i + 1
		switch {
		case j < c.to && isNegator(t.toks[j].lower) && t.toks[j].lower != "not" && t.toks[j].lower != "no":
			j++ // "doesn't", typed "doesnt" too
		case j+1 < c.to && auxiliaries[t.toks[j].lower] && t.toks[j+1].lower == "not":
			j += 2 // "does not"
		default:
			continue
		}
		for j < c.to && (t.toks[j].lower == "really" || t.toks[j].lower == "actually" || t.toks[j].lower == "at" || t.toks[j].lower == "all") {
			j++
		}
		ended := j >= c.to || t.toks[j].brk || t.toks[j].comma
		if !ended {
			continue
		}
		// The denied claim: the clauses before this one in its sentence, or
		// the whole sentence before when the denial opens its own.
		target := c.sentence
		if ci == 0 || t.clauses[ci-1].sentence != c.sentence {
			target = c.sentence - 1
		}
		for cj := ci - 1; cj >= 0 && t.clauses[cj].sentence >= target; cj-- {
			if t.clauses[cj].sentence == target {
				t.clauses[cj].distance = true
			}
		}
	}
}

// practitioners open a sentence about what other people do: "People use
// one salt for every password, but..."
var practitioners = map[string]bool{
	"people": true, "teams": true, "devs": true, "developers": true, "folks": true, "beginners": true,
	"juniors": true, "candidates": true, "newcomers": true, "someone": true, "somebody": true, "others": true,
	"companies": true, "tutorials": true,
}

// lookParticles make "look" an action: "look at", "look for".
var lookParticles = map[string]bool{"at": true, "for": true, "into": true, "up": true, "after": true, "over": true, "through": true}

// quantifiers stand for people when a verb of practice follows: "some
// try", "many use" (not "some workers").
var quantifiers = map[string]bool{"some": true, "many": true, "most": true, "others": true, "lots": true}

// practices are what people do with a tool.
var practices = map[string]bool{
	"try": true, "use": true, "call": true, "put": true, "add": true, "write": true, "treat": true, "reach": true,
	"skip": true, "store": true, "rely": true, "keep": true, "set": true, "just": true, "still": true, "simply": true,
	"wrap": true, "raise": true, "bump": true, "delete": true, "run": true, "start": true, "make": true,
	"link": true, "tie": true, "picture": true, "confuse": true, "mix": true, "stretch": true, "blame": true, "equate": true,
	"read": true, "see": true, "view": true, "consider": true, "count": true, "expect": true,
}

// appearances say how something seems, not how it is: "looks cheap, but".
var appearances = map[string]bool{"looks": true, "look": true, "seems": true, "seem": true, "sounds": true, "appears": true, "tempting": true, "suggests": true}

// markContrasted reports the first half of a sentence that other people's
// practice or an appearance opens and the speaker's "but" answers:
// "People hard-code the secret, but anyone with the repo can then mint
// tokens", "A worker per request looks cheap but isn't".
func (t *text) markContrasted() {
	for ci, c := range t.clauses {
		if ci > 0 && t.clauses[ci-1].sentence == c.sentence {
			continue // only a sentence's first clause
		}
		reported := false
		for i := c.from; i < min(c.to, c.from+4); i++ {
			// "A lot of people picture listeners running in parallel, but"
			reported = reported || practitioners[t.toks[i].lower] && (i < c.from+2 || t.toks[i-1].lower == "of" || t.toks[i-1].lower == "many" || t.toks[i-1].lower == "most")
		}
		for i := c.from; i < min(c.to, c.from+2); i++ {
			// "Some try to reload ES modules by deleting the cache, but":
			// a quantifier with a verb after it stands for people.
			reported = reported || quantifiers[t.toks[i].lower] && i+1 < c.to && practices[t.toks[i+1].lower]
		}
		for i := c.from; i < c.to; i++ {
			// "I look at exitedAfterDisconnect" is an action, not an appearance.
			action := i+1 < c.to && lookParticles[t.toks[i+1].lower]
			reported = reported || appearances[t.toks[i].lower] && !action
			// "errorMonitor is often taken for a handler, but", "the
			// warning gets read as proof of a leak, but"
			if i+1 < c.to && (t.toks[i].lower == "taken" && t.toks[i+1].lower == "for" || t.toks[i].lower == "read" && t.toks[i+1].lower == "as" && i > c.from && (t.toks[i-1].lower == "gets" || t.toks[i-1].lower == "is" || t.toks[i-1].lower == "often")) {
				reported = true
			}
		}
		if !reported {
			continue
		}
		answered := -1
		for cj := ci + 1; cj < len(t.clauses) && t.clauses[cj].sentence == c.sentence; cj++ {
			if w := t.toks[t.clauses[cj].from].lower; w == "but" || w == "however" || w == "yet" {
				answered = cj
				break
			}
		}
		for cj := ci; answered > 0 && cj < answered; cj++ {
			t.clauses[cj].distance = true
		}
	}
}

// markDeniedReasons reports the reason a negated verb denies: in "the
// port sharing isn't because workers are threads" the speaker does not
// say that workers are threads.
func (t *text) markDeniedReasons() {
	for ci := 1; ci < len(t.clauses); ci++ {
		c, prev := t.clauses[ci], t.clauses[ci-1]
		if prev.sentence != c.sentence || t.toks[c.from].lower != "because" {
			continue
		}
		last := prev.to - 1
		for last > prev.from && adverbs[t.toks[last].lower] {
			last-- // "isn't really because"
		}
		if w := t.toks[last].lower; isNegator(w) && w != "no" && w != "without" {
			t.clauses[ci].distance = true
		}
	}
}

// sentenceLen counts the words of sentence s.
func (t *text) sentenceLen(s int) int {
	n := 0
	for _, c := range t.clauses {
		if c.sentence == s {
			n += c.to - c.from
		}
	}
	return n
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
		if c == '.' && strings.HasPrefix(gap[i:], "...") && strings.HasPrefix(strings.TrimLeft(gap[i+3:], " "), ")") {
			i += 2
			continue // "(3000, 3001...) and shares memory": an ellipsis closing a bracket ends a list, not the sentence
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
