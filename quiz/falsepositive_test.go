package quiz_test

import "testing"

// TestCorrectStatementsFlagNothing guards against false accusations: each
// answer below is correct (often by denying a misconception, or by naming
// one as a myth), so the grader must flag no misconception.
func TestCorrectStatementsFlagNothing(t *testing.T) {
	b := mustBank(t)
	cases := map[string][]string{
		"q11": {
			"Some people think require is asynchronous, but it's not: it blocks until the file has run.",
			"import is not CommonJS. require is not ESM. require is not asynchronous.",
			"ESM uses import and export, CommonJS uses require and module.exports.",
			"Unlike import, require is synchronous, and Node itself does not tree-shake anything.",
			"Since Node 20.19 you can require() an ES module, unless it uses top-level await.",
			"An import declaration can't be used inside a function; import() can.",
		},
		"q12": {
			"Nothing is asynchronous about emit itself. It loops over the listeners and calls them one by one.",
			"An error event with no listener isn't ignored, it throws and crashes the process.",
			"fs.readFile is not an emitter: it takes a callback. createReadStream returns a stream that emits data.",
			"Listeners don't run in parallel; emit calls them in order.",
			"You register listeners with on and trigger them with emit.",
		},
		"q13": {
			"JavaScript runs on a single main thread, but libuv has a thread pool, so Node is not purely single-threaded.",
			"Instances must not keep sessions in memory; put them in Redis.",
			"Vertical scaling is a bigger machine, horizontal scaling is more machines behind a load balancer.",
			"Workers don't share memory, so the cache goes to Redis.",
		},
		"q14": {
			"Workers are not threads, they are full processes, and they never share memory with each other.",
			"The primary isn't serving requests; it accepts connections and passes them to workers round robin.",
			"isMaster is deprecated, so I check cluster.isPrimary.",
			"It hands out connections, not requests, so a keep-alive client stays on one worker.",
		},
		"q15": {
			"Don't use MD5 or SHA1 for passwords; use bcrypt.",
			"CORS doesn't block requests on the server, the browser enforces it.",
			"helmet does not validate input, it only sets headers, so validate input with zod.",
			"I never put secrets in the repo and I don't send stack traces to users.",
			"Passwords are never stored in plain text or encrypted, only hashed with bcrypt.",
			"Tokens should expire after a few minutes; a JWT is signed, not encrypted.",
		},
	}
	for id, answers := range cases {
		q, err := b.Find(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range answers {
			if r := q.Grader().Grade(a); len(r.Misconceptions) > 0 {
				t.Errorf("%s: %q is flagged: %+v", id, a, r.Misconceptions)
			}
		}
	}
}
