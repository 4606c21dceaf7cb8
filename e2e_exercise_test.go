package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

// verifyWait bounds one verification of events-once (nine checks) seen
// from tmux on a loaded machine.
const verifyWait = 90 * time.Second

// TestExerciseInTmux is the exercise loop as a learner does it: Exercises
// from home, events-once, start it, verify the scaffold (failing checks
// with hints), a hint, the reference solution written into the directory
// (from the test, as an editor would), verify again (all pass), then code
// that never ends, verified and left mid-run, and quit: the pass is counted
// on home and no process of the checks is left.
func TestExerciseInTmux(t *testing.T) {
	nodetest.RequireNode(t)
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := cat.Find("events-once")
	if err != nil {
		t.Fatal(err)
	}
	s := newTmuxSession(t, 120, 36)
	s.waitFor("LESSONS")
	pid := s.appPid()
	s.keys("G", "k", "Enter") // Exercises sits just above Labs
	s.waitFor("EVENTS")
	s.selectLine("events-once")
	s.keys("Enter")
	s.waitFor("Not started: s writes the task and the scaffold")
	s.keys("s")
	s.waitFor("Your files:")
	dir := filepath.Join(s.home, "data", "exercises", e.ID)
	for _, f := range e.StarterFiles() {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			t.Errorf("s did not write %s: %v", f.Name, err)
		}
	}

	s.keys("v")
	screen := s.waitForWithin(fmt.Sprintf("of %d checks pass on node", len(e.CheckNames())), verifyWait)
	for _, want := range []string{"✓ once.js loads", "✗ rejects when 'error' comes first", "expected", "observed", "hint"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the failing checks lack %q:\n%s", want, screen)
		}
	}
	s.fits(120)
	// An old node on PATH (node 20 on these machines) gets its notice with
	// the first run of a session; it stays until esc dismisses it.
	if oldNodeOnPath(t) {
		s.waitFor("older than the supported lines")
		s.keys("Escape")
		s.waitForGone("older than the supported lines")
	}
	s.keys("h")
	s.waitFor("Hint 1 of 3")

	for _, f := range e.Solution {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f.Name)), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.keys("v")
	screen = s.waitForWithin(fmt.Sprintf("all %d checks pass on node", len(e.CheckNames())), verifyWait)
	if !strings.Contains(screen, "✓ passed") || strings.Contains(screen, "✗") {
		t.Errorf("after the reference solution:\n%s", screen)
	}

	// Code that never ends, verified, then the screen left mid-run: the
	// checks' processes go with it.
	if err := os.WriteFile(filepath.Join(dir, "once.js"), []byte("setInterval(() => {}, 1000);\nmodule.exports = { once() {} };\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.keys("v")
	deadline := time.Now().Add(30 * time.Second)
	for len(sandboxProcs(pid)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the checks never started the learner's code; the pane shows:\n%s", s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
	kids := descendants(pid)
	s.keys("q")
	s.waitFor("✓ passed   Write events.once")
	checkAllGone(t, kids)
	if left := sandboxProcs(pid); len(left) > 0 {
		t.Errorf("leaving the exercise left sandbox processes %v", left)
	}
	s.keys("q")
	s.waitFor(fmt.Sprintf("Exercises  1 of %d passed", len(cat.All())))

	s.keys("Enter")
	s.selectLine("events-once")
	s.keys("Enter")
	s.waitFor("Your files:")
	s.keys("v")
	deadline = time.Now().Add(30 * time.Second)
	for len(sandboxProcs(pid)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the second run never started; the pane shows:\n%s", s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.quitAndCheck(t) // ctrl+c in the middle of a verification
	if left := sandboxProcs(pid); len(left) > 0 {
		t.Errorf("quitting left sandbox processes %v", left)
	}
}

// selectLine moves the list cursor down to the line that contains want.
func (s *tmuxSession) selectLine(want string) {
	s.t.Helper()
	for range 40 {
		for _, line := range strings.Split(s.screen(), "\n") {
			if strings.Contains(line, "▸") && strings.Contains(line, want) {
				return
			}
		}
		s.keys("j")
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("no list line with %q; the pane shows:\n%s", want, s.screen())
}

// sandboxProcs lists the live processes that the sandbox of app pid
// started: they carry its mark in their environment.
func sandboxProcs(pid int) []int {
	mark := []byte(sandbox.MarkEnv + "=nodedive-" + strconv.Itoa(pid) + "-")
	entries, _ := os.ReadDir("/proc")
	var found []int
	for _, ent := range entries {
		n, err := strconv.Atoi(ent.Name())
		if err != nil || !running(n) {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", n))
		if err != nil {
			continue
		}
		for kv := range bytes.SplitSeq(env, []byte{0}) {
			if bytes.HasPrefix(kv, mark) {
				found = append(found, n)
				break
			}
		}
	}
	return found
}

// oldNodeOnPath reports whether the node on PATH is older than the
// supported lines, so the app shows its notice.
func oldNodeOnPath(t *testing.T) bool {
	t.Helper()
	v, err := noderun.Version(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	major, err := noderun.Major(v)
	if err != nil {
		t.Fatal(err)
	}
	return major < noderun.OldestLine
}
