// Package events verifies the exercises of the EventEmitter topic. Every check
// is a scenario from harness/<exercise id>/ run on node against the learner's
// module; the once exercise runs each scenario with node's own events.once
// too, in the same process, and expects the same observations.
package events

import (
	"embed"
	"io/fs"

	"github.com/nodedive/nodedive/labs/exercise"
)

//go:embed harness
var harness embed.FS

// Verifiers returns the topic's verifiers, for the catalog.
func Verifiers() []*exercise.Verifier {
	return []*exercise.Verifier{bankAccount(), once(), listenerLeak()}
}

func harnessOf(id string) fs.FS {
	sub, err := fs.Sub(harness, "harness/"+id)
	if err != nil {
		panic(err) // a constant path into an embedded tree
	}
	return sub
}

func bankAccount() *exercise.Verifier {
	const id = "events-bank-account"
	scenario := func(name, hint, expect, arg string) exercise.Check {
		return exercise.Script(name, hint, expect, "scenario.cjs", arg)
	}
	return &exercise.Verifier{
		ID:      id,
		Harness: harnessOf(id),
		Load: scenario("bank-account.js loads",
			"The module does not load: read node's error above. Keep `module.exports = { BankAccount }`.",
			"bank-account.js exports a BankAccount class that extends EventEmitter", "load"),
		Checks: []exercise.Check{
			scenario("deposit emits 'deposit' with the new balance",
				"Update the balance, then emit { amount, balance }: emit runs the listeners at once, and they read the balance. Return the new balance.",
				"deposit(250) returns 1250 and emits 'deposit' { amount: 250, balance: 1250 }", "deposit"),
			scenario("withdraw emits 'withdraw' and returns true",
				"A withdrawal the balance covers takes the money, then emits 'withdraw' with { amount, balance } and returns true.",
				"withdraw(400) returns true and emits 'withdraw' { amount: 400, balance: 600 }", "withdraw"),
			scenario("the whole balance can be withdrawn",
				"Decline only when the amount is more than the balance: `amount > balance`, not `>=`.",
				"withdraw(1000) from 1000 leaves 0", "everything"),
			scenario("a declined withdrawal emits 'declined', not 'error'",
				"Too little money is a normal outcome, not a failure of the program: emit a domain event, 'declined' with "+
					"{ amount, balance, reason }, return false, and leave the balance as it was.",
				"withdraw(5000) from 1000 returns false and emits only 'declined'", "declined"),
			scenario("a declined withdrawal cannot crash the process",
				"emit('error') with no 'error' listener throws, so with nobody listening a declined withdrawal would take the "+
					"process down. Never emit 'error' for it.",
				"withdraw(5000) with no listeners returns false", "unheard"),
			scenario("amounts must be whole cents",
				"Count integer cents: Number.isSafeInteger(amount) && amount > 0. Throw (TypeError for a non-number, "+
					"RangeError otherwise) before changing the balance or emitting anything.",
				"every invalid amount throws", "amounts"),
			scenario("the opening balance is checked too",
				"Validate in the constructor as well: a safe integer of 0 or more, defaulting to 0.",
				"invalid opening balances throw; the default is 0", "opening"),
		},
	}
}

func once() *exercise.Verifier {
	const id = "events-once"
	compare := func(name, hint, scenario string) exercise.Check {
		return exercise.Script(name, hint, "the same as node's events.once", "compare.cjs", scenario)
	}
	return &exercise.Verifier{
		ID:      id,
		Harness: harnessOf(id),
		Load: exercise.Script("once.js loads",
			"The module does not load: read node's error above. Keep `module.exports = { once }`.",
			"once.js exports once", "compare.cjs", "load"),
		Checks: []exercise.Check{
			compare("resolves with the arguments as an array",
				"Resolve with every argument of the event: (...args) => resolve(args).", "args"),
			compare("only the first event counts",
				"A promise settles once, but your listener should go after the first event: remove it then.", "first"),
			compare("rejects when 'error' comes first",
				"Listen for 'error' as well, and reject with the error it carries. Without an 'error' listener, "+
					"emit('error') throws at the emitter's caller.", "error"),
			compare("once(emitter, 'error') resolves with the error",
				"When the awaited event is 'error' itself, it resolves with [err]: do not add a second, rejecting 'error' listener.", "waitError"),
			compare("removes its listeners once settled",
				"Whichever event settles the promise, remove both listeners. emitter.once('error', reject) stays behind "+
					"after a successful event and swallows later errors.", "cleanup"),
			compare("an already-aborted signal rejects at once",
				"Check signal.aborted first and reject without adding listeners. The rejection is an Error with name "+
					"'AbortError', code 'ABORT_ERR' and cause signal.reason.", "aborted"),
			compare("an abort while waiting rejects and cleans up",
				"Listen for 'abort' on the signal; on abort, remove the emitter's listeners and reject with an AbortError "+
					"(name 'AbortError', code 'ABORT_ERR', cause signal.reason).", "abortLater"),
			compare("leaves no listener on the signal",
				"A signal often outlives many calls (one per request, say). Remove your 'abort' listener when the promise "+
					"settles any other way, or every call leaves one behind.", "signalLeak"),
		},
	}
}

func listenerLeak() *exercise.Verifier {
	const id = "events-listener-leak"
	drive := func(name, hint, expect, scenario string) exercise.Check {
		return exercise.Script(name, hint, expect, "load.cjs", scenario)
	}
	return &exercise.Verifier{
		ID:      id,
		Harness: harnessOf(id),
		Load: drive("price-feed.js loads",
			"The module does not load: read node's error above. Keep `module.exports = { nextPrice }`.",
			"price-feed.js exports nextPrice", "load"),
		Checks: []exercise.Check{
			drive("resolves with the next price of its symbol",
				"Resolve with quote.price of the first 'price' event whose symbol matches; ignore the others.",
				"the next 'ACME' price", "price"),
			drive("an answered request leaves no listener",
				"Keep a reference to your listener and remove it (feed.off('price', listener)) as soon as the request is answered.",
				"no 'price' listener left after 300 requests", "settled"),
			drive("a timed-out request leaves no listener",
				"The timeout is a way out too: remove the listener there as well, and reject with an Error that names the symbol.",
				"timed-out requests reject and leave no listener", "timedOut"),
			drive("no timer outlives its request",
				"clearTimeout the timer when the price arrives: a forgotten timer keeps the process alive and fires long after the request is over.",
				"no timer left after the requests are answered", "timers"),
			drive("no MaxListenersExceededWarning under load",
				"With every request cleaning up after itself, 5 requests at a time means at most 5 listeners. "+
					"feed.setMaxListeners(0) would only hide the warning.",
				"at most 5 listeners at once and no warning", "concurrent"),
		},
	}
}
