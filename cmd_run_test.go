package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/lessons"
)

// execNodedive runs the CLI in-process and returns its stdout and stderr.
func execNodedive(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// findBlock returns the first JavaScript block (1-based) of any lesson
// whose runnable flag is as asked.
func findBlock(t *testing.T, runnable bool) (string, int, lessons.CodeBlock) {
	t.Helper()
	course, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range course.Lessons {
		for i, b := range l.Blocks {
			if b.IsJavaScript() && b.Runnable == runnable {
				return l.ID, i + 1, b
			}
		}
	}
	t.Fatalf("the course has no JavaScript block with runnable=%v", runnable)
	return "", 0, lessons.CodeBlock{}
}

func TestRunBlock(t *testing.T) {
	nodetest.RequireNode(t)
	id, n, _ := findBlock(t, true)
	out, _, err := execNodedive(t, "run", id, "--block", fmt.Sprint(n))
	if err != nil {
		t.Fatalf("run %s --block %d: %v\n%s", id, n, err, out)
	}
	if !strings.Contains(out, "--- node exited with status 0 after ") {
		t.Fatalf("no exit status line in:\n%s", out)
	}

	out, _, err = execNodedive(t, "run", id, "--list")
	if err != nil || !strings.Contains(out, "RUNNABLE") || !strings.Contains(out, fmt.Sprintf("nodedive run %s --block N", id)) {
		t.Fatalf("--list: %v\n%s", err, out)
	}
}

func TestRunBlockErrors(t *testing.T) {
	id, n, _ := findBlock(t, false)
	_, _, err := execNodedive(t, "run", id, "--block", fmt.Sprint(n))
	if err == nil || !strings.Contains(err.Error(), "is not marked runnable") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("a non-runnable block: %v", err)
	}
	_, _, err = execNodedive(t, "run", id, "--block", "999")
	if err == nil || !strings.Contains(err.Error(), "has code blocks 1 to") {
		t.Errorf("an out-of-range block: %v", err)
	}
	_, _, err = execNodedive(t, "run", "q1", "--block", "1")
	if err == nil || !strings.Contains(err.Error(), "did you mean") {
		t.Errorf("an unknown lesson: %v", err)
	}
}

// TestWithoutNodeOnPath covers a machine without node: the modules lab and
// `run` say Node is needed and how to get it and fail; the Go emitter lab
// still works.
func TestWithoutNodeOnPath(t *testing.T) {
	id, n, _ := findBlock(t, true)
	t.Setenv("PATH", t.TempDir())

	for _, args := range [][]string{
		{"run", id, "--block", fmt.Sprint(n)},
		{"lab", "modules"},
		{"lab", "modules", "--run", "cjs-cycle"},
		{"lab", "modules", "--json"},
	} {
		_, _, err := execNodedive(t, args...)
		if err == nil || !strings.Contains(err.Error(), "needs Node.js") && !strings.Contains(err.Error(), "on Node.js") ||
			!strings.Contains(err.Error(), noderun.InstallHint) {
			t.Errorf("%v without node: %v; want a message that Node is needed, with the install hint", args, err)
		}
	}
	out, _, err := execNodedive(t, "lab", "modules", "--list")
	if err != nil || !strings.Contains(out, "cjs-cycle") {
		t.Errorf("--list needs no node: %v\n%s", err, out)
	}

	out, _, err = execNodedive(t, "lab", "emitter", "--scenario", "copy-on-emit-add")
	if err != nil || !strings.Contains(out, "Go emitter:") || !strings.Contains(out, "late(2)") || !strings.Contains(out, "node: not run") {
		t.Errorf("emitter scenario without node: %v\n%s", err, out)
	}
	out, stderr, err := execNodedive(t, "lab", "emitter", "--demo", "bank", "--plain")
	if err != nil || out != "Deposited $50, new balance: $150\nWithdrew $30, new balance: $120\n" ||
		stderr != "Transaction failed: Insufficient funds\n" {
		t.Errorf("bank demo without node: %v\nstdout %q\nstderr %q", err, out, stderr)
	}
}

// TestBankDemoPlainMatchesNode: the Go demo prints what the script prints
// on node, stream for stream.
func TestBankDemoPlainMatchesNode(t *testing.T) {
	nodetest.RequireNode(t)
	script, err := fs.ReadFile(content.Labs(), "emitter/bank.js")
	if err != nil {
		t.Fatal(err)
	}
	res, err := noderun.Run(context.Background(), noderun.Program{Files: []noderun.File{{Name: "bank.js", Text: string(script)}}}, noderun.Options{})
	if err != nil || !res.OK() {
		t.Fatalf("node bank.js: %v %+v", err, res)
	}
	out, stderr, err := execNodedive(t, "lab", "emitter", "--demo", "bank", "--plain")
	if err != nil {
		t.Fatal(err)
	}
	if out != res.Stdout || stderr != res.Stderr {
		t.Fatalf("demo stdout %q stderr %q\nnode stdout %q stderr %q", out, stderr, res.Stdout, res.Stderr)
	}

	// Without the 'error' listener: node's crash report and status 1.
	out, stderr, err = execNodedive(t, "lab", "emitter", "--demo", "bank", "--plain", "--off", "error")
	if exitCode(err) != 1 || !strings.Contains(stderr, "throw er; // Unhandled 'error' event") ||
		!strings.Contains(stderr, "Emitted 'error' event on BankAccount instance at:") || !strings.HasPrefix(out, "Deposited $50") {
		t.Fatalf("crash: err %v\nstdout %s\nstderr %s", err, out, stderr)
	}
}

func TestLabCommandsOnNode(t *testing.T) {
	nodetest.RequireNode(t)
	out, _, err := execNodedive(t, "lab", "modules", "--run", "require-sync", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Node struct {
			Path, Version string
		} `json:"node"`
		Experiments []struct {
			Name, Expected, Observed string
			Pass                     bool
		} `json:"experiments"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if rep.Node.Version == "" || rep.Node.Path == "" || len(rep.Experiments) != 1 || !rep.Experiments[0].Pass || rep.Experiments[0].Observed == "" {
		t.Fatalf("report %+v", rep)
	}

	out, _, err = execNodedive(t, "lab", "emitter", "--scenario", "error-monitor")
	if err != nil || !strings.Contains(out, "The traces are identical.") || !strings.Contains(out, "node v") {
		t.Fatalf("--scenario: %v\n%s", err, out)
	}
	_, _, err = execNodedive(t, "lab", "emitter", "--scenario", "error-monitr")
	if err == nil || !strings.Contains(err.Error(), `"error-monitor"`) {
		t.Fatalf("unknown scenario: %v", err)
	}
}
