package security

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/nodedive/nodedive/labs/exercise"
)

// inputApp is the input exercise's server and the files the check gave it:
// two legitimate ones in files/ and two secrets outside it, all with random
// contents, so that a body holding one proves which file was read.
type inputApp struct {
	*app
	dir             string // the check's work directory
	report, annual  string // files/report.txt, files/annual report.txt
	secret, outside string // secrets.json next to server.js; outside.txt above the app
}

const (
	reportName = "report.txt"
	annualName = "annual report.txt"
	secretName = "secrets.json"
)

func startInput(ctx context.Context, t *exercise.Trial) (*inputApp, exercise.Outcome, error) {
	ia := &inputApp{
		dir:     t.Dir,
		report:  "quarterly report " + randomHex(8) + "\n",
		annual:  "annual report " + randomHex(8) + "\n",
		secret:  `{"apiKey":"` + randomHex(12) + `"}`,
		outside: "outside the app " + randomHex(8) + "\n",
	}
	if err := t.WriteFile("outside.txt", []byte(ia.outside)); err != nil {
		return nil, exercise.Outcome{}, err
	}
	a, o, err := serve(ctx, t, nil, map[string][]byte{
		"files/" + reportName: []byte(ia.report),
		"files/" + annualName: []byte(ia.annual),
		secretName:            []byte(ia.secret),
	})
	if a == nil {
		return nil, o, err
	}
	ia.app = a
	return ia, o, nil
}

func inputCheck(name, hint string, judge func(ctx context.Context, a *inputApp) exercise.Outcome) exercise.Check {
	return exercise.Check{
		Name: name,
		Hint: hint,
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			a, o, err := startInput(ctx, t)
			if err != nil || a == nil {
				return o, err
			}
			return tidy(t, judge(ctx, a)), nil
		},
	}
}

func inputAttacks() *exercise.Verifier {
	start := func(ctx context.Context, t *exercise.Trial) (*app, exercise.Outcome, error) {
		a, o, err := startInput(ctx, t)
		if a == nil {
			return nil, o, err
		}
		return a.app, o, err
	}
	return &exercise.Verifier{
		ID:   "security-input-attacks",
		Load: startCheck(start),
		Checks: []exercise.Check{
			inputCheck("PATCH /settings still merges nested settings",
				"A merge must still be deep: PATCH { notifications: { sms: true } } changes that one setting and keeps "+
					"notifications.email. Object.assign and spreading replace the whole nested object.",
				judgeMerge),
			inputCheck("no request body makes a guest an admin",
				"JSON.parse makes \"__proto__\" an ordinary key, and target['__proto__'] is Object.prototype: merging into it "+
					"gives every object in the process isAdmin. target.constructor.prototype leads there too. Skip the keys "+
					"__proto__, constructor and prototype, and recurse only into the target's own objects (Object.hasOwn).",
				judgePollution),
			inputCheck("GET /files/NAME still serves the files",
				"Files directly in files/ must still download, names with spaces included, and a missing one gets 404.",
				judgeFiles),
			inputCheck("no path leaves files/",
				"path.join(FILES, name) resolves '..', so ../secrets.json is outside. Resolve first, then check where you "+
					"ended up: path.resolve(FILES, name) must be directly in FILES (path.dirname(full) === FILES); answer 404 "+
					"otherwise. Deleting '../' from the name is not enough: '....//' becomes '../' once you have.",
				judgeTraversal),
			inputCheck("GET /checksum still hashes the files, spaces included",
				"/checksum?name=report.txt answers { sha256 } of that file, a name with a space too, and a missing file gets 404.",
				judgeChecksum),
			inputCheck("shell syntax in a name runs no command",
				"exec hands the whole string to /bin/sh, and quotes do not help: $(…) runs inside double quotes, and a quote "+
					"in the name closes yours. Run the program without a shell, the name as one argument: "+
					"execFile('sha256sum', [file]).",
				judgeInjection),
			inputCheck("a name cannot be an option to sha256sum",
				"With execFile a name is one argument, but an argument that starts with - is still an option: "+
					"?name=--version makes sha256sum print its version. Put '--' before it, or pass the resolved absolute "+
					"path of a file you checked is in files/.",
				judgeOptionInjection),
		},
	}
}

func judgeMerge(ctx context.Context, a *inputApp) exercise.Outcome {
	const expect = `after PATCH {"theme":"dark"} and PATCH {"notifications":{"sms":true}}, GET /settings is ` +
		`{"theme":"dark","notifications":{"email":true,"sms":true}}`
	for _, body := range []string{`{"theme":"dark"}`, `{"notifications":{"sms":true}}`} {
		r, err := a.sendJSON(ctx, http.MethodPatch, "/settings", body, nil)
		if err != nil {
			return a.broken(expect, "PATCH /settings", err)
		}
		if r.status != http.StatusOK {
			return fail(expect, "PATCH /settings %s: %s", body, r)
		}
	}
	r, err := a.get(ctx, "/settings", nil)
	if err != nil {
		return a.broken(expect, "GET /settings", err)
	}
	var got, want any
	_ = json.Unmarshal([]byte(`{"theme":"dark","notifications":{"email":true,"sms":true}}`), &want)
	if r.status != http.StatusOK || json.Unmarshal(r.body, &got) != nil || !reflect.DeepEqual(got, want) {
		return fail(expect, "GET /settings: %s", r)
	}
	return pass(expect, "GET /settings: %s", brief(r.body))
}

// pollutions are request bodies that reach Object.prototype through a naive
// deep merge.
var pollutions = []string{
	`{"__proto__":{"isAdmin":true}}`,
	`{"notifications":{"__proto__":{"isAdmin":true}}}`,
	`{"constructor":{"prototype":{"isAdmin":true}}}`,
}

func judgePollution(ctx context.Context, a *inputApp) exercise.Outcome {
	const expect = "GET /admin answers 403 after each polluting PATCH /settings (any answer to the PATCH itself)"
	r, err := a.get(ctx, "/admin", nil)
	if err != nil {
		return a.broken(expect, "GET /admin", err)
	}
	if r.status != http.StatusForbidden {
		return fail(expect, "GET /admin before any attack: %s (a guest gets 403)", r)
	}
	for _, body := range pollutions {
		patched, err := a.sendJSON(ctx, http.MethodPatch, "/settings", body, nil)
		if err != nil {
			return a.broken(expect, "PATCH /settings "+body, err)
		}
		admin, err := a.get(ctx, "/admin", nil)
		if err != nil {
			return a.broken(expect, "GET /admin after PATCH /settings "+body, err)
		}
		if admin.status != http.StatusForbidden {
			return fail(expect, "PATCH /settings %s answered %d; then GET /admin: %s", body, patched.status, admin)
		}
	}
	return pass(expect, "GET /admin stayed 403 after %d polluting bodies", len(pollutions))
}

// fileName is how a name goes into a URL path: escaped, "/" included.
func fileName(name string) string { return url.PathEscape(name) }

func judgeFiles(ctx context.Context, a *inputApp) exercise.Outcome {
	const expect = "GET /files/report.txt and /files/annual%20report.txt: 200 with the file; /files/missing.txt: 404"
	for _, f := range []struct{ name, content string }{{reportName, a.report}, {annualName, a.annual}} {
		r, err := a.get(ctx, "/files/"+fileName(f.name), nil)
		if err != nil {
			return a.broken(expect, "GET /files/"+fileName(f.name), err)
		}
		if r.status != http.StatusOK || string(r.body) != f.content {
			return fail(expect, "GET /files/%s: %s (the file holds %q)", fileName(f.name), r, f.content)
		}
	}
	r, err := a.get(ctx, "/files/missing.txt", nil)
	if err != nil {
		return a.broken(expect, "GET /files/missing.txt", err)
	}
	if r.status != http.StatusNotFound {
		return fail(expect, "GET /files/missing.txt: %s", r)
	}
	return pass(expect, "both files served; a missing one 404")
}

// traversals are names that leave files/ through a naive join, encoded as
// a client would send them ("%2f" is a "/" inside the name).
var traversals = []string{
	"..%2f" + secretName,
	"..%2f..%2foutside.txt",
	"....%2f%2f" + secretName, // "....//": one "../" left once a filter removed one
	"%2e%2e%2f" + secretName,
	strings.Repeat("..%2f", 12) + "etc%2fpasswd",
	"%2fetc%2fpasswd",
}

func judgeTraversal(ctx context.Context, a *inputApp) exercise.Outcome {
	const expect = "400 or 404 for every name that leads out of files/, and none of the files outside in any answer"
	for _, name := range traversals {
		target := "/files/" + name
		r, err := a.get(ctx, target, nil)
		if err != nil {
			return a.broken(expect, "GET "+target, err)
		}
		if leaked := a.leak(r.body); leaked != "" {
			return fail(expect, "GET %s answered %d with %s: %s", target, r.status, leaked, brief(r.body))
		}
		if r.status < 400 || r.status >= 500 {
			return fail(expect, "GET %s: %s", target, r)
		}
	}
	return pass(expect, "%d escaping names, all refused", len(traversals))
}

// leak names the secret file a body shows, if any.
func (a *inputApp) leak(body []byte) string {
	switch {
	case contains(body, strings.TrimSpace(a.secret)):
		return secretName + " (next to server.js)"
	case contains(body, strings.TrimSpace(a.outside)):
		return "a file above the app"
	case contains(body, "root:x:0:0"):
		return "/etc/passwd"
	}
	return ""
}

func (a *inputApp) checksum(ctx context.Context, name string) (*reply, error) {
	return a.get(ctx, "/checksum?name="+url.QueryEscape(name), nil)
}

func judgeChecksum(ctx context.Context, a *inputApp) exercise.Outcome {
	const expect = "GET /checksum?name=report.txt and ?name=annual+report.txt: 200 { sha256 } of the file; a missing file: 404"
	for _, f := range []struct{ name, content string }{{reportName, a.report}, {annualName, a.annual}} {
		sum := sha256.Sum256([]byte(f.content))
		want := hex.EncodeToString(sum[:])
		r, err := a.checksum(ctx, f.name)
		if err != nil {
			return a.broken(expect, "GET /checksum", err)
		}
		var got struct {
			SHA256 string `json:"sha256"`
		}
		if r.status != http.StatusOK || json.Unmarshal(r.body, &got) != nil || got.SHA256 != want {
			return fail(expect, "?name=%s: %s (its sha256 is %s)", url.QueryEscape(f.name), r, want)
		}
	}
	r, err := a.checksum(ctx, "missing.txt")
	if err != nil {
		return a.broken(expect, "GET /checksum", err)
	}
	if r.status != http.StatusNotFound {
		return fail(expect, "?name=missing.txt: %s", r)
	}
	return pass(expect, "both checksums right; a missing file 404")
}

// injections returns names that make a shell run `touch MARKER`, one
// marker per name, in every way a name can escape a quoted or unquoted
// command line.
func injections(dir string) (names, markers []string) {
	forms := []string{
		"report.txt; touch %s",
		"report.txt && touch %s",
		"report.txt | touch %s",
		"$(touch %s)",
		"`touch %s`",
		`report.txt"; touch %s; echo "`,
		`report.txt'; touch %s; echo '`,
	}
	for i, form := range forms {
		marker := filepath.Join(dir, fmt.Sprintf("pwned-%d", i+1))
		names = append(names, fmt.Sprintf(form, marker))
		markers = append(markers, marker)
	}
	return names, markers
}

func judgeInjection(ctx context.Context, a *inputApp) exercise.Outcome {
	const expect = "no command runs: none of the marker files that `touch` in each name would create exists"
	names, markers := injections(a.dir)
	for _, name := range names {
		if _, err := a.checksum(ctx, name); err != nil {
			return a.broken(expect, "GET /checksum?name="+url.QueryEscape(name), err)
		}
	}
	// exec answers once the shell is done, but a command sent to the
	// background could still be on its way.
	time.Sleep(300 * time.Millisecond)
	for i, m := range markers {
		_, err := os.Stat(m)
		if !errors.Is(err, fs.ErrNotExist) {
			return fail(expect, "?name=%s ran `touch`: %s exists", names[i], filepath.Base(m))
		}
	}
	return pass(expect, "%d names with shell syntax, no command ran", len(names))
}

func judgeOptionInjection(ctx context.Context, a *inputApp) exercise.Outcome {
	const expect = "GET /checksum?name=--version: 400 or 404, not sha256sum's version"
	r, err := a.checksum(ctx, "--version")
	if err != nil {
		return a.broken(expect, "GET /checksum?name=--version", err)
	}
	if r.status < 400 || r.status >= 500 {
		return fail(expect, "?name=--version: %s", r)
	}
	return pass(expect, "?name=--version: %s", r)
}
