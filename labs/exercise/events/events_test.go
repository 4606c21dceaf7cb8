package events_test

import (
	"os"
	"testing"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/labs/exercise/exercisetest"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.RunChildIfRequested()
	os.Exit(m.Run())
}

func find(t *testing.T, id string) *exercise.Exercise {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Find(id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestBankAccount(t *testing.T) {
	exercisetest.Prove(t, find(t, "events-bank-account"), exercisetest.Proof{
		Wrong: []exercisetest.Wrong{
			// Validated and in cents, but a decline still emits 'error'.
			{Name: "keeps-error", Fails: "a declined withdrawal cannot crash the process"},
			// Checks the sign, not that the amount is whole.
			{Name: "positive-only", Fails: "amounts must be whole cents"},
			{Name: "greater-or-equal", Fails: "the whole balance can be withdrawn"},
		},
	})
}

func TestOnce(t *testing.T) {
	exercisetest.Prove(t, find(t, "events-once"), exercisetest.Proof{
		Wrong: []exercisetest.Wrong{
			// emitter.once for both events: the other one stays behind.
			{Name: "once-listeners", Fails: "removes its listeners once settled"},
			{Name: "abort-leak", Fails: "leaves no listener on the signal"},
			{Name: "plain-abort-error", Fails: "an already-aborted signal rejects at once"},
		},
	})
}

func TestListenerLeak(t *testing.T) {
	exercisetest.Prove(t, find(t, "events-listener-leak"), exercisetest.Proof{
		Wrong: []exercisetest.Wrong{
			{Name: "resolve-only", Fails: "a timed-out request leaves no listener"},
			{Name: "no-clear", Fails: "no timer outlives its request"},
			// Silences the warning, keeps the leak.
			{Name: "max-listeners", Fails: "an answered request leaves no listener"},
		},
	})
}
