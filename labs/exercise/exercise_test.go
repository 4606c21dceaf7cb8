package exercise_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/exercisetest"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.RunChildIfRequested()
	os.Exit(m.Run())
}

const readme = `---
id: demo-greet
topic: modules
title: Greet
order: 1
hints: [first, second, third]
lessons:
  - lesson: q11
    section: definition
---
# Greet

Export greet(name).
`

// content is a one-exercise course: greet.js must export greet(name).
func content() fstest.MapFS {
	return fstest.MapFS{
		"demo-greet/README.md":         {Data: []byte(readme)},
		"demo-greet/scaffold/greet.js": {Data: []byte("module.exports = { greet: () => 'TODO' };\n")},
		"demo-greet/solution/greet.js": {Data: []byte("module.exports = { greet: (n) => `hello ${n}` };\n")},
	}
}

// harness checks greet.js through check.cjs; "spawn" leaves a detached
// process behind, "server" listens on every interface.
var harness = fstest.MapFS{
	"load.cjs": {Data: []byte(`require('./app/greet.js'); require('./check.cjs').report(true, 'greet.js loads', 'it loads');`)},
	"greet.cjs": {Data: []byte(`const { same } = require('./check.cjs');
same("greet('ada')", 'hello ada', require('./app/greet.js').greet('ada'));`)},
	"spawn.cjs": {Data: []byte(`require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' }).unref();
setTimeout(() => require('./check.cjs').report(true, 'spawned', 'spawned'), 300);`)},
	"server.cjs":  {Data: []byte(`require('node:net').createServer().listen(process.env.PORT, '0.0.0.0');`)},
	"exposed.cjs": {Data: []byte(`require('node:net').createServer().listen(process.env.PORT, '0.0.0.0', () => require('./check.cjs').report(true, 'served', 'served'));`)},
	"forever.cjs": {Data: []byte(`require('./app/greet.js'); for (;;) {}`)},
}

func verifier(extra ...exercise.Check) *exercise.Verifier {
	return &exercise.Verifier{
		ID:      "demo-greet",
		Harness: harness,
		Load:    exercise.Script("greet.js loads", "read the error", "greet.js loads", "load.cjs"),
		Checks: append([]exercise.Check{
			exercise.Script("greet says hello", "return `hello ${name}`", "greet('ada') is 'hello ada'", "greet.cjs"),
		}, extra...),
	}
}

func demo(t *testing.T, extra ...exercise.Check) *exercise.Exercise {
	t.Helper()
	c, err := exercise.NewCatalog(content(), []*exercise.Verifier{verifier(extra...)})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Find("demo-greet")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLoadParsesTheContent(t *testing.T) {
	e := demo(t)
	if e.Title != "Greet" || e.Topic != "modules" || len(e.Hints) != 3 || len(e.Lessons) != 1 {
		t.Errorf("parsed %+v", e)
	}
	if !strings.HasPrefix(string(e.README), "# Greet") {
		t.Errorf("README = %q, want the body without front matter", e.README)
	}
	if got := e.CheckNames(); !slices.Equal(got, []string{"greet.js loads", "greet says hello"}) {
		t.Errorf("CheckNames() = %v", got)
	}
}

func TestLoadRejectsBadContent(t *testing.T) {
	for name, change := range map[string]func(fstest.MapFS){
		"id differs from dir": func(fs fstest.MapFS) {
			fs["demo-greet/README.md"].Data = []byte(strings.Replace(readme, "id: demo-greet", "id: other", 1))
		},
		"unknown topic": func(fs fstest.MapFS) {
			fs["demo-greet/README.md"].Data = []byte(strings.Replace(readme, "topic: modules", "topic: modulez", 1))
		},
		"unknown field": func(fs fstest.MapFS) {
			fs["demo-greet/README.md"].Data = []byte(strings.Replace(readme, "order: 1", "order: 1\nhint: x", 1))
		},
		"no solution": func(fs fstest.MapFS) { delete(fs, "demo-greet/solution/greet.js") },
	} {
		t.Run(name, func(t *testing.T) {
			fs := content()
			change(fs)
			if _, err := exercise.Load(fs); err == nil || !strings.Contains(err.Error(), "demo-greet") {
				t.Errorf("err = %v, want one naming the exercise", err)
			}
		})
	}
}

func TestCatalogMatchesVerifiersToExercises(t *testing.T) {
	other := verifier()
	other.ID = "demo-other"
	_, err := exercise.NewCatalog(content(), []*exercise.Verifier{other})
	if err == nil || !strings.Contains(err.Error(), `verifier "demo-other" has no exercise`) ||
		!strings.Contains(err.Error(), `exercise "demo-greet" has no verifier`) {
		t.Errorf("err = %v", err)
	}
	_, err = exercise.NewCatalog(content(), []*exercise.Verifier{verifier()}, []*exercise.Verifier{verifier()})
	if err == nil || !strings.Contains(err.Error(), "two verifiers") {
		t.Errorf("a duplicate verifier: %v", err)
	}
	c, err := exercise.NewCatalog(content(), []*exercise.Verifier{verifier()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Find("demo-gret")
	if err == nil || !strings.Contains(err.Error(), `did you mean "demo-greet"?`) {
		t.Errorf("a typo: %v", err)
	}
}

func TestVerifyPassesTheSolutionAndFailsTheScaffold(t *testing.T) {
	e := demo(t)
	var started []string
	var live []exercise.CheckResult
	r := exercisetest.Verify(t, e, exercisetest.Dir(t, e.Solution), exercise.Options{
		OnStart:  func(name string) { started = append(started, name) },
		OnResult: func(c exercise.CheckResult) { live = append(live, c) },
	})
	if !r.Passed || len(r.Checks) != 2 || r.Node == "" {
		t.Fatalf("solution: %s", exercisetest.Describe(r))
	}
	if !slices.Equal(started, e.CheckNames()) || len(live) != 2 {
		t.Errorf("callbacks saw %v and %d results", started, len(live))
	}
	r = exercisetest.Verify(t, e, exercisetest.Dir(t, e.Scaffold), exercise.Options{})
	exercisetest.AssertFails(t, r, "greet says hello")
	c := r.Checks[1]
	if c.Expected != "greet('ada'): 'hello ada'" || c.Observed != "'TODO'" || c.Hint != "return `hello ${name}`" {
		t.Errorf("failed check %+v", c)
	}
}

func TestOnlyRunsTheNamedChecks(t *testing.T) {
	e := demo(t, exercise.Script("extra", "unused", "unused", "greet.cjs"))
	r := exercisetest.Verify(t, e, exercisetest.Dir(t, e.Solution), exercise.Options{Only: []string{"extra"}})
	if len(r.Checks) != 2 || r.Checks[1].Name != "extra" || r.NotRun != 1 || r.Passed {
		t.Errorf("want the load check and extra, one not run, and no pass:\n%s", exercisetest.Describe(r))
	}
}

// A learner file that does not even load gets one message with node's
// error, naming the learner's own file, and no other check runs.
func TestCodeThatDoesNotLoadGetsOneMessage(t *testing.T) {
	e := demo(t)
	dir := exercisetest.Dir(t, []exercise.File{{Name: "greet.js", Data: []byte("module.exports = {\n  greet: (n) => `hi ${n}`,,\n};\n")}})
	r := exercisetest.Verify(t, e, dir, exercise.Options{})
	if r.Passed || len(r.Checks) != 1 || r.NotRun != 1 {
		t.Fatalf("want only the load check, failed, and 1 not run:\n%s", exercisetest.Describe(r))
	}
	obs := r.Checks[0].Observed
	for _, want := range []string{"node stopped before the check finished: it exited with status 1", filepath.Join(dir, "greet.js") + ":2", "SyntaxError"} {
		if !strings.Contains(obs, want) {
			t.Errorf("observed lacks %q:\n%s", want, obs)
		}
	}
	if strings.Contains(obs, "nodedive-exercise-") || strings.Contains(obs, "node:internal") {
		t.Errorf("observed shows the check's temp dir or node internals:\n%s", obs)
	}
}

func TestAProcessLeftRunningFailsTheCheck(t *testing.T) {
	e := demo(t, exercise.Script("spawns", "wait for your children", "spawned", "spawn.cjs"))
	r := exercisetest.Verify(t, e, exercisetest.Dir(t, e.Solution), exercise.Options{})
	exercisetest.AssertFails(t, r, "spawns")
	c := r.Checks[2]
	if !strings.Contains(c.Observed, "left 1 process(es) running") || !strings.Contains(c.Hint, "nothing may outlive the program") {
		t.Errorf("check %+v", c)
	}
}

func TestAServerOnEveryInterfaceFails(t *testing.T) {
	serve := exercise.Check{
		Name: "serves", Hint: "listen on HOST",
		Run: func(ctx context.Context, tr *exercise.Trial) (exercise.Outcome, error) {
			_, o, err := tr.Serve(ctx, "a server on 127.0.0.1", "server.cjs")
			return o, err
		},
	}
	e := demo(t, serve)
	r := exercisetest.Verify(t, e, exercisetest.Dir(t, e.Solution), exercise.Options{})
	exercisetest.AssertFails(t, r, "serves")
	if c := r.Checks[2]; !strings.Contains(c.Observed, "0.0.0.0:") || !strings.Contains(c.Observed, "other machines can reach") {
		t.Errorf("check %+v", c)
	}
}

// shortCheck runs script with its own short time limit (the load check keeps
// the default, so a slow machine does not fail it instead).
func shortCheck(name, script string, limit time.Duration) exercise.Check {
	return exercise.Check{
		Name: name, Hint: "the hint of " + name,
		Run: func(ctx context.Context, tr *exercise.Trial) (exercise.Outcome, error) {
			spec := tr.Spec(script)
			spec.Timeout = limit
			o, _, err := tr.ReportSpec(ctx, "it ends", spec)
			return o, err
		},
	}
}

// Whatever a check looks at, code that listens on every interface fails it.
func TestAListenerOnEveryInterfaceFailsAnyCheck(t *testing.T) {
	e := demo(t, shortCheck("exposes", "exposed.cjs", 5*time.Second))
	r := exercisetest.Verify(t, e, exercisetest.Dir(t, e.Solution), exercise.Options{})
	exercisetest.AssertFails(t, r, "exposes")
	if c := r.Checks[2]; !strings.Contains(c.Observed, "listened on 0.0.0.0:") || !strings.Contains(c.Hint, "process.env.HOST") {
		t.Errorf("check %+v", c)
	}
}

func TestCodeThatNeverEndsIsStoppedByTheTimeLimit(t *testing.T) {
	e := demo(t, shortCheck("ends", "forever.cjs", time.Second))
	r := exercisetest.Verify(t, e, exercisetest.Dir(t, e.Solution), exercise.Options{})
	exercisetest.AssertFails(t, r, "ends")
	if c := r.Checks[2]; !strings.Contains(c.Observed, "stopped by the time limit") {
		t.Errorf("check %+v", c)
	}
}

func TestVerifyNeedsTheExerciseFiles(t *testing.T) {
	e := demo(t)
	_, err := e.Verify(t.Context(), filepath.Join(t.TempDir(), "missing"), exercise.Options{})
	if !errors.Is(err, exercise.ErrNotStarted) {
		t.Errorf("a missing dir: %v", err)
	}
	_, err = e.Verify(t.Context(), t.TempDir(), exercise.Options{})
	if !errors.Is(err, exercise.ErrNotStarted) || !strings.Contains(err.Error(), "none of its files") {
		t.Errorf("an empty dir: %v", err)
	}
	file := filepath.Join(t.TempDir(), "greet.js")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = e.Verify(t.Context(), file, exercise.Options{})
	if err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("a file: %v", err)
	}
	_, err = e.Verify(t.Context(), exercisetest.Dir(t, e.Solution), exercise.Options{Node: "/nonexistent/node"})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/node") {
		t.Errorf("a missing node: %v", err)
	}
}

func TestWriteStarterNeverOverwrites(t *testing.T) {
	e := demo(t)
	dir := filepath.Join(t.TempDir(), "ex")
	res, err := e.WriteStarter(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Written, []string{"README.md", "greet.js"}) || len(res.Kept) != 0 {
		t.Errorf("first start: %+v", res)
	}
	mine := []byte("module.exports = { greet: (n) => 'mine' };\n")
	if err := os.WriteFile(filepath.Join(dir, "greet.js"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "README.md")); err != nil {
		t.Fatal(err)
	}
	res, err = e.WriteStarter(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Written, []string{"README.md"}) || !slices.Equal(res.Kept, []string{"greet.js"}) {
		t.Errorf("second start: %+v", res)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "greet.js")); string(got) != string(mine) {
		t.Errorf("the learner's file was overwritten: %q", got)
	}
}

func TestApplySolutionBacksUpWhatItReplaces(t *testing.T) {
	e := demo(t)
	dir := t.TempDir()
	mine := []byte("module.exports = { greet: (n) => 'mine' };\n")
	if err := os.WriteFile(filepath.Join(dir, "greet.js"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	plan, err := e.PlanSolution(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(plan.Replace, []string{"greet.js"}) || len(plan.Create)+len(plan.Same) != 0 {
		t.Fatalf("plan %+v", plan)
	}
	backup, err := e.ApplySolution(plan)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(backup, "greet.js")); string(got) != string(mine) {
		t.Errorf("backup holds %q", got)
	}
	if !strings.HasPrefix(backup, filepath.Join(dir, exercise.BackupDir)) {
		t.Errorf("backup at %s", backup)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "greet.js")); string(got) != string(e.Solution[0].Data) {
		t.Errorf("greet.js now holds %q", got)
	}
	// The backup is not part of what Verify copies: the solution passes.
	if r := exercisetest.Verify(t, e, dir, exercise.Options{}); !r.Passed {
		t.Errorf("after the solution:\n%s", exercisetest.Describe(r))
	}
	plan, _ = e.PlanSolution(dir)
	if !slices.Equal(plan.Same, []string{"greet.js"}) {
		t.Errorf("second plan %+v", plan)
	}
}

func TestStderrTailDropsNodeInternals(t *testing.T) {
	stderr := "/x/a.js:1\nthrow new Error('boom')\n^\n\nError: boom\n    at Object.<anonymous> (/x/a.js:1:7)\n    at Module._compile (node:internal/modules/cjs/loader:1554:14)\n\nNode.js v24.22.3\n"
	got := exercise.StderrTail(stderr)
	if strings.Contains(got, "node:internal") || !strings.Contains(got, "(/x/a.js:1:7)") || !strings.HasSuffix(got, "Node.js v24.22.3") {
		t.Errorf("StderrTail = %q", got)
	}
}
