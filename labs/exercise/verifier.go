package exercise

import (
	"context"
	"io/fs"
)

// Verifier is the Go half of an exercise: how its checks run the learner's
// code. Topic packages build them; NewCatalog attaches each to the exercise
// with the same ID.
type Verifier struct {
	// ID is the exercise's ID.
	ID string
	// Mount is where the learner's files go inside a check's work
	// directory, slash-separated: "app" when empty; a package exercise
	// may use "node_modules/<name>" so that consumers load it by name.
	Mount string
	// Harness holds the scripts the checks run (consumer scripts,
	// scenarios), written at the root of every check's work directory.
	Harness fs.FS
	// Load proves the learner's code starts at all (a script that loads
	// it). It runs first; when it fails, it is the only check reported.
	Load Check
	// Checks run in order after Load passes.
	Checks []Check
	// NPM says the code needs npm packages (a Redis client, say): the
	// exercise's scaffold has a package.json and a package-lock.json naming
	// them. Verify installs them once per version of those two files (npm
	// ci into Options.CacheDir; the learner's copies are not used) and links
	// node_modules at the root of every check's work directory, where the
	// learner's code and the harness both find them. The learner's own
	// node_modules is never copied into a check.
	NPM bool
	// Notes, when set, returns what the learner should know about a
	// verification on this node version: a mistake that only shows on
	// newer versions, say.
	Notes func(nodeVersion string) []string
}

// DefaultMount is where the learner's files go when Verifier.Mount is empty.
const DefaultMount = "app"

func (v *Verifier) mount() string {
	if v.Mount == "" {
		return DefaultMount
	}
	return v.Mount
}

// Check is one property of the learner's code, proven by running it.
type Check struct {
	// Name says what is checked, as the learner reads it in the list:
	// "import { toCelsius } from 'tempconv' works".
	Name string
	// Hint says what to look at when the check fails. It names the
	// concept, not the answer.
	Hint string
	// Run runs the check in a fresh Trial. An error means the check could
	// not be run at all (node vanished, the disk is full); what the
	// learner's code did, crash included, is an Outcome.
	Run func(ctx context.Context, t *Trial) (Outcome, error)
}

// Outcome is what a check found.
type Outcome struct {
	Pass     bool   `json:"pass"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
}

// Script is the usual check: node runs args (a harness script and its
// arguments) and the script reports the outcome with check.cjs. expect is
// shown as the expected result if the script never gets to report, because
// the learner's code crashed, hung or exited.
func Script(name, hint, expect string, args ...string) Check {
	return Check{
		Name: name,
		Hint: hint,
		Run: func(ctx context.Context, t *Trial) (Outcome, error) {
			o, _, err := t.Report(ctx, expect, args...)
			return o, err
		},
	}
}
