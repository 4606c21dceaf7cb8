package security_test

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

func TestHardenExpress(t *testing.T) {
	exercisetest.Prove(t, find(t, "security-harden-express"), exercisetest.Proof{
		AllNodes: true,
		Wrong: []exercisetest.Wrong{
			// users.json holds a SHA-256 digest, compared in plain JavaScript.
			{Name: "sha256-password", Fails: "the account in users.json logs in with bcrypt"},
			// cors({ origin: true }) reflects whatever origin asks.
			{Name: "reflect-origin", Fails: "CORS answers only the allowed origin"},
			{Name: "default-body-limit", Fails: "a body over 10 KB gets 413"},
			// Express's own handler prints the stack outside production.
			{Name: "no-error-handler", Fails: "a failing route answers 500 without a stack trace"},
			{Name: "long-token", Fails: "tokens expire and are refused after"},
			// headersTimeout alone: Node looks for slow clients every 30 s.
			{Name: "timeout-without-interval", Fails: "slow clients are dropped"},
			// One limit of 100 for everything is 100 password guesses.
			{Name: "one-limit", Fails: "password guessing is stopped with 429"},
		},
	})
}

func TestPasswordsTokens(t *testing.T) {
	exercisetest.Prove(t, find(t, "security-passwords-tokens"), exercisetest.Proof{
		AllNodes: true,
		Wrong: []exercisetest.Wrong{
			// bcrypt, at a cost lowered "because the tests got slow".
			{Name: "cost-8", Fails: "register stores a bcrypt hash of cost 10 or more"},
			// password.length counts UTF-16 units: 20 emoji pass as 40.
			{Name: "char-length", Fails: "passwords over 72 bytes are refused"},
			{Name: "different-messages", Fails: "unknown e-mail and wrong password get the same answer"},
			// The same message, but an unknown e-mail skips the hashing.
			{Name: "no-decoy", Fails: "an unknown e-mail takes as long as a wrong password"},
			// The hand-written verifier without "none", but with HMAC kept.
			{Name: "keeps-hs256", Fails: "HS256 tokens signed with the public key are refused"},
			// Pinned to RS256, issuer and audience checked, exp never read.
			{Name: "no-exp-check", Fails: "expired tokens are refused"},
			// jsonwebtoken with algorithms pinned, audience and issuer not.
			{Name: "no-audience", Fails: "tokens for another audience are refused"},
		},
	})
}

func TestInputAttacks(t *testing.T) {
	exercisetest.Prove(t, find(t, "security-input-attacks"), exercisetest.Proof{
		AllNodes: true,
		Wrong: []exercisetest.Wrong{
			// Object.assign is shallow: a nested PATCH drops its siblings.
			{Name: "shallow-assign", Fails: "PATCH /settings still merges nested settings"},
			// __proto__ is skipped; constructor.prototype still leads there.
			{Name: "proto-key-only", Fails: "no request body makes a guest an admin"},
			// replaceAll('../', '') turns "....//" into "../".
			{Name: "strip-dot-dot", Fails: "no path leaves files/"},
			// Single quotes around the name: a quote in the name closes them.
			{Name: "single-quoted", Fails: "shell syntax in a name runs no command"},
			// execFile without "--": ?name=--version is an option.
			{Name: "execfile-no-dashdash", Fails: "a name cannot be an option to sha256sum"},
		},
	})
}
