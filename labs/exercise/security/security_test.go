package security_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
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
		ScaffoldFails: "no X-Powered-By",
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
		ScaffoldFails: "register stores a bcrypt hash of cost 10 or more",
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

// The exercises' npm packages: the checks use the exercise's own install,
// whatever node_modules the learner has, and a learner's directory without
// one gets a link to it, so the app also runs there by hand.
func TestPackagesComeFromTheExercise(t *testing.T) {
	ex := find(t, "security-input-attacks")
	only := exercise.Options{Only: []string{"PATCH /settings still merges nested settings"}}

	t.Run("a directory without node_modules gets a link to the install", func(t *testing.T) {
		node := nodetest.RequireNode(t)
		dir := exercisetest.Dir(t, ex.Scaffold, ex.Solution)
		r := exercisetest.Verify(t, ex, dir, only)
		if !r.Loads() || r.Failed() > 0 {
			t.Fatalf("the solution fails:\n%s", exercisetest.Describe(r))
		}
		fi, err := os.Lstat(filepath.Join(dir, "node_modules"))
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("node_modules in the learner's directory: %v, %v; want a symlink", fi, err)
		}
		cmd := exec.Command(node, "-p", "require('express/package.json').version")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "5.") {
			t.Fatalf("require('express') in the learner's directory: %s %v", out, err)
		}
	})

	t.Run("the learner's own node_modules is neither copied nor used", func(t *testing.T) {
		dir := exercisetest.Dir(t, ex.Scaffold, ex.Solution)
		// A broken express, in more files than a verification copies.
		broken := filepath.Join(dir, "node_modules", "express")
		if err := os.MkdirAll(broken, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(broken, "index.js"), []byte("throw new Error('the learner broke express');\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for i := range 2500 {
			if err := os.WriteFile(filepath.Join(broken, "f"+strconv.Itoa(i)+".js"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r := exercisetest.Verify(t, ex, dir, only)
		if !r.Loads() || r.Failed() > 0 {
			t.Fatalf("the checks used the learner's node_modules:\n%s", exercisetest.Describe(r))
		}
		if fi, err := os.Lstat(filepath.Join(dir, "node_modules")); err != nil || !fi.IsDir() {
			t.Errorf("the learner's node_modules was replaced: %v, %v", fi, err)
		}
	})
}

// The security exercises pin the same packages, so a learner (and the tests)
// install them once for all of them.
func TestExercisesShareOneLockfile(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var first *exercise.Exercise
	for _, ex := range c.Topic("security") {
		if !ex.NeedsPackages() {
			t.Errorf("%s pins no npm packages", ex.ID)
			continue
		}
		if first == nil {
			first = ex
			continue
		}
		if !reflect.DeepEqual(ex.Packages, first.Packages) {
			t.Errorf("%s pins other packages than %s: keep their package.json and package-lock.json identical", ex.ID, first.ID)
		}
	}
}

func TestObjectAccess(t *testing.T) {
	exercisetest.Prove(t, find(t, "security-object-access"), exercisetest.Proof{
		Wrong: []exercisetest.Wrong{
			// GET checks the owner; PATCH and DELETE were forgotten.
			{Name: "reads-only", Fails: "nobody changes or deletes another user's order"},
			// 403 for someone else's order, 404 for a missing one.
			{Name: "forbidden-not-missing", Fails: "someone else's order looks like a missing one"},
			// Ownership checked everywhere, the PATCH body copied whole.
			{Name: "owner-check-assign", Fails: "a PATCH changes the note and nothing else"},
		},
	})
}
