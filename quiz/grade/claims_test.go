package grade_test

import (
	"slices"
	"testing"

	"github.com/nodedive/nodedive/quiz/grade"
)

// claimRubric pins the round-9 and round-10 engine rules: who a claim is about, what
// reports a belief, and what rejects the sentence before.
var claimRubric = grade.Rubric{
	Subjects: map[string][]string{
		"errorev":     {"'error'", "an 'error'", "error event"},
		"errlistener": {"'error' listener", "error listener"},
		"listener":    {"listener", "listeners"},
		"cjs":         {"require"},
		"esm":         {"import"},
		"worker":      {"worker", "workers"},
		"cluster":     {"cluster"},
		"emit":        {"emit", "emitter.emit"},
		"password":    {"password", "passwords"},
		"cors":        {"cors"},
	},
	Concepts: []grade.Concept{
		{ID: "require-sync", Label: "require is synchronous", Weight: 1, Subject: "cjs", Says: []string{"sync"}, Negated: "require-async"},
		{ID: "emit-sync", Label: "emit is synchronous", Weight: 1, Subject: "emit", Says: []string{"sync"}},
		{ID: "hard-kill", Label: "x", Weight: 1, Subject: "cluster", Says: []string{"disconnect ... =hard kill"}},
	},
	Misconceptions: []grade.Misconception{
		{ID: "listener-observes", Claim: "an 'error' listener only observes", Correction: "it handles the error", Subject: "errlistener", Says: []string{"only observes"}},
		{ID: "event-observes", Claim: "the 'error' event only observes", Correction: "x", Subject: "errorev", Says: []string{"only observes"}},
		{ID: "listener-throws", Claim: "the listener throws", Correction: "emit throws", Subject: "listener", Says: []string{"throws"}},
		{ID: "emit-async", Claim: "emit is asynchronous", Correction: "it is synchronous", Subject: "emit", Says: []string{"async"}},
		{ID: "require-async", Claim: "require is asynchronous", Correction: "it is synchronous", Subject: "cjs", Says: []string{"async"}},
		{ID: "share-memory", Claim: "workers share memory", Correction: "each has its own", Subject: "worker", Says: []string{"share memory"}},
		{ID: "fast-hash", Claim: "passwords may be hashed with MD5", Correction: "use a slow hash", Subject: "password", Says: []string{"md5"}},
		{ID: "cors-csrf", Claim: "CORS stops CSRF", Correction: "it does not", Subject: "cors", Says: []string{"csrf protection"}},
	},
}

func compileClaims(t *testing.T) *grade.Grader {
	t.Helper()
	g, err := grade.Compile(claimRubric, grade.Lexicon{Synonyms: map[string]string{"synchronous": "sync", "asynchronous": "async"}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func checkClaims(t *testing.T, g *grade.Grader, answer string, want, notWant []string) {
	t.Helper()
	r := g.Grade(answer)
	got := append(covered(r), mistakes(r)...)
	for _, id := range want {
		if !slices.Contains(got, id) {
			t.Errorf("%q: want %s, got %v", answer, id, got)
		}
	}
	for _, id := range notWant {
		if slices.Contains(got, id) {
			t.Errorf("%q: got %s, want none of it (%v)", answer, id, got)
		}
	}
}

// The longest mention of a subject wins, and a leading article does not
// make a mention longer: "an 'error' listener" is the listener.
func TestArticleDoesNotLengthenMention(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "An 'error' listener only observes the failure.", []string{"listener-observes"}, []string{"event-observes"})
	checkClaims(t, g, "I thought an 'error' handler was optional, but an 'error' listener only observes it.", []string{"listener-observes"}, []string{"event-observes"})
	checkClaims(t, g, "An 'error' only observes nothing.", nil, []string{"listener-observes"})
}

// After "nobody" or "no one" the word is a verb: "nobody listen for it"
// names no listener.
func TestVerbAfterNobodyIsNoMention(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "When nobody listen for it, it throws.", nil, []string{"listener-throws"})
	checkClaims(t, g, "If no one listen to the event, it throws.", nil, []string{"listener-throws"})
	checkClaims(t, g, "The listener throws.", []string{"listener-throws"}, nil)
	checkClaims(t, g, "When nobody is there, the listener throws.", []string{"listener-throws"}, nil)
}

// A third person's belief is reported, not asserted.
func TestThirdPersonBeliefIsReported(t *testing.T) {
	g := compileClaims(t)
	for _, a := range []string{
		"He thought workers share memory.",
		"She assumed workers share memory until she measured it.",
		"My teammate believed workers share memory.",
		"My colleague was sure workers share memory.",
		"I was convinced workers share memory.",
	} {
		checkClaims(t, g, a, nil, []string{"share-memory"})
	}
	checkClaims(t, g, "I'm sure workers share memory.", []string{"share-memory"}, nil)
}

// "which is false when ..." describes a value; it is no verdict on the
// claim before it.
func TestConditionalFalseIsAValue(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Workers share memory through a flag, which is false when they crash.", []string{"share-memory"}, nil)
	checkClaims(t, g, "Workers share memory, which is false.", nil, []string{"share-memory"})
}

// A short sentence about myths that heads what follows ("Common myths:",
// "Two myths I push back on.") rejects nothing before it; "That's a myth."
// still does.
func TestMythHeadingLooksForward(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Workers share memory. Two myths I push back on.", []string{"share-memory"}, nil)
	checkClaims(t, g, "Workers share memory. Myths to avoid.", []string{"share-memory"}, nil)
	checkClaims(t, g, "Workers share memory. Common myths:\n- require is async", []string{"share-memory"}, []string{"require-async"})
	checkClaims(t, g, "Workers share memory. That's a myth.", nil, []string{"share-memory"})
	checkClaims(t, g, "Workers share memory. A common myth.", nil, []string{"share-memory"})
}

// "not both X" says one of them is not X, not which one: it does not
// accuse either of being not-X.
func TestNotBothDeniesNeither(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "They are not both synchronous: require is sync, import is not.", []string{"require-sync"}, []string{"require-async"})
	checkClaims(t, g, "require and import aren't both sync.", nil, []string{"require-async"})
	checkClaims(t, g, "require is not synchronous.", []string{"require-async"}, nil)
}

// "... =hard kill": an "=" after "..." makes the rest of the phrase
// adjacent, as a leading "=" does for a whole phrase.
func TestEqualsAfterGap(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "In cluster, disconnect sends a hard kill.", []string{"hard-kill"}, nil)
	checkClaims(t, g, "In cluster, disconnect is hard to kill.", nil, []string{"hard-kill"})
}

// A "//" comment after a statement's ";" speaks of that statement: its
// subject carries over, enough to credit, not to accuse.
func TestCommentAfterSemicolon(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "emitter.emit('x'); // sync, returns a boolean", []string{"emit-sync"}, nil)
	checkClaims(t, g, "```js\nconst ok = emitter.emit('x'); // sync\n```", []string{"emit-sync"}, nil)
	checkClaims(t, g, "emitter.emit('x'); // async here", nil, []string{"emit-async"})
	checkClaims(t, g, "Call emitter.emit('x'); the listeners run sync.", nil, []string{"emit-sync"})
}

// "than" marks the next noun as compared against, but not across a colon
// or comma: after "more than one core:" the worker is the subject again.
func TestContrastStopsAtPunctuation(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Cluster uses more than one core: workers share memory.", []string{"share-memory"}, nil)
	checkClaims(t, g, "It runs on more than one core, workers share memory.", []string{"share-memory"}, nil)
	checkClaims(t, g, "The primary does more than workers share memory.", nil, []string{"share-memory"})
}

// A negated verb denies its whole object, however long, as long as no
// other verb, pronoun or participle opens a phrase of its own in between.
func TestNegationCoversTheVerbsObject(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Passwords are never hashed with a fast hash like MD5.", nil, []string{"fast-hash"})
	checkClaims(t, g, "Passwords are never stored in plain text, never encrypted and never hashed with a fast hash like MD5.", nil, []string{"fast-hash"})
	checkClaims(t, g, "We never had time for it, the passwords are hashed with MD5.", []string{"fast-hash"}, nil)
	checkClaims(t, g, "We didn't notice the passwords being hashed with MD5.", []string{"fast-hash"}, nil)
	checkClaims(t, g, "If I'm not mistaken the passwords sit hashed with MD5.", []string{"fast-hash"}, nil)
}

// "!=", "!==", "≠" and "=/=" between two words say "is not".
func TestNotEqualsNegates(t *testing.T) {
	g := compileClaims(t)
	for _, a := range []string{"Simple requests still hit the route, so CORS != CSRF protection.", "CORS !== CSRF protection", "CORS ≠ CSRF protection", "CORS =/= CSRF protection"} {
		checkClaims(t, g, a, nil, []string{"cors-csrf"})
	}
	checkClaims(t, g, "CORS = CSRF protection", []string{"cors-csrf"}, nil)
}

// A sentence that opens with a short verdict and a colon ("Not true: ...")
// rejects the sentence before it; the view after the colon is the
// speaker's own. A label like "Myth:" heads the myth that follows it.
func TestVerdictBeforeColonJudgesSentenceBefore(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Workers share memory. Not true: each one has its own heap.", nil, []string{"share-memory"})
	checkClaims(t, g, "Workers share memory. Not true: require is async.", []string{"require-async"}, []string{"share-memory"})
	checkClaims(t, g, "Require is sync. Myth: workers share memory.", nil, []string{"share-memory"})
	checkClaims(t, g, "Workers share memory. The cluster: it balances connections.", []string{"share-memory"}, nil)
}

// "I hear (that) X" reports what others say.
func TestIHearReports(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Another thing I hear is that workers share memory; they don't.", nil, []string{"share-memory"})
	checkClaims(t, g, "I hear that workers share memory.", nil, []string{"share-memory"})
	checkClaims(t, g, "I know that workers share memory.", []string{"share-memory"}, nil)
}

// A pronoun after a relative clause that closed at a comma points past
// it, to the subject the relative described: in "helmet, which stops SQL
// injection, and it also turns on HTTPS" the "it" is helmet.
func TestPronounSkipsClosedRelative(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "The cluster forks workers, which load code with require, and it is async.", nil, []string{"require-async"})
	checkClaims(t, g, "The cluster forks workers and loads code with require, and it is async.", []string{"require-async"}, nil)
}

// An ellipsis that closes a bracket ends a list, not the sentence: the
// subject before it carries on.
func TestEllipsisInBracketKeepsSentence(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Each worker gets a port (3000, 3001...) and shares memory with the others.", []string{"share-memory"}, nil)
	checkClaims(t, g, "Each worker gets a port... And shares memory.", nil, []string{"share-memory"})
}

// A "nor" that opens a clause with its verb inverted denies that clause:
// "Nor does CORS stop CSRF" says it does not. Inside a list, "nor" only
// carries an earlier negation on.
func TestInvertedNorDenies(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "CORS relaxes the same-origin policy. Nor does CORS give CSRF protection.", nil, []string{"cors-csrf"})
	checkClaims(t, g, "CORS is not authentication, nor is it CSRF protection.", nil, []string{"cors-csrf"})
	checkClaims(t, g, "CORS gives CSRF protection.", []string{"cors-csrf"}, nil)
}

// "Nobody" or "no one" as the subject of a verb denies the verb and its
// whole object; after "if" or "when" it only sets a scene.
func TestNobodyAsSubjectDenies(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Nobody needs the workers to share memory.", nil, []string{"share-memory"})
	checkClaims(t, g, "No one expects the workers to share memory.", nil, []string{"share-memory"})
	checkClaims(t, g, "If nobody objects, the workers share memory.", []string{"share-memory"}, nil)
}

// "You hear that X" reports what gets said, and a belief participle in a
// story ("someone changed it, thinking X") reports what that person
// believed; "I'm thinking X" is still the speaker's own claim.
func TestHeardAndNarratedBeliefsReport(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "One thing you hear is that workers share memory.", nil, []string{"share-memory"})
	checkClaims(t, g, "We once had someone write to a global, thinking the workers share memory.", nil, []string{"share-memory"})
	checkClaims(t, g, "I'm thinking the workers share memory.", []string{"share-memory"}, nil)
}

// "say," between punctuation gives an example ("- say, X"); it reports
// nobody's belief, so the sentence around it is still the speaker's.
func TestSayCommaIsAnExample(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "It happens often - say, the workers share memory with the primary.", []string{"share-memory"}, nil)
	checkClaims(t, g, "People say, the workers share memory.", nil, []string{"share-memory"})
}

// After a sentence that rejects what follows ("Two things I hear that
// aren't true."), items that only name a "that" clause ("One: that X",
// "Two, that Y") cite the beliefs rejected; "Another outdated claim is
// that X" is the next one.
func TestEnumeratedMythItemsReport(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Two things I hear that aren't true. One: that workers share memory. They don't.", nil, []string{"share-memory"})
	checkClaims(t, g, "Two common myths. One, that emit is async. Two, that require is async.", nil, []string{"emit-async", "require-async"})
	checkClaims(t, g, "You often hear that emit is async. Another outdated claim is that require is async.", nil, []string{"emit-async", "require-async"})
	checkClaims(t, g, "Two facts. One: workers share memory.", []string{"share-memory"}, nil)
	// "The other is that Y", "The second one: Y" and "One is that X" name
	// the later items too.
	checkClaims(t, g, "Two myths I run into. One is that emit is async - it isn't. The other is that require is async.", nil, []string{"emit-async", "require-async"})
	checkClaims(t, g, "Two things people get wrong. The second one: workers share memory.", nil, []string{"share-memory"})
	checkClaims(t, g, "Emit is sync. The other thing is that workers share memory.", []string{"share-memory"}, nil)
}

// An anecdote of a past mistake tells what went wrong, it does not
// recommend it: "I got it wrong, we X", "I once inherited X".
func TestAnecdoteOfMistakeReports(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "The first time I got it wrong, we hashed the passwords with MD5 and paid for it.", nil, []string{"fast-hash"})
	checkClaims(t, g, "I once inherited a system where the passwords were stored with MD5.", nil, []string{"fast-hash"})
	checkClaims(t, g, "We once shipped a build that hashed the passwords with MD5.", nil, []string{"fast-hash"})
	checkClaims(t, g, "Hash the passwords with MD5.", []string{"fast-hash"}, nil)
	checkClaims(t, g, "Somebody once hashed the passwords with MD5. Not fun.", nil, []string{"fast-hash"})
	// "once" opening a clause is "as soon as", not a story
	checkClaims(t, g, "The workers share memory with the others once they're forked.", []string{"share-memory"}, nil)
	checkClaims(t, g, "We originally hashed the passwords with MD5, which was fine until the breach.", nil, []string{"fast-hash"})
	checkClaims(t, g, "We initially hash the passwords with MD5.", []string{"fast-hash"}, nil)
	checkClaims(t, g, "Once you fork, the workers share memory.", []string{"share-memory"}, nil)
	checkClaims(t, g, "You got it: the workers share memory.", []string{"share-memory"}, nil)
}

// A short sentence that counts what follows ("Two things people often get
// wrong.") heads the next sentences; it does not reject the one before.
func TestCountingHeadingKeepsSentenceBefore(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Require is synchronous. Two things people often get wrong. One, that emit is async.", []string{"require-sync"}, []string{"emit-async"})
	checkClaims(t, g, "Require is synchronous. A couple of myths. First, that emit is async.", []string{"require-sync"}, []string{"emit-async"})
	checkClaims(t, g, "Require is asynchronous. People get that wrong.", nil, []string{"require-async"})
}

// A parenthesised aside neither ends a denial nor carries one: "doesn't
// stop CSRF (simple form posts go through) or XSS" denies both.
func TestDenialSpansAside(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Workers don't share code (each one loads the app itself) or memory.", nil, []string{"share-memory"})
	checkClaims(t, g, "Emit doesn't wait for I/O (the listeners run right away) or go async.", nil, []string{"emit-async"})
	checkClaims(t, g, "Workers don't share code (each one loads the app itself), but they share memory.", []string{"share-memory"}, nil)
}

// A cleft that denies ("What ESM does not have is require") and an idea
// reported with "the idea that" do not assert what they name.
func TestCleftDenialAndReportedIdea(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "What workers don't have is shared memory; each has its own heap.", nil, []string{"share-memory"})
	checkClaims(t, g, "What cluster does not give you is a scheduler, shared memory or sessions.", nil, []string{"share-memory"})
	checkClaims(t, g, "What workers do not do is share memory, sessions or caches.", nil, []string{"share-memory"})
	checkClaims(t, g, "What people don't realise is that workers share memory.", []string{"share-memory"}, nil)
	checkClaims(t, g, "There's a lingering idea that require is asynchronous. It is synchronous.", []string{"require-sync"}, []string{"require-async"})
	checkClaims(t, g, "The idea is that require is asynchronous.", []string{"require-async"}, nil)
	checkClaims(t, g, "A common fear is that workers share memory. That's not what happens.", nil, []string{"share-memory"})
}

// An anecdote told with "once" anywhere reports a past event: "a PM once
// asking", "we had one committed once".
func TestAnecdoteOnceAnywhere(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "I remember a PM once asking why CORS was csrf protection for the partner.", nil, []string{"cors-csrf"})
	checkClaims(t, g, "Our lead once said the passwords were fine with MD5.", nil, []string{"fast-hash"})
	checkClaims(t, g, "I looked at the passwords once, we hash them with MD5.", []string{"fast-hash"}, nil)
	checkClaims(t, g, "Hash the passwords with MD5 all at once.", []string{"fast-hash"}, nil)
	checkClaims(t, g, "The workers share memory once.", []string{"share-memory"}, nil)
}

// After a comma, "not" and a participle deny the participle's claim:
// "forwards it, not waiting for the listeners" denies the waiting.
func TestCommaNotParticipleDenies(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Emit runs the listeners in order, not going async at any point.", nil, []string{"emit-async"})
	checkClaims(t, g, "Any emit not going async is fine.", nil, nil)
}

// A belief in a comparison ("not as bad as people say", "faster than
// people think") does not report the sentence: the speaker measures their
// own claim against it.
func TestComparedBeliefIsOwnClaim(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "The workers share memory, so it's not as bad as people say.", []string{"share-memory"}, nil)
	checkClaims(t, g, "Emit is more async than people think.", []string{"emit-async"}, nil)
	checkClaims(t, g, "Workers share memory, so there's no copying the way people fear.", []string{"share-memory"}, nil)
	checkClaims(t, g, "People say workers share memory, but they don't.", nil, []string{"share-memory"})
}

// A sentence-opening "that" followed by its verb is a subject pointing
// back: "Look at require; that loads files asynchronously" says it of require.
func TestDemonstrativeSubjectPointsBack(t *testing.T) {
	g := compileClaims(t)
	checkClaims(t, g, "Look at require; that loads files asynchronously.", []string{"require-async"}, nil)
	checkClaims(t, g, "Look at require. That way files load asynchronously.", nil, []string{"require-async"})
}
