package quiz_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/quiz/grade"
)

// These tests pin, in our own words, each failure issue 12 reported in the
// old grader, so that none of them comes back.

func gradeAs(t *testing.T, id, answer string) grade.Result {
	t.Helper()
	q, err := mustBank(t).Find(id)
	if err != nil {
		t.Fatal(err)
	}
	return q.Grader().Grade(answer)
}

func coveredIDs(r grade.Result) []string {
	var ids []string
	for _, c := range r.Covered {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestIssue12ThinButRightIsPartial(t *testing.T) {
	for _, a := range []struct{ q, answer string }{
		{"q12", "You subscribe with on() and fire events with emit()."},
		{"q12", "It's Node's observer pattern: listeners register with on and the emitter calls them when you emit."},
		{"q12", "emit calls every listener synchronously, in the order they were added."},
		{"q14", "The primary forks one worker per core and they all listen on the same port."},
		{"modules-iv1", "Modules are cached after the first require, so the file only runs once."},
	} {
		if r := gradeAs(t, a.q, a.answer); r.Verdict != grade.Partial {
			t.Errorf("%s: %q grades %s (%d), want partial", a.q, a.answer, r.Verdict, r.Score)
		}
	}
}

func TestIssue12KeywordListsAreWeak(t *testing.T) {
	for _, a := range []struct{ q, answer string }{
		{"q12", "EventEmitter, on, emit, once, off, listeners, error event, observer pattern, streams, synchronous"},
		{"q14", "cluster.fork(), isPrimary, round-robin, IPC, shared port, separate processes, exit event, zero downtime"},
		{"q15", "- helmet\n- cors\n- bcrypt\n- jwt\n- https\n- rate limiting\n- npm audit\n- zod"},
		{"q11", "CommonJS require synchronous cached, ESM import static hoisted, import() promise, mjs"},
		// A long list that names every point adds up at list credit, but
		// names are still not claims.
		{"modules-iv1", "module.exports, require.cache, cached singleton, resolved path key, deleting cache entries, circular requires, partially filled exports, live bindings, TDZ, ReferenceError, shared third module"},
	} {
		r := gradeAs(t, a.q, a.answer)
		if r.Verdict != grade.Weak || !r.ListLike {
			t.Errorf("%s: keyword list %q grades %s (%d), list-like %v; want weak", a.q, a.answer, r.Verdict, r.Score, r.ListLike)
		}
	}
}

func TestIssue12MisconceptionsAreFlagged(t *testing.T) {
	for _, a := range []struct{ q, answer, want string }{
		{"q14", "Every worker has to listen on its own port, 3001, 3002 and so on.", "worker-needs-own-port"},
		{"q13", "Each cluster worker needs its own port.", "worker-needs-own-port"},
		{"q13", "Bump UV_THREADPOOL_SIZE and your JavaScript uses every core.", "threadpool-more-cores"},
		{"scaling-iv1", "Setting UV_THREADPOOL_SIZE to the number of cores makes JavaScript multi-core.", "threadpool-more-cores"},
		{"q15", "We enable CORS so the server rejects requests from other origins.", "cors-blocks-server"},
		{"security-iv1", "cors() makes the server reject every origin except trusted.com.", "cors-blocks-server"},
		{"q11", "Under the hood every import is turned into a require call.", "node-converts-import"},
		{"q12", "emit runs the listeners on a separate thread, so the caller is never blocked.", "emit-other-thread"},
		{"q12", "Only 10 listeners are allowed per event, the 11th one throws.", "max-listeners-error"},
		{"q14", "A cluster is a group of workers that elect a leader with Raft.", "leader-election"},
	} {
		r := gradeAs(t, a.q, a.answer)
		if got := flaggedIDs(r); !slices.Contains(got, a.want) {
			t.Errorf("%s: %q flags %v, want %s", a.q, a.answer, got, a.want)
		}
	}
}

func TestIssue12NoFalseAlarms(t *testing.T) {
	for _, a := range []struct{ q, answer string }{
		{"q12", "on registers the listener and emit fires it, synchronously and in order."},
		{"q15", "helmet does nothing for SQL injection; it only sets headers, so I validate input and use parameterised queries."},
		{"q13", "Node is single-threaded for JavaScript, but libuv has a thread pool for fs and crypto."},
		{"q13", "There is a single thread for JavaScript per process, so I run one process per core."},
		{"q11", "CommonJS loads modules with require and module.exports; ES modules use import and export."},
		{"q11", "Packages pick the CommonJS or ESM entry point through conditional exports in package.json."},
		{"q12", "An async listener's rejected promise is not caught by emit; it becomes an unhandled rejection."},
	} {
		r := gradeAs(t, a.q, a.answer)
		if got := flaggedIDs(r); len(got) > 0 {
			t.Errorf("%s: %q is right but flags %v", a.q, a.answer, got)
		}
	}
}

func TestIssue12NoCreditFromAccidents(t *testing.T) {
	for _, a := range []struct{ q, answer, notCovered string }{
		{"q12", "Node is famous for handling many things at once with its event loop.", "once-off"},
		{"q13", "We deploy app.js on a big server.", "one-core"},
		{"q14", "Each worker is a copy of the app.", "fork-port"},
		{"q13", "We keep everything in a database.", "stateless"},
	} {
		if r := gradeAs(t, a.q, a.answer); slices.Contains(coveredIDs(r), a.notCovered) {
			t.Errorf("%s: %q earns %s by accident", a.q, a.answer, a.notCovered)
		}
	}
}

func TestIssue12CreditForPlainWords(t *testing.T) {
	for _, a := range []struct{ q, answer, covered string }{
		{"q15", "We added the helmet package to set the security headers.", "helmet"},
		{"q15", "We use bcrypt for the passwords.", "passwords"},
		{"q12", "You listen with on and trigger it with .emit.", "on-emit"},
	} {
		if r := gradeAs(t, a.q, a.answer); !slices.Contains(coveredIDs(r), a.covered) {
			t.Errorf("%s: %q does not earn %s (covered %v)", a.q, a.answer, a.covered, coveredIDs(r))
		}
	}
}

func TestIssue12PastingTwiceAddsNothing(t *testing.T) {
	const short = "require is CommonJS and synchronous, import is ESM and static, and import() returns a promise."
	once, twice := gradeAs(t, "q11", short), gradeAs(t, "q11", short+"\n"+short)
	if twice.Score != once.Score {
		t.Errorf("pasting the answer twice changes the score from %d to %d", once.Score, twice.Score)
	}
	long := strings.Repeat(short+" ", 5)
	if r := gradeAs(t, "q11", long); r.Score != once.Score {
		t.Errorf("repeating the answer five times changes the score from %d to %d", once.Score, r.Score)
	}
}

func TestIssue12MisconceptionCapsAtPartial(t *testing.T) {
	answer := "require is CommonJS: a synchronous call that runs the file once and caches module.exports, " +
		"and you can call it anywhere. import is the ES module standard: static declarations, linked before " +
		"any code runs, and import() returns a promise for dynamic loading. One caveat: require is " +
		"asynchronous in the browser, because the file comes over the network."
	r := gradeAs(t, "q11", answer)
	if r.Verdict != grade.Partial || !slices.Contains(flaggedIDs(r), "require-browser-async") {
		t.Errorf("an answer with a stated misconception grades %s (%d) with %v, want partial with require-browser-async", r.Verdict, r.Score, flaggedIDs(r))
	}
	for _, m := range r.Misconceptions {
		if m.Correction == "" {
			t.Errorf("misconception %s has no correction", m.ID)
		}
	}
}
