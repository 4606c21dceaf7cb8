package grade_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/quiz/grade"
)

// A small rubric of its own, so these tests pin the grader's rules and not
// the bank's wording.
var testRubric = grade.Rubric{
	Subjects: map[string][]string{
		"cjs":    {"require", "commonjs"},
		"esm":    {"import", "esm", "es module"},
		"worker": {"worker", "worker process"},
	},
	Target: 8,
	Concepts: []grade.Concept{
		{ID: "require-cjs", Label: "require is CommonJS", Weight: 2, Subject: "cjs", Says: []string{"commonjs"}},
		{ID: "require-sync", Label: "require is synchronous", Weight: 2, Subject: "cjs", Says: []string{"@sync"}, Negated: "require-async"},
		{ID: "import-static", Label: "import is static", Weight: 2, Subject: "esm", Says: []string{"static", "hoist"}},
		{ID: "separate", Label: "workers have their own memory", Weight: 2, Subject: "worker", Says: []string{"own memory", "separate process"}},
		{ID: "bonus", Label: "tree-shaking", Weight: 1, Says: []string{"tree shaking"}},
	},
	Misconceptions: []grade.Misconception{
		{ID: "require-async", Claim: "require is asynchronous", Correction: "it is synchronous", Subject: "cjs", Says: []string{"asynchronous", "returns a promise"}, Opposite: "require-sync", Penalty: 20},
		{ID: "import-cjs", Claim: "import is CommonJS", Correction: "import is ESM", Subject: "esm", Says: []string{"is commonjs"}},
		{ID: "share-memory", Claim: "workers share memory", Correction: "each has its own", Subject: "worker", Says: []string{"share memory"}, Opposite: "separate"},
	},
}

var testLexicon = grade.Lexicon{
	Synonyms: map[string]string{"sync": "synchronous", "async": "asynchronous"},
	Terms:    map[string][]string{"sync": {"synchronous", "block"}},
}

func compile(t testing.TB) *grade.Grader {
	t.Helper()
	g, err := grade.Compile(testRubric, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func covered(r grade.Result) []string {
	return ids(r.Covered, func(c grade.ConceptHit) string { return c.ID })
}

func mistakes(r grade.Result) []string {
	return ids(r.Misconceptions, func(m grade.MisconceptionHit) string { return m.ID })
}

func TestSubjectAndClaimMustMeet(t *testing.T) {
	g := compile(t)
	cases := []struct {
		answer        string
		want, notWant []string
		mistakes      []string
	}{
		{"require is CommonJS and synchronous.", []string{"require-cjs", "require-sync"}, nil, nil},
		// The swapped claim credits nothing to require.
		{"import is CommonJS and synchronous.", nil, []string{"require-cjs", "require-sync"}, []string{"import-cjs"}},
		{"Unlike import, require is synchronous.", []string{"require-sync"}, []string{"import-static"}, nil},
		{"require, unlike import, is sync.", []string{"require-sync"}, nil, nil},
		{"ESM is static while require blocks.", []string{"import-static", "require-sync"}, nil, nil},
		{"require is CommonJS. It is synchronous.", []string{"require-sync"}, nil, nil},
		{"Imports are hoisted; require is not.", []string{"import-static"}, []string{"require-sync"}, nil},
		{"Each worker process has its own memory.", []string{"separate"}, nil, nil},
		// A question asks; it does not claim.
		{"Is require synchronous?", nil, []string{"require-sync"}, nil},
		{"Synchronous.", nil, []string{"require-sync"}, nil},
		// A short sentence is still a sentence, not a keyword list.
		{"Workers share memory.", nil, []string{"separate"}, []string{"share-memory"}},
	}
	for _, c := range cases {
		r := g.Grade(c.answer)
		for _, id := range c.want {
			if !slices.Contains(covered(r), id) {
				t.Errorf("%q: %s not covered (covered %v)", c.answer, id, covered(r))
			}
		}
		for _, id := range c.notWant {
			if slices.Contains(covered(r), id) {
				t.Errorf("%q: %s covered, but the answer does not say it", c.answer, id)
			}
		}
		if !slices.Equal(mistakes(r), append([]string{}, c.mistakes...)) {
			t.Errorf("%q: misconceptions %v, want %v", c.answer, mistakes(r), c.mistakes)
		}
	}
}

func TestNegations(t *testing.T) {
	g := compile(t)
	for _, answer := range []string{
		"require is not synchronous.",
		"require isn't synchronous.",
		"require isnt sync.",
		"require is never synchronous.",
		"require doesn't block.",
		"require does not block the code after it.",
		"require is non-blocking.",
		"require is asynchronous.",
		"require returns a promise.",
	} {
		r := g.Grade(answer)
		if slices.Contains(covered(r), "require-sync") {
			t.Errorf("%q earns require-sync", answer)
		}
		if !slices.Contains(mistakes(r), "require-async") {
			t.Errorf("%q: require-async not flagged (got %v)", answer, mistakes(r))
		}
	}
	// Denying a misconception earns its opposite.
	for _, answer := range []string{
		"require is not asynchronous.",
		"require never returns a promise.",
		"Workers do not share memory.",
		"Workers don't actually share memory, so use Redis.",
		"require is synchronous, not asynchronous.",
		"require is synchronous rather than asynchronous.",
	} {
		r := g.Grade(answer)
		if len(r.Misconceptions) > 0 {
			t.Errorf("%q: flagged %v", answer, mistakes(r))
		}
		if len(r.Covered) == 0 {
			t.Errorf("%q: the denial of a misconception earns nothing", answer)
		}
	}
	// Negations that are about something else.
	for answer, want := range map[string]string{
		"Not only is require synchronous, it also caches.": "require-sync",
		"No, require is synchronous.":                      "require-sync",
		"If nobody waits, require still blocks.":           "require-sync",
		"require is not ESM, it is synchronous.":           "require-sync",
	} {
		if r := g.Grade(answer); !slices.Contains(covered(r), want) || len(r.Misconceptions) > 0 {
			t.Errorf("%q: covered %v misconceptions %v", answer, covered(r), mistakes(r))
		}
	}
	// Reported errors are not the learner's own.
	if r := g.Grade("A common myth is that workers share memory."); len(r.Misconceptions) > 0 {
		t.Errorf("a myth being named is flagged: %v", mistakes(r))
	}
}

func TestSpansPointAtTheLearnersWords(t *testing.T) {
	g := compile(t)
	answer := "In short: require is synchronous. import is CommonJS!"
	r := g.Grade(answer)
	text := func(spans []grade.Span) []string {
		var out []string
		for _, s := range spans {
			out = append(out, answer[s.Start:s.End])
		}
		return out
	}
	if len(r.Covered) != 1 || !slices.Equal(text(r.Covered[0].Spans), []string{"require", "synchronous"}) {
		t.Errorf("covered spans: %+v", r.Covered)
	}
	if len(r.Misconceptions) != 1 || !slices.Equal(text(r.Misconceptions[0].Spans), []string{"import", "is CommonJS"}) {
		t.Errorf("misconception spans: %+v", r.Misconceptions)
	}
	if r.Misconceptions[0].Correction == "" || r.Misconceptions[0].Claim == "" {
		t.Error("misconception without claim or correction")
	}
}

func TestScoreAndVerdict(t *testing.T) {
	g := compile(t)
	const full1 = "In Node, require is the CommonJS loader and it is synchronous: the code after the call waits until the module has run. "
	const full2 = "An import declaration is static, so the graph is known before any code runs. Each worker has its own memory, so nothing is shared."
	full := g.Grade(full1 + full2)
	if full.Score != 100 || full.Verdict != grade.Strong || len(full.Missing) != 1 {
		t.Errorf("full answer: %d %s missing %v", full.Score, full.Verdict, full.Missing)
	}
	// Dense is fine: a strong answer may be short.
	terse := g.Grade("require is CommonJS and synchronous; import is static; each worker has its own memory.")
	if terse.Verdict != grade.Strong {
		t.Errorf("terse answer: %d %s %v", terse.Score, terse.Verdict, terse.Notices)
	}
	half := g.Grade("require is CommonJS and synchronous.")
	if half.Score != 50 || half.Verdict != grade.Partial {
		t.Errorf("half answer: %d %s", half.Score, half.Verdict)
	}
	for score, want := range map[int]grade.Verdict{0: grade.Weak, 39: grade.Weak, 40: grade.Partial, 74: grade.Partial, 75: grade.Strong, 100: grade.Strong} {
		if got := grade.VerdictFor(score); got != want {
			t.Errorf("VerdictFor(%d) = %s, want %s", score, got, want)
		}
	}
}

// A rubric with central points: a strong answer states both, and one of
// them stated makes an answer partial however short.
var centralRubric = grade.Rubric{
	Subjects: testRubric.Subjects,
	Target:   10,
	Concepts: []grade.Concept{
		{ID: "sync", Label: "require is synchronous", Weight: 3, Central: true, Subject: "cjs", Says: []string{"@sync"}},
		{ID: "static", Label: "import is static", Weight: 3, Central: true, Subject: "esm", Says: []string{"static"}},
		{ID: "cjs", Label: "require is CommonJS", Weight: 2, Subject: "cjs", Says: []string{"commonjs"}},
		{ID: "esm", Label: "import is ESM", Weight: 2, Subject: "esm", Says: []string{"es module"}},
		{ID: "memory", Label: "workers have their own memory", Weight: 2, Subject: "worker", Says: []string{"own memory"}},
	},
	Misconceptions: []grade.Misconception{
		{ID: "require-async", Claim: "require is asynchronous", Correction: "it is synchronous", Subject: "cjs", Says: []string{"asynchronous"}, Penalty: 10},
		{ID: "share-memory", Claim: "workers share memory", Correction: "each has its own", Subject: "worker", Says: []string{"share memory"}, Penalty: 10},
	},
}

func TestCentralPoints(t *testing.T) {
	g, err := grade.Compile(centralRubric, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	// Everything but one central point: capped at partial, and told why.
	r := g.Grade("require is CommonJS and synchronous. import is an ES module. Each worker has its own memory.")
	if r.Verdict != grade.Partial || r.Score != 74 || !strings.Contains(strings.Join(r.Notices, " "), "import is static") {
		t.Errorf("missing a central point: %d %s %v", r.Score, r.Verdict, r.Notices)
	}
	// One central point alone is thin but right: partial.
	if r := g.Grade("require is synchronous."); r.Verdict != grade.Partial || r.Score != 40 {
		t.Errorf("one central point: %d %s", r.Score, r.Verdict)
	}
	// Only peripheral points: weak.
	if r := g.Grade("Each worker has its own memory."); r.Verdict != grade.Weak {
		t.Errorf("no central point: %d %s", r.Score, r.Verdict)
	}
	// A misconception takes points and caps at partial.
	all := "require is CommonJS and synchronous. import is a static ES module. Each worker has its own memory."
	if r := g.Grade(all); r.Verdict != grade.Strong {
		t.Fatalf("complete answer: %d %s", r.Score, r.Verdict)
	}
	one := g.Grade(all + " Workers share memory though.")
	if one.Verdict != grade.Partial || one.Score > 74 {
		t.Errorf("one misconception: %d %s", one.Score, one.Verdict)
	}
	// Two make a thin answer weak; an answer that says everything else
	// is a solid one with two mistakes: partial, never strong.
	two := g.Grade("import is a static ES module. Workers share memory though. And require is asynchronous.")
	if two.Verdict != grade.Weak || len(two.Misconceptions) != 2 {
		t.Errorf("two misconceptions in a thin answer: %d %s %v", two.Score, two.Verdict, mistakes(two))
	}
	solid := g.Grade(all + " Workers share memory though. And require is asynchronous.")
	if solid.Verdict != grade.Partial || len(solid.Misconceptions) != 2 {
		t.Errorf("two misconceptions in a complete answer: %d %s %v", solid.Score, solid.Verdict, mistakes(solid))
	}
	c := centralRubric
	c.StrongNeeds = 3
	if _, err := grade.Compile(c, testLexicon); err == nil || !strings.Contains(err.Error(), "strong_needs") {
		t.Errorf("strong_needs above the central count: %v", err)
	}
}

func TestKeywordListsEarnLittle(t *testing.T) {
	g := compile(t)
	for _, salad := range []string{
		"require commonjs sync import esm static hoisted worker own memory separate process tree shaking",
		"require, CommonJS, synchronous, blocking; import, ESM, static, hoisted; worker, own memory",
		"- require\n- CommonJS\n- sync\n- import\n- ESM\n- static\n- worker\n- own memory",
	} {
		r := g.Grade(salad)
		if r.Verdict != grade.Weak || !r.ListLike {
			t.Errorf("keyword list graded %d %s (list-like %v): %q", r.Score, r.Verdict, r.ListLike, salad)
		}
		if len(r.Misconceptions) > 0 {
			t.Errorf("a keyword list makes no claims, but got %v", mistakes(r))
		}
		for _, c := range r.Covered {
			if c.Credit > 0.25 {
				t.Errorf("%q: %s named in a list earns %.2f", salad, c.ID, c.Credit)
			}
		}
	}
	// Padding a list with filler does not turn it into an explanation.
	padded := g.Grade("Honestly, good question. require commonjs sync import esm static hoisted worker own memory separate process tree shaking")
	if padded.Verdict != grade.Weak {
		t.Errorf("padded list: %d %s", padded.Score, padded.Verdict)
	}
	// A terse list of practices, each with its verb, is a set of claims.
	if r := g.Grade("Hoisted imports, blocked requires, separated processes, owned memory, cached modules."); r.ListLike {
		t.Errorf("a list of practices reads as a keyword list")
	}
}

// A rubric for the word and scope rules below.
var scopeRubric = grade.Rubric{
	Subjects: map[string][]string{
		"emit":   {"emit!", "emit()", ".emit"},
		"helmet": {"helmet"},
		"js":     {"javascript", "js"},
		"cjs":    {"require", "commonjs"},
		"esm":    {"import", "esm", "es module"},
		"cache":  {"module.exports"},
		"other":  {"conditional exports"},
	},
	Concepts: []grade.Concept{
		{ID: "once", Label: "once registers a one-shot listener", Weight: 1, Says: []string{"once"}},
		{ID: "one-thread", Label: "JavaScript runs on one thread", Weight: 1, Subject: "js", Says: []string{"one thread", "js"}},
		{ID: "exports", Label: "ESM exports", Weight: 1, Subject: "esm", Says: []string{"export"}},
		{ID: "primary", Label: "isPrimary", Weight: 1, Says: []string{"isPrimary"}},
		{ID: "runs", Label: "the file runs", Weight: 1, Says: []string{"runs the file"}},
		{ID: "headers", Label: "helmet sets headers", Weight: 1, Subject: "helmet", Says: []string{"headers"}},
		{ID: "static", Label: "import is static", Weight: 1, Subject: "esm", Says: []string{"static"}},
	},
	Misconceptions: []grade.Misconception{
		{ID: "helmet-sanitizes", Claim: "helmet sanitises input", Correction: "it sets headers", Subject: "helmet", Says: []string{"sql injection", "sanitizes"}, Opposite: "headers"},
		{ID: "reruns", Claim: "require re-runs the file", Correction: "it is cached", Subject: "cjs", Says: []string{"re-runs the file", "runs again"}, Unless: []string{"delete"}},
		{ID: "import-conditional", Claim: "import can be conditional", Correction: "use import()", Subject: "esm", Says: []string{"conditional"}},
		{ID: "emit-async", Claim: "emit is asynchronous", Correction: "it is synchronous", Subject: "emit", Says: []string{"asynchronously!", "is asynchronous"}},
		{ID: "import-is-cjs", Claim: "import is CommonJS", Correction: "it is ESM", Subject: "esm", Says: []string{"is commonjs"}},
		{ID: "browser-async", Claim: "import is async in the browser", Correction: "static everywhere", Subject: "esm", Says: []string{"browser ... asynchronous"}, Overrides: []string{"import-async"}},
		{ID: "import-async", Claim: "import is asynchronous", Correction: "static", Subject: "esm", Says: []string{"asynchronous"}, Opposite: "static"},
		{ID: "pool-js", Claim: "a bigger pool runs JavaScript in parallel", Correction: "the pool runs I/O", Says: []string{"raise ... pool ... javascript ... parallel", "raise ... pool so ... javascript ... parallel", "raise ... pool ... because ... javascript ... parallel"}},
	},
}

func TestWordsAndNames(t *testing.T) {
	g, err := grade.Compile(scopeRubric, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	for answer, notCovered := range map[string]string{
		"Node handles many things at once.":               "once",
		"Our entry point is app.js.":                      "one-thread",
		"require returns module.exports.":                 "exports",
		"Each call re-runs the file from disk.":           "runs",
		"Packages use conditional exports for ESM files.": "exports",
	} {
		if r := g.Grade(answer); slices.Contains(covered(r), notCovered) {
			t.Errorf("%q earns %s by accident", answer, notCovered)
		}
	}
	for answer, want := range map[string]string{
		"Use emitter.once('x', fn) for a one-shot listener.": "once",
		"JavaScript runs on one thread.":                     "one-thread",
		"ESM can export several names.":                      "exports",
		"In a worker cluster.isPrimary is false.":            "primary",
		"The first require runs the file.":                   "runs",
	} {
		if r := g.Grade(answer); !slices.Contains(covered(r), want) {
			t.Errorf("%q does not earn %s (covered %v)", answer, want, covered(r))
		}
	}
	// A name is said of what comes before it, never of what follows.
	if r := g.Grade("Packages can ship conditional exports, and ESM loads them."); len(r.Misconceptions) > 0 {
		t.Errorf("conditional exports flagged: %v", mistakes(r))
	}
	if r := g.Grade("Every .js file here is CommonJS, and ESM uses import."); len(r.Misconceptions) > 0 {
		t.Errorf("a claim about a file is read as a claim about import: %v", mistakes(r))
	}
	// "asynchronously!" matches that very word, not "async".
	if r := g.Grade("emit calls an async listener like any other function."); len(r.Misconceptions) > 0 {
		t.Errorf("an async listener flags %v", mistakes(r))
	}
	if r := g.Grade("emit calls the listeners asynchronously."); !slices.Contains(mistakes(r), "emit-async") {
		t.Errorf("emit-async not flagged: %v", mistakes(r))
	}
}

func TestNegationAndRefutationScope(t *testing.T) {
	g, err := grade.Compile(scopeRubric, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	for _, answer := range []string{
		"helmet does nothing for SQL injection.",
		"helmet doesn't do anything about SQL injection; it sets headers.",
		"It's a myth that helmet sanitizes the body.",
		"People think helmet sanitizes input, but it only sets headers.",
		"\"helmet sanitizes the request body\" is a common mistake.",
		"helmet sanitizes input? No, that's wrong: it sets headers.",
		"That would be true if helmet sanitized the body; it does not.",
		"Deleting the cache entry makes require run the file again.",
		// A claim denied by the next sentence, or shown after a label.
		"helmet sanitizes the request body. It doesn't.",
		"Another one: helmet sanitizes input; it doesn't, it only sets headers.",
		"Common misunderstanding: that helmet sanitizes the request body. It does not.",
		"```js\n// helmet sanitizes input   // wrong\n```",
		// Other people's practice or an appearance, answered by "but".
		"People assume helmet sanitizes input, but it only sets headers.",
		"Teams use helmet to sanitize input, but it never touches the body.",
		"helmet looks like it sanitizes input, but it only sets headers.",
		// A verdict with an article, "get wrong", a denial mid-sentence,
		// a denied reason, a "not just" with nothing after it.
		"Relying on helmet to sanitize input is a mistake; it sets headers.",
		"What people get wrong is that helmet sanitizes input.",
		"people assume helmet sanitizes input, it doesn't, it sets headers",
		"Headers appear, and that isn't because helmet sanitizes input.",
		"emit is not just asynchronously scheduled, it runs the listeners now.",
		"Older docs say import is CommonJS, but it is ESM.",
		"I'd raise the pool size. The JavaScript never runs in parallel.",
		"raise the pool: JavaScript in parallel? no",
		"I'd raise the pool size, but the JavaScript runs in parallel only in workers.",
		// The belief's holder a few words back, a whole sentence rejected
		// by the next, and the next item of a list of myths.
		"People read the docs and assume helmet sanitizes input.",
		"helmet sanitizes input, or import is CommonJS. Neither: helmet sets headers.",
		"Helmet sanitizes input? Neither is true of helmet.",
		"Common misunderstanding: that import is CommonJS. Another one: that helmet sanitizes input.",
		// Anecdotes of a past mistake.
		"We used to rely on helmet to sanitize input, now we validate with a schema.",
		"At my last job helmet sanitized input, which we fixed.",
		"I don't think helmet sanitizes input; it sets headers.",
		"I do not believe import is CommonJS.",
		// Verdicts on a claim that denies something itself, and idioms.
		"Saying helmet sanitizes nothing is wrong, and saying helmet sanitizes input is unsafe too.",
		"Trusting helmet to sanitize input doesn't cut it; validate the body.",
		// A verdict of the platform.
		"Relying on helmet to sanitize input is deprecated advice; validate with a schema.",
		"helmet sets headers. Another mistake: thinking helmet sanitizes input.",
		// A mix-up, a hope, what some people do.
		"It's a common mix-up to think import is CommonJS; it is ESM.",
		"helmet gets confused with a sanitizer, but it only sets headers.",
		"You'd hope helmet sanitizes input, but it only sets headers.",
		"Some try to make helmet sanitize input, but it only sets headers.",
		// A heading's verdict reaches the bullet list under it.
		"Common myths:\n- helmet sanitizes input\n- import is CommonJS",
		"helmet sets headers. What it doesn't do:\n- sanitize input\n- validate the body",
		"Common myths:\n- import is CommonJS. It is ESM.\n- helmet sanitizes input",
		"People say import is static in Node but asynchronous in the browser. A false contrast.",
		"helmet sets the headers, while the body is sanitized by a validator.",
		// An indirect question claims nothing; what people do is reported.
		"I'm not sure whether helmet sanitizes input or only sets headers.",
		"A lot of people treat helmet as sanitizing input, but it only sets headers.",
		"A lot of people picture helmet sanitizing input, but it only sets headers.",
		"Some link helmet to sanitizing input, but it only sets headers.",
		// A subject's name inside a longer hyphenated name is not the subject.
		"The require-in-the-middle hook runs again for every module it patches.",
		"helmet is often taken for something that sanitizes input, but it sets headers.",
		// A claim whose own verb has nothing for object; an anecdote; the
		// next myth of a list, told as what people do.
		"helmet sanitizes nothing, it sets headers.",
		"At my first job helmet sanitized input for us; today a schema validates it.",
		"A common mistake is believing import is CommonJS. Another one is thinking helmet sanitizes input.",
	} {
		if r := g.Grade(answer); len(r.Misconceptions) > 0 {
			t.Errorf("%q is right but flags %v", answer, mistakes(r))
		}
	}
	// After a denial the speaker speaks for themself again.
	if r := g.Grade("people assume helmet sanitizes input, it doesn't, and import is static"); !slices.Contains(covered(r), "static") {
		t.Errorf("the claim after a denial is not credited: %v", covered(r))
	}
	// Rejecting the myth states the concept it gets wrong.
	if r := g.Grade("It's a myth that helmet sanitizes the body."); !slices.Contains(covered(r), "headers") {
		t.Errorf("a refuted myth does not earn its opposite: %v", covered(r))
	}
	// Only the speaker's own claims count, hedged or not.
	for answer, want := range map[string]string{
		"I think helmet sanitizes the body.":                          "helmet-sanitizes",
		"People say it's fine, but helmet sanitizes input, trust me.": "helmet-sanitizes",
		"In the browser, import is asynchronous.":                     "browser-async",
		"require runs again on every call.":                           "reruns",
		// A denial only reaches the claim it follows.
		"helmet sanitizes input. It doesn't hurt to add it anyway.": "helmet-sanitizes",
		"helmet sanitizes the body. Is that enough? It isn't.":      "helmet-sanitizes",
		"Some say little, but helmet sanitizes the body.":           "helmet-sanitizes",
		// "the risky setting" names an option; ", done" ends a terse claim.
		"helmet sanitizes input, which is the risky setting.": "helmet-sanitizes",
		"- helmet sanitizes input, done":                      "helmet-sanitizes",
		// Every verb of a "which" clause is said of what it follows.
		"We added helmet, which sets the headers and also sanitizes input that require loads.": "helmet-sanitizes",
		// A thing does not hold beliefs.
		"helmet sanitizes input. Browsers don't guess MIME types.": "helmet-sanitizes",
		// "I don't think X" denies X.
		"I don't think helmet sets headers, it sanitizes input.": "helmet-sanitizes",
		// Not a rejection, not a list of myths.
		"I checked it all and assume helmet sanitizes input.":                  "helmet-sanitizes",
		"import is ESM. Neither of them matters here: helmet sanitizes input.": "helmet-sanitizes",
		"Another tip: helmet sanitizes input.":                                 "helmet-sanitizes",
		"Nothing is wrong with it: helmet sanitizes input.":                    "helmet-sanitizes",
		// A participle, not a habit; and what comes after "now" is meant.
		"The middleware used to sanitize input is helmet; helmet sanitizes input.":    "helmet-sanitizes",
		"We used to validate by hand, now helmet sanitizes input for us.":             "helmet-sanitizes",
		"It's a myth that import is CommonJS. Another thing: helmet sanitizes input.": "helmet-sanitizes",
		"Some workers crash, but helmet sanitizes input.":                             "helmet-sanitizes",
		"They call helmet, and helmet sanitizes input.":                               "helmet-sanitizes",
		// A phrase that names "so" goes on into the clause it opens.
		"I'd raise the pool size so the JavaScript runs in parallel.": "pool-js",
		// Looking at something is not looking like something; a terse
		// note with a verb is a claim, not a list of names.
		"I look at the docs: helmet sanitizes input, but I add a validator.": "helmet-sanitizes",
		"- helmet sanitizes JSON request bodies":                             "helmet-sanitizes",
		// A phrase that names "so" or "because" goes on into the clause
		// it opens; a hedge is still the speaker's claim.
		"Raise the pool so that the JavaScript can run in parallel.":    "pool-js",
		"We raise the pool, because then the JavaScript runs parallel.": "pool-js",
		"If I'm not mistaken, helmet sanitizes input.":                  "helmet-sanitizes",
		// An arrow in a terse note links cause and effect.
		"- raise pool -> JavaScript in parallel": "pool-js",
		// So does a colon after a name, even with a comma list after it:
		// the note says what the name does.
		"- helmet: sql injection, xss": "helmet-sanitizes",
		// A series of verbs keeps its subject across the commas.
		"helmet sets headers for JavaScript, sanitizes the body, and forces HTTPS.": "helmet-sanitizes",
		// A "but" clause that is only a predicate says it of the subject
		// before.
		"import is static in Node but asynchronous in the browser.": "import-async",
		// A "whether" clause that is a sentence's subject is claimed about.
		"Whether or not you add a validator helmet sanitizes input.": "helmet-sanitizes",
		// So is one set off by a comma: "either way".
		"It protects the app, whether helmet sanitizes input or the ORM escapes it.": "helmet-sanitizes",
		// "not from X" is said of the origin, not of the claim.
		"Every emit not from the main module is asynchronous.": "emit-async",
		// Only a heading that rejects or denies makes its list a list of
		// myths, and only the bullets right under it.
		"What helmet does:\n- helmet sanitizes input":                    "helmet-sanitizes",
		"Common myths:\n- import is CommonJS\n\nhelmet sanitizes input.": "helmet-sanitizes",
		"What it doesn't do: validate. Notes:\n- helmet sanitizes input": "helmet-sanitizes",
	} {
		if r := g.Grade(answer); !slices.Contains(mistakes(r), want) {
			t.Errorf("%q: %s not flagged (got %v)", answer, want, mistakes(r))
		}
	}
	// A more specific misconception overrides the one it contains.
	if r := g.Grade("In the browser, import is asynchronous."); slices.Contains(mistakes(r), "import-async") {
		t.Errorf("overridden misconception still reported: %v", mistakes(r))
	}
}

func TestRepeatsAndCode(t *testing.T) {
	g := compile(t)
	const once = "require is CommonJS and synchronous. import is static."
	base := g.Grade(once)
	for _, variant := range []string{once + " " + once, once + "\n\n" + once + "\n\n" + once} {
		if r := g.Grade(variant); r.Score != base.Score {
			t.Errorf("repeating the answer scores %d, not %d", r.Score, base.Score)
		}
	}
	// Code shows how; comments and prose say why.
	code := g.Grade("```js\nconst x = require('./x') // synchronous\nimport y from './y'\n```")
	for _, c := range code.Covered {
		if c.ID == "require-sync" && c.Credit != 1 {
			t.Errorf("a claim in a comment earns %.2f", c.Credit)
		}
	}
	bare := g.Grade("```js\nrequire('./x').static()\n```")
	if bare.Score > 40 || len(bare.Misconceptions) > 0 {
		t.Errorf("bare code: %d %v", bare.Score, mistakes(bare))
	}
}

func TestBoundedAndBinaryInput(t *testing.T) {
	g := compile(t)
	huge := strings.Repeat("require is synchronous. ", 2000) + "import is CommonJS."
	r := g.Grade(huge)
	if !r.Truncated || len(r.Text) > grade.MaxAnswerBytes || len(r.Notices) == 0 {
		t.Errorf("huge answer: truncated %v, %d bytes, notices %v", r.Truncated, len(r.Text), r.Notices)
	}
	if slices.Contains(mistakes(r), "import-cjs") {
		t.Error("text after the cut was graded")
	}
	for _, c := range r.Covered {
		for _, s := range c.Spans {
			if s.Start < 0 || s.End > len(r.Text) || s.Start >= s.End {
				t.Errorf("span %v outside the graded text", s)
			}
		}
	}
	// A cut never splits a UTF-8 sequence.
	multi := strings.Repeat("é", grade.MaxAnswerBytes)
	if r := g.Grade(multi); !strings.HasSuffix(r.Text, "é") {
		t.Error("the cut split a rune")
	}
	for _, bin := range []string{"\x00\x00\x00", "require\x00is\x00synchronous", "\xff\xfe\x00\x01\x02", string([]byte{0x89, 'P', 'N', 'G', 0, 0, 0, 13})} {
		r := g.Grade(bin)
		if r.Verdict != grade.Weak && !strings.Contains(bin, "synchronous") {
			t.Errorf("binary input graded %s", r.Verdict)
		}
		if len(r.Notices) == 0 {
			t.Errorf("binary input %q gives no notice", bin)
		}
	}
	if r := g.Grade("   \n\t"); r.Score != 0 || len(r.Notices) == 0 {
		t.Errorf("blank answer: %+v", r)
	}
}

func TestDeterministic(t *testing.T) {
	g := compile(t)
	answer := "Unlike import, require is synchronous and CommonJS; workers don't share memory. require returns a promise."
	first := g.Grade(answer)
	for range 20 {
		if again := g.Grade(answer); !reflect.DeepEqual(first, again) {
			t.Fatalf("grading is not deterministic:\n%+v\n%+v", first, again)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	mod := func(f func(r *grade.Rubric)) grade.Rubric {
		r := testRubric
		r.Concepts = slices.Clone(testRubric.Concepts)
		r.Misconceptions = slices.Clone(testRubric.Misconceptions)
		f(&r)
		return r
	}
	cases := map[string]struct {
		r    grade.Rubric
		want string
	}{
		"unknown subject":  {mod(func(r *grade.Rubric) { r.Concepts[0].Subject = "nope" }), `unknown subject "nope"`},
		"duplicate":        {mod(func(r *grade.Rubric) { r.Concepts[1].ID = r.Concepts[0].ID }), "defined twice"},
		"zero weight":      {mod(func(r *grade.Rubric) { r.Concepts[0].Weight = 0 }), "weight must be positive"},
		"bad opposite":     {mod(func(r *grade.Rubric) { r.Misconceptions[0].Opposite = "nope" }), `unknown concept "nope"`},
		"bad negated":      {mod(func(r *grade.Rubric) { r.Concepts[1].Negated = "nope" }), `unknown misconception "nope"`},
		"target too high":  {mod(func(r *grade.Rubric) { r.Target = 100 }), "more than the total weight"},
		"bad overrides":    {mod(func(r *grade.Rubric) { r.Misconceptions[0].Overrides = []string{"nope"} }), `overrides names unknown misconception "nope"`},
		"bad unless":       {mod(func(r *grade.Rubric) { r.Misconceptions[0].Unless = []string{"@nope"} }), "@nope"},
		"leading ellipsis": {mod(func(r *grade.Rubric) { r.Concepts[0].Says = []string{"... commonjs"} }), `no words before its "..."`},
		"no correction":    {mod(func(r *grade.Rubric) { r.Misconceptions[0].Correction = "" }), "correction"},
		"empty phrase":     {mod(func(r *grade.Rubric) { r.Concepts[0].Says = []string{"!!"} }), "has no words"},
		"unknown term":     {mod(func(r *grade.Rubric) { r.Concepts[0].Says = []string{"@nope"} }), "@nope"},
		"no concepts":      {mod(func(r *grade.Rubric) { r.Concepts = nil; r.Misconceptions = nil }), "no concepts"},
	}
	for name, c := range cases {
		_, err := grade.Compile(c.r, testLexicon)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", name, err, c.want)
		}
	}
}

// FuzzGrade checks that no input panics and every span lies inside the
// graded text.
func FuzzGrade(f *testing.F) {
	g := compile(f)
	for _, s := range []string{"", "require is not synchronous.", "import() is async?", "\x00\xff", "a.b.c, d; e: f - g (h) — i", "it. they. each.", "a != b ≠ c =/= d !== e", "≠", " != "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, answer string) {
		r := g.Grade(answer)
		if r.Score < 0 || r.Score > 100 {
			t.Fatalf("score %d", r.Score)
		}
		check := func(spans []grade.Span) {
			for _, s := range spans {
				if s.Start < 0 || s.End > len(r.Text) || s.Start >= s.End {
					t.Fatalf("span %v outside %d bytes", s, len(r.Text))
				}
			}
		}
		for _, c := range r.Covered {
			check(c.Spans)
		}
		for _, m := range r.Misconceptions {
			check(m.Spans)
		}
	})
}

// TestConcurrentGrading shares one Grader between goroutines, as the TUI
// and a command might; run with -race.
func TestConcurrentGrading(t *testing.T) {
	g := compile(t)
	want := g.Grade("require is synchronous; workers don't share memory.")
	done := make(chan grade.Result)
	for i := range 8 {
		go func() {
			// Different words too, so the stem cache is written concurrently.
			g.Grade(strings.Repeat("word", i+1) + " require isn't asynchronous")
			done <- g.Grade("require is synchronous; workers don't share memory.")
		}()
	}
	for range 8 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Errorf("concurrent result differs: %+v", got)
		}
	}
}

// Candidates type fast: a word one edit from a rubric word is read as that
// word, but only when it is long, plainly written and not code.
func TestTyposReadAsMeant(t *testing.T) {
	g := compile(t)
	for answer, want := range map[string]string{
		"require is synchonous.":          "require-sync",
		"require is syncrhonous.":         "require-sync",
		"require is synchronouss.":        "require-sync",
		"import is hoisetd.":              "", // "hoist" is too short to correct
		"require is `synchonous`.":        "", // code is left as written
		"require is sinchronnous.":        "", // two edits: not a typo of it
		"require is synchronoux.":         "", // a changed ending is not a typo: it may be another word
		"each worker has its own memroy.": "", // "memori" is short: left alone
	} {
		r := g.Grade(answer)
		got := slices.Contains(covered(r), want)
		if want != "" && !got {
			t.Errorf("%q: %s not credited (got %v)", answer, want, covered(r))
		}
		if want == "" && slices.Contains(covered(r), "require-sync") {
			t.Errorf("%q: credited require-sync from a word it should not correct", answer)
		}
	}
	if r := g.Grade("require is asycnhronous."); !slices.Contains(mistakes(r), "require-async") {
		t.Errorf("a misspelled misconception is not flagged: %v", mistakes(r))
	}
}

// A "no" that opens the subject denies what is said of it; a "no" cut off
// by a comma or an arrow does not.
func TestNoOpensTheSubject(t *testing.T) {
	g := compile(t)
	if r := g.Grade("No worker process shares memory with another one."); len(r.Misconceptions) > 0 {
		t.Errorf("a denied subject's claim is flagged: %v", mistakes(r))
	}
	for _, answer := range []string{"No, worker processes share memory.", "no worker restarts => worker processes share memory"} {
		if r := g.Grade(answer); !slices.Contains(mistakes(r), "share-memory") {
			t.Errorf("%q: share-memory not flagged (got %v)", answer, mistakes(r))
		}
	}
}

// A "..." stays in its clause unless the phrase names the "so" that opens
// the next one: "health checks plus graceful shutdown so deploys don't
// drop requests" does not say health checks keep requests.
func TestReachIntoSoClauseOnlyWhenNamed(t *testing.T) {
	r := grade.Rubric{
		Subjects: map[string][]string{"hc": {"health check"}},
		Concepts: []grade.Concept{{ID: "probe", Label: "health checks probe", Weight: 1, Subject: "hc", Says: []string{"probe"}}},
		Misconceptions: []grade.Misconception{
			{ID: "hc-drains", Claim: "health checks drain requests", Correction: "shutdown drains", Says: []string{"health check ... drop requests"}},
			{ID: "hc-so", Claim: "health checks keep deploys safe", Correction: "shutdown does", Says: []string{"health check so ... deploys ... safe"}},
			{ID: "hc-note", Claim: "health checks drain", Correction: "shutdown drains", Says: []string{"=drain: health check"}},
		},
	}
	g, err := grade.Compile(r, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	if got := mistakes(g.Grade("Add health checks plus graceful shutdown so deploys don't drop requests.")); len(got) > 0 {
		t.Errorf("a phrase without \"so\" reached the so clause: %v", got)
	}
	if got := mistakes(g.Grade("Add a health check so deploys are safe.")); !slices.Contains(got, "hc-so") {
		t.Errorf("a phrase naming \"so\" did not reach the so clause: %v", got)
	}
	// A colon in a phrase matches a note's colon, never a list's comma.
	if got := mistakes(g.Grade("- drain: health check")); !slices.Contains(got, "hc-note") {
		t.Errorf("a label note was not matched: %v", got)
	}
	if got := mistakes(g.Grade("We drain, health check and restart.")); slices.Contains(got, "hc-note") {
		t.Errorf("a colon phrase matched across a comma: %v", got)
	}
}

// "I don't think X" is the speaker's denial of X, not a reported belief:
// denying a concept states its myth.
func TestNegRaising(t *testing.T) {
	g := compile(t)
	for answer, want := range map[string]string{
		"I don't think require is synchronous.":         "require-async",
		"I do not really think require is synchronous.": "require-async",
		"I dont think require is synchronous.":          "require-async",
	} {
		if r := g.Grade(answer); !slices.Contains(mistakes(r), want) || slices.Contains(covered(r), "require-sync") {
			t.Errorf("%q: flagged %v, credited %v", answer, mistakes(r), covered(r))
		}
	}
	// Someone else's belief, or an order, stays reported.
	for _, answer := range []string{"People don't think require is synchronous.", "Don't think require is asynchronous."} {
		if r := g.Grade(answer); len(r.Misconceptions) > 0 {
			t.Errorf("%q flags %v", answer, mistakes(r))
		}
	}
}

// An unless phrase written with "!" clears a claim only when it is not
// negated itself: the true sentence and the myth differ by a "don't".
func TestAffirmedUnless(t *testing.T) {
	r := grade.Rubric{
		Subjects: map[string][]string{"async": {"async listeners"}},
		Concepts: []grade.Concept{{ID: "error", Label: "rejections reach 'error'", Weight: 1, Says: []string{"captureRejections"}}},
		Misconceptions: []grade.Misconception{{
			ID: "capture-default", Claim: "rejections reach 'error' by default", Correction: "enable captureRejections",
			Subject: "async", Says: []string{"go to the error event"}, Unless: []string{"!have to enable"},
		}},
	}
	g, err := grade.Compile(r, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	if got := mistakes(g.Grade("You have to enable captureRejections, then async listeners go to the error event.")); len(got) > 0 {
		t.Errorf("the qualifier did not clear the claim: %v", got)
	}
	if got := mistakes(g.Grade("You don't have to enable captureRejections: async listeners go to the error event anyway.")); !slices.Contains(got, "capture-default") {
		t.Errorf("a negated qualifier cleared the myth: %v", got)
	}
}

// A denial reaches across "and" only to the next item of a list: a new
// verb after "and" is a predicate of its own.
func TestNegationStaysWithItsVerb(t *testing.T) {
	g := compile(t)
	s, err := grade.Compile(scopeRubric, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	for answer, want := range map[string]string{
		"require never waits and is synchronous.":      "require-sync",
		"require is not slow and is synchronous.":      "require-sync",
		"require does not lag and then blocks.":        "require-sync",
		"Workers never share memory and state.":        "separate",
		"Workers share no memory.":                     "separate",
		"require no longer returns a promise.":         "require-sync",
		"require returns no promise: it is sync.":      "require-sync",
		"Workers don't lag and have their own memory.": "separate",
	} {
		r := g.Grade(answer)
		if !slices.Contains(covered(r), want) || len(r.Misconceptions) > 0 {
			t.Errorf("%q: covered %v, flagged %v; want %s and no misconception", answer, covered(r), mistakes(r), want)
		}
	}
	for _, answer := range []string{
		"helmet does not block requests and sanitizes the body.",
		"helmet never blocks and also sanitizes the body.",
		"helmet doesn't set cookies and it sanitizes input.",
	} {
		if r := s.Grade(answer); !slices.Contains(mistakes(r), "helmet-sanitizes") {
			t.Errorf("%q: the claim after \"and\" is not flagged (got %v)", answer, mistakes(r))
		}
	}
}

// "I've seen X do Y" states what the speaker watched happen; "I've seen
// people claim X", "I've seen it in tutorials" report what others hold.
func TestSeenIsObservedOrReported(t *testing.T) {
	g := compile(t)
	s, err := grade.Compile(scopeRubric, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	for answer, want := range map[string]string{
		"I've seen require block the whole loop.":             "require-sync",
		"I have seen imports hoisted above the code.":         "import-static",
		"We've seen each worker process keep its own memory.": "separate",
	} {
		if r := g.Grade(answer); !slices.Contains(covered(r), want) {
			t.Errorf("%q: %s not covered (covered %v)", answer, want, covered(r))
		}
	}
	if r := s.Grade("I've seen helmet sanitize input."); !slices.Contains(mistakes(r), "helmet-sanitizes") {
		t.Errorf("an observation of the speaker's is not flagged: %v", mistakes(r))
	}
	for _, answer := range []string{
		"I've seen people claim require is asynchronous.",
		"I've seen devs think workers share memory.",
		"I saw a tutorial say require returns a promise.",
		"I've seen it said that workers share memory.",
		"I've seen teams assume helmet sanitizes input.",
		"I've seen the \"helmet sanitizes input\" idea in code reviews, it keeps coming back.",
	} {
		for _, gr := range []*grade.Grader{g, s} {
			if r := gr.Grade(answer); len(r.Misconceptions) > 0 {
				t.Errorf("%q is reported but flags %v", answer, mistakes(r))
			}
		}
	}
}

// A question the speaker answers at once ("X? No, Y") is ruled on by the
// answer: after "No" it is a rejected idea, after "Yes" a claim, and the
// answer is said of the question's subject.
func TestQuestionThenAnswer(t *testing.T) {
	g := compile(t)
	for _, c := range []struct {
		answer   string
		want     string
		mistakes []string
	}{
		{"Workers share memory? No, each worker is a separate process.", "separate", nil},
		{"Workers share memory? Nope.", "separate", nil},
		{"require returns a promise? Not at all, sync.", "require-sync", nil},
		{"require async? no, sync.", "require-sync", nil},
		{"Does require block? Yes.", "require-sync", nil},
		{"Is require asynchronous? Yes, always.", "", []string{"require-async"}},
		// A question left unanswered still claims nothing.
		{"Is require asynchronous? I never checked.", "", nil},
	} {
		r := g.Grade(c.answer)
		if c.want != "" && !slices.Contains(covered(r), c.want) {
			t.Errorf("%q: %s not covered (covered %v)", c.answer, c.want, covered(r))
		}
		if !slices.Equal(mistakes(r), append([]string{}, c.mistakes...)) {
			t.Errorf("%q: misconceptions %v, want %v", c.answer, mistakes(r), c.mistakes)
		}
	}
	// "No" opening a claim of its own does not answer: the question is
	// still only asked, and denies nothing.
	if r := g.Grade("Is require asynchronous? No module is loaded twice."); slices.Contains(covered(r), "require-sync") {
		t.Errorf("a \"No\" that opens a claim answers the question: %v", covered(r))
	}
}

// A verb governs each of the objects "or" joins: "never share globals or
// memory" denies sharing memory, "share globals or memory" says it.
func TestVerbGovernsAlternatives(t *testing.T) {
	g := compile(t)
	for answer, want := range map[string][]string{
		"Workers share globals or memory.":             {"share-memory"},
		"Workers can share a cache or the memory.":     {"share-memory"},
		"Workers never share globals or memory.":       nil,
		"Workers don't share the heap or memory.":      nil,
		"Workers share no globals or memory.":          nil,
		"Workers share code, or memory is what I mean": nil,
	} {
		if r := g.Grade(answer); !slices.Equal(mistakes(r), append([]string{}, want...)) {
			t.Errorf("%q: misconceptions %v, want %v", answer, mistakes(r), want)
		}
	}
	for _, answer := range []string{"Workers never share globals or memory.", "Workers don't share the heap or memory."} {
		if r := g.Grade(answer); !slices.Contains(covered(r), "separate") {
			t.Errorf("%q: denying the myth earns nothing (%v)", answer, covered(r))
		}
	}
}

// "no choice but to X" and "can't help but X" affirm X.
func TestNoChoiceButAffirms(t *testing.T) {
	g := compile(t)
	for answer, want := range map[string][]string{
		"Workers have no choice but to share memory.":       {"share-memory"},
		"Workers have no other option but to share memory.": {"share-memory"},
		"Workers can't help but share memory.":              {"share-memory"},
		// A real contrast still breaks: the "no" is the first clause's.
		"Workers have no choice, but they keep their own memory.": nil,
	} {
		if r := g.Grade(answer); !slices.Equal(mistakes(r), append([]string{}, want...)) {
			t.Errorf("%q: misconceptions %v, want %v", answer, mistakes(r), want)
		}
	}
	for answer, want := range map[string]string{
		"require has no choice but to block.":                   "require-sync",
		"Each worker has no option but to keep its own memory.": "separate",
		"require can't help but block the caller.":              "require-sync",
	} {
		if r := g.Grade(answer); !slices.Contains(covered(r), want) || len(r.Misconceptions) > 0 {
			t.Errorf("%q: covered %v, flagged %v; want %s", answer, covered(r), mistakes(r), want)
		}
	}
}

// An agent noun is not its verb: "subscriber" does not say "subscribe",
// unless the rubric writes a prefix ("subscrib*"). A subject's mention
// still matches both: what listens is a listener.
func TestAgentNounIsNotItsVerb(t *testing.T) {
	g, err := grade.Compile(grade.Rubric{
		Subjects: map[string][]string{"listener": {"listener"}},
		Concepts: []grade.Concept{
			{ID: "subscribe", Label: "code subscribes", Weight: 1, Says: []string{"subscribe"}},
			{ID: "listen", Label: "code listens", Weight: 1, Says: []string{"listen for"}},
			{ID: "prefix", Label: "subscrib*", Weight: 1, Says: []string{"subscrib* list"}},
			{ID: "a-listener", Label: "a listener", Weight: 1, Says: []string{"listener runs"}},
		},
		Misconceptions: []grade.Misconception{
			{ID: "parallel", Claim: "listeners run in parallel", Correction: "in order", Subject: "listener", Says: []string{"at the same time"}, Unless: []string{"=the subscriber"}},
		},
	}, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	for answer, want := range map[string][]string{
		"Every subscriber gets the event.":           nil,
		"Other modules subscribe to the event.":      {"subscribe"},
		"The subscribers list grows.":                {"prefix"},
		"Each listener for the event is called.":     nil,
		"You listen for the event with on.":          {"listen"},
		"A listener runs when the event is emitted.": {"a-listener"},
		"The code listens runs twice.":               nil,
	} {
		if r := g.Grade(answer); !slices.Equal(covered(r), append([]string{}, want...)) {
			t.Errorf("%q: covered %v, want %v", answer, covered(r), want)
		}
	}
	if r := g.Grade("Modules that listen all run at the same time."); !slices.Contains(mistakes(r), "parallel") {
		t.Errorf("a verb does not mention its agent's subject: %v", mistakes(r))
	}
	// An unless qualifier is read loosely too.
	if r := g.Grade("Each listener runs at the same time as the subscribing module."); len(r.Misconceptions) > 0 {
		t.Errorf("\"=the subscriber\" does not clear \"the subscribing\": %v", mistakes(r))
	}
}

// A prefix phrase ("automatic*") reads a typist's slip in the word's
// start as it reads one in a whole word.
func TestTyposInPrefixes(t *testing.T) {
	g, err := grade.Compile(grade.Rubric{
		Subjects: map[string][]string{"worker": {"worker"}},
		Concepts: []grade.Concept{
			{ID: "auto", Label: "workers restart automatically", Weight: 1, Subject: "worker", Says: []string{"automatic*"}},
		},
	}, testLexicon)
	if err != nil {
		t.Fatal(err)
	}
	for answer, want := range map[string][]string{
		"Workers restart automatically.":  {"auto"},
		"Workers restart automtically.":   {"auto"}, // a letter left out
		"Workers restart autmoatically.":  {"auto"}, // two swapped
		"Workers restart `autmoatic`.":    nil,      // code is left as written
		"Workers restart uatomatically.":  nil,      // never the first letter
		"Workers restart automaticcally.": {"auto"}, // past the prefix: matched as written
	} {
		if r := g.Grade(answer); !slices.Equal(covered(r), append([]string{}, want...)) {
			t.Errorf("%q: covered %v, want %v", answer, covered(r), want)
		}
	}
}
