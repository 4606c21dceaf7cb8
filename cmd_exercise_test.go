package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/labs/exercise/exercisetest"
	"github.com/nodedive/nodedive/lessons"
)

// runCLI runs nodedive in-process with stdin and returns stdout and the
// error (stderr is where fang would print it).
func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	root.SilenceUsage, root.SilenceErrors = true, true // as fang runs it
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(t.Context())
	return out.String(), err
}

type listedExercise struct {
	ID, Topic, Title, Status string
}

func statusOf(t *testing.T, id string) string {
	t.Helper()
	out, err := runCLI(t, "", "exercise", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []listedExercise
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	for _, r := range rows {
		if r.ID == id {
			return r.Status
		}
	}
	t.Fatalf("%s is not listed:\n%s", id, out)
	return ""
}

func solutionOf(t *testing.T, id string) []exercise.File {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := cat.Find(id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Solution
}

func writeFiles(t *testing.T, dir string, files []exercise.File) {
	t.Helper()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The whole loop on one exercise: list, start, verify (fail), fix,
// verify (pass), list again, solution.
func TestExerciseLoop(t *testing.T) {
	nodetest.RequireNode(t)
	home := t.TempDir()
	t.Setenv("NODEDIVE_HOME", home)
	const id = "events-bank-account"
	dir := filepath.Join(home, "data", "exercises", id)

	if got := statusOf(t, id); got != "new" {
		t.Errorf("status before start = %s", got)
	}
	out, err := runCLI(t, "", "exercise", "start", id)
	if err != nil || !strings.Contains(out, dir) || !strings.Contains(out, "wrote README.md, bank-account.js") {
		t.Fatalf("start: %v\n%s", err, out)
	}
	if got := statusOf(t, id); got != "started" {
		t.Errorf("status after start = %s", got)
	}
	mine := []byte("// my work\n" + string(must(os.ReadFile(filepath.Join(dir, "bank-account.js")))))
	if err := os.WriteFile(filepath.Join(dir, "bank-account.js"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(t, "", "exercise", "start", id)
	if err != nil || !strings.Contains(out, "left alone (already there, yours): README.md, bank-account.js") {
		t.Errorf("start again: %v\n%s", err, out)
	}
	if got := must(os.ReadFile(filepath.Join(dir, "bank-account.js"))); !bytes.Equal(got, mine) {
		t.Error("starting again overwrote the learner's file")
	}

	out, err = runCLI(t, "", "verify", id)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("verify of the scaffold: err %v, want exit status 1\n%s", err, out)
	}
	for _, want := range []string{"✓ bank-account.js loads", "✗ a declined withdrawal cannot crash the process", "    expected: ", "    observed: ", "    hint:     "} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	exercisetest.AssertNothingLeft(t)

	writeFiles(t, dir, solutionOf(t, id))
	out, err = runCLI(t, "", "verify", id)
	if err != nil || !strings.Contains(out, "Exercise passed!") {
		t.Fatalf("verify of the solution: %v\n%s", err, out)
	}
	if got := statusOf(t, id); got != "passed" {
		t.Errorf("status after a pass = %s", got)
	}
	out, err = runCLI(t, "", "verify", id)
	if err != nil || strings.Contains(out, "Exercise passed!") || !strings.Contains(out, "checks pass") {
		t.Errorf("a second pass is announced as the first: %v\n%s", err, out)
	}

	out, err = runCLI(t, "", "exercise", "solution", id)
	if err != nil || !strings.Contains(out, "already are the reference solution") {
		t.Errorf("solution after passing with it: %v\n%s", err, out)
	}
	exercisetest.AssertNothingLeft(t)
}

func TestVerifyJSON(t *testing.T) {
	nodetest.RequireNode(t)
	t.Setenv("NODEDIVE_HOME", t.TempDir())
	dir := t.TempDir()
	if _, err := runCLI(t, "", "exercise", "start", "events-once", "--dir", dir); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "", "verify", "events-once", "--json")
	if err == nil {
		t.Fatal("verify --json of the scaffold exited 0")
	}
	var r struct {
		Exercise string
		Passed   bool
		Checks   []map[string]any
		Dir      string
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.Exercise != "events-once" || r.Passed || len(r.Checks) < 4 || r.Dir != dir {
		t.Errorf("report %+v", r)
	}
	for _, c := range r.Checks {
		for _, key := range []string{"name", "pass", "expected", "observed", "hint"} {
			if _, ok := c[key]; !ok {
				t.Errorf("check %v has no %q", c["name"], key)
			}
		}
	}
	exercisetest.AssertNothingLeft(t)
}

func TestHintsComeOneAtATime(t *testing.T) {
	t.Setenv("NODEDIVE_HOME", t.TempDir())
	const id = "modules-dual-package"
	for i, want := range []string{"Hint 1 of 3", "Hint 2 of 3", "Hint 3 of 3"} {
		out, err := runCLI(t, "", "exercise", "hint", id)
		if err != nil || !strings.Contains(out, want) || strings.Count(out, "Hint ") != 1 {
			t.Fatalf("hint call %d: %v\n%s", i+1, err, out)
		}
	}
	out, _ := runCLI(t, "", "exercise", "hint", id)
	if strings.Count(out, "Hint ") != 3 || !strings.Contains(out, "--reveal") {
		t.Errorf("after the last hint, want all three and the way to the solution:\n%s", out)
	}
	if got := statusOf(t, id); got != "started" {
		t.Errorf("asking for hints leaves the status %s", got)
	}
	t.Setenv("NODEDIVE_HOME", t.TempDir())
	out, _ = runCLI(t, "", "exercise", "hint", id, "--all")
	if strings.Count(out, "Hint ") != 3 {
		t.Errorf("--all:\n%s", out)
	}
}

func TestSolutionNeedsAPassOrReveal(t *testing.T) {
	t.Setenv("NODEDIVE_HOME", t.TempDir())
	const id = "events-listener-leak"
	dir := t.TempDir()
	if _, err := runCLI(t, "", "exercise", "start", id, "--dir", dir); err != nil {
		t.Fatal(err)
	}
	_, err := runCLI(t, "", "exercise", "solution", id)
	if err == nil || !strings.Contains(err.Error(), "not passed") || !strings.Contains(err.Error(), "--reveal") {
		t.Fatalf("solution before a pass: %v", err)
	}
	scaffold := must(os.ReadFile(filepath.Join(dir, "price-feed.js")))
	out, err := runCLI(t, "no\n", "exercise", "solution", id, "--reveal")
	if err != nil || !strings.Contains(out, "Nothing was changed.") {
		t.Errorf("answering no: %v\n%s", err, out)
	}
	if got := must(os.ReadFile(filepath.Join(dir, "price-feed.js"))); !bytes.Equal(got, scaffold) {
		t.Error("answering no changed the file")
	}
	out, err = runCLI(t, "yes\n", "exercise", "solution", id, "--reveal")
	if err != nil || !strings.Contains(out, "replaced price-feed.js (yours are in ") {
		t.Fatalf("answering yes: %v\n%s", err, out)
	}
	backups, _ := filepath.Glob(filepath.Join(dir, exercise.BackupDir, "*", "price-feed.js"))
	if len(backups) != 1 || !bytes.Equal(must(os.ReadFile(backups[0])), scaffold) {
		t.Errorf("backups %v do not hold the learner's file", backups)
	}
	if got := must(os.ReadFile(filepath.Join(dir, "price-feed.js"))); bytes.Equal(got, scaffold) {
		t.Error("the solution was not written")
	}
}

func TestExerciseCommandsExplainBadInput(t *testing.T) {
	t.Setenv("NODEDIVE_HOME", t.TempDir())
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", "events-onc"}, `did you mean "events-once"?`},
		{[]string{"exercise", "start", "bank"}, `did you mean "events-bank-account"?`},
		{[]string{"verify", "events-once"}, "`nodedive exercise start events-once` writes it"},
		{[]string{"verify", "events-once", "--dir", file}, "is a file, not a directory"},
		{[]string{"exercise", "start", "events-once", "--dir", file}, "is a file, not a directory"},
		{[]string{"verify", "events-once", "--node", "/nonexistent/node"}, "node was not found at /nonexistent/node"},
		{[]string{"watch", "events-once"}, "`nodedive exercise start events-once` writes it"},
	} {
		_, err := runCLI(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// Every lesson section an exercise points at exists.
func TestExerciseLessonLinksExist(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	course, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.All() {
		if len(e.Lessons) == 0 {
			t.Errorf("%s links no lesson section", e.ID)
		}
		for _, l := range e.Lessons {
			lesson, err := course.Find(l.Lesson)
			if err == nil {
				_, err = lesson.FindSection(l.Section)
			}
			if err != nil {
				t.Errorf("%s links %s §%s: %v", e.ID, l.Lesson, l.Section, err)
			}
		}
	}
}

// watch, run as the real binary: a save re-verifies, Ctrl-C ends it with
// status 0 and takes every process of the checks with it.
func TestWatchReverifiesOnSaveAndStopsOnCtrlC(t *testing.T) {
	nodetest.RequireNode(t)
	bin := binary(t)
	home := t.TempDir()
	const id = "events-bank-account"
	start := exec.Command(bin, "exercise", "start", id)
	start.Env = append(os.Environ(), "NODEDIVE_HOME="+home)
	if out, err := start.CombinedOutput(); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "watch", id)
	cmd.Env = append(os.Environ(), "NODEDIVE_HOME="+home)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var seen strings.Builder
	waitFor := func(want string) {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for !strings.Contains(seen.String(), want) {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("watch ended before %q:\n%s", want, seen.String())
				}
				seen.WriteString(line + "\n")
			case <-deadline:
				t.Fatalf("no %q within a minute:\n%s", want, seen.String())
			}
		}
	}
	waitFor("save a file to check again")
	if !strings.Contains(seen.String(), "✗ a declined withdrawal cannot crash the process") {
		t.Errorf("the first run did not fail the scaffold:\n%s", seen.String())
	}
	seen.Reset()
	writeFiles(t, filepath.Join(home, "data", "exercises", id), solutionOf(t, id))
	waitFor("(saved: bank-account.js)")
	waitFor("Exercise passed!")
	waitFor("save a file to check again")

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("watch exited with %v after Ctrl-C, want status 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not end within 10 s of Ctrl-C")
	}
	for line := range lines {
		seen.WriteString(line + "\n")
	}
	if !strings.Contains(seen.String(), "Stopped watching.") {
		t.Errorf("no goodbye:\n%s", seen.String())
	}
	if left := sandboxedBy(cmd.Process.Pid); len(left) > 0 {
		t.Errorf("processes of the checks left behind: %v", left)
	}
}

// sandboxedBy lists live processes of sandbox runs started by pid (they
// carry its mark in their environment).
func sandboxedBy(pid int) []int {
	mark := []byte("NODEDIVE_SANDBOX=nodedive-" + strconv.Itoa(pid) + "-")
	entries, _ := os.ReadDir("/proc")
	var left []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(env, mark) {
			left = append(left, p)
		}
	}
	return left
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// --node picks the node the checks run on: a mistake that Node 24 rejects
// passes on the node on PATH when that is older, and fails with --node.
func TestVerifyOnTheNodeGivenWithNodeFlag(t *testing.T) {
	nodetest.RequireNode(t)
	node24 := exercisetest.NodeAtLeast(t, 24)
	if node24 == "" {
		t.Skip("the node on PATH is already 24 or later: nothing to compare")
	}
	t.Setenv("NODEDIVE_HOME", t.TempDir())
	const id = "modules-esm-from-cjs"
	dir := t.TempDir()
	if _, err := runCLI(t, "", "exercise", "start", id, "--dir", dir); err != nil {
		t.Fatal(err)
	}
	lazy := exercisetest.Files(t, filepath.Join("labs", "exercise", "modules", "testdata", id, "lazy-require"))
	writeFiles(t, dir, lazy)
	out, err := runCLI(t, "", "verify", id, "--node", node24)
	if err == nil || !strings.Contains(out, "✗ formatTotal works while convertTotal is loading") || !strings.Contains(out, "ERR_REQUIRE_ESM_RACE_CONDITION") {
		t.Errorf("the race on node 24+: %v\n%s", err, out)
	}
	writeFiles(t, dir, solutionOf(t, id))
	out, err = runCLI(t, "", "verify", id, "--node", node24)
	if err != nil || !strings.Contains(out, "checks pass on node 2") {
		t.Errorf("the solution on node 24+: %v\n%s", err, out)
	}
	exercisetest.AssertNothingLeft(t)
}

// An exercise with npm packages, through the commands: start writes its
// package.json and lockfile, verify installs them once (progress on stderr,
// so --json stays clean) and links node_modules into the learner's directory.
func TestVerifyExerciseWithPackages(t *testing.T) {
	nodetest.RequireNode(t)
	home := t.TempDir()
	t.Setenv("NODEDIVE_HOME", home)
	// The cache is the one every exercise test installs into, so the
	// packages are installed once per machine rather than once per test.
	if err := os.Symlink(exercisetest.PackagesCacheDir(t), filepath.Join(home, "cache")); err != nil {
		t.Fatal(err)
	}
	const id = "security-input-attacks"
	dir := t.TempDir()
	out, err := runCLI(t, "", "exercise", "start", id, "--dir", dir)
	if err != nil || !strings.Contains(out, "package-lock.json") || !strings.Contains(out, "files/annual report.txt") {
		t.Fatalf("start: %v\n%s", err, out)
	}
	writeFiles(t, dir, solutionOf(t, id))
	out, err = runCLI(t, "", "verify", id, "--json")
	var r struct {
		Passed bool
		Checks []struct{ Name string }
	}
	if jerr := json.Unmarshal([]byte(out), &r); err != nil || jerr != nil || !r.Passed || len(r.Checks) < 5 {
		t.Fatalf("verify --json of the solution: %v, %v\n%s", err, jerr, out)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "node_modules")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("node_modules in the exercise's directory: %v, %v; want a link to the install", fi, err)
	}
	exercisetest.AssertNothingLeft(t)
}
