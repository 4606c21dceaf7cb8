package bank

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

func TestNotesSessionIsBankJS(t *testing.T) {
	a, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(NotesSteps); err != nil {
		t.Fatal(err)
	}
	src, _ := fs.ReadFile(content.Labs(), ScriptFile)
	if a.Script() != string(src) {
		t.Fatalf("the notes' session should regenerate bank.js exactly; got:\n%s", a.Script())
	}
	want := []Line{
		{Stdout, "Deposited $50, new balance: $150"},
		{Stdout, "Withdrew $30, new balance: $120"},
		{Stderr, "Transaction failed: Insufficient funds"},
	}
	if got := a.Output(); !reflect.DeepEqual(got, want) {
		t.Fatalf("output %v, want %v", got, want)
	}
	log := a.Log()
	if len(log) != 3 || log[2].Event != "error" || !reflect.DeepEqual(log[2].Ran, []string{"error:onError"}) || !log[2].Emitted {
		t.Fatalf("log %+v", log)
	}
}

func TestCrashDoesNotKillTheCaller(t *testing.T) {
	a, err := New(Options{Off: []Listener{OnError}, On: []Listener{OnMonitor}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.Withdraw(500)
	if err != nil {
		t.Fatal(err)
	}
	if e.Crash == nil || e.Crash.ExitCode != 1 {
		t.Fatalf("overdraft without an 'error' listener must crash with exit code 1, got %+v", e)
	}
	if !reflect.DeepEqual(e.Ran, []string{"errorMonitor:onMonitor"}) {
		t.Fatalf("ran %v, want only the monitor", e.Ran)
	}
	for _, want := range []string{
		"node:events:", "throw er; // Unhandled 'error' event", "Error: Insufficient funds",
		"Emitted 'error' event on BankAccount instance at:", "Node.js v",
	} {
		if !strings.Contains(e.Crash.Stderr, want) {
			t.Errorf("crash output lacks %q:\n%s", want, e.Crash.Stderr)
		}
	}
	if _, err := a.Deposit(1); !errors.Is(err, ErrExited) {
		t.Fatalf("after the crash, Deposit = %v, want ErrExited", err)
	}
	a.Restart()
	if a.Exited() != nil || a.Balance() != InitialBalance || a.Listening(OnError) {
		t.Fatal("Restart should start a fresh process with the same listeners switched on")
	}
	if _, err := a.Deposit(1); err != nil {
		t.Fatal(err)
	}
	// The new process's output starts afresh.
	if got := a.Output(); !reflect.DeepEqual(got, []Line{{Stdout, "Deposited $1, new balance: $101"}}) {
		t.Fatalf("after Restart, output %v", got)
	}
}

func TestParseSteps(t *testing.T) {
	steps, err := ParseSteps("deposit 50, off error,withdraw 200, on monitor")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{{Op: "deposit", Amount: 50}, {Op: "off", Listener: OnError}, {Op: "withdraw", Amount: 200}, {Op: "on", Listener: OnMonitor}}
	if !reflect.DeepEqual(steps, want) {
		t.Fatalf("got %+v", steps)
	}
	for _, bad := range []string{"", "deposit", "deposit -5", "steal 5", "off nobody"} {
		if _, err := ParseSteps(bad); err == nil {
			t.Errorf("ParseSteps(%q) should fail", bad)
		}
	}
}

// TestSessionsMatchNode runs sessions through the model and their scripts
// through node: same stdout, same stderr (crash report included), same
// exit status.
func TestSessionsMatchNode(t *testing.T) {
	nodetest.RequireNode(t)
	profile, err := Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if profile.Version == DefaultProfile.Version && !reflect.DeepEqual(profile, DefaultProfile) {
		t.Errorf("DefaultProfile is out of date for node %s:\nprobe:   %+v\ndefault: %+v", profile.Version, profile, DefaultProfile)
	}
	sessions := map[string]string{
		"notes":             "deposit 50, withdraw 30, withdraw 200",
		"no-error-listener": "off error, deposit 50, withdraw 30, withdraw 200",
		"monitor-then-die":  "on monitor, withdraw 10, off error, deposit 5, withdraw 1000",
		"monitor-handled":   "on monitor, withdraw 101",
		"silent":            "off deposit, off withdraw, deposit 7, withdraw 7, on deposit, deposit 1",
		"crash-first":       "off error, withdraw 101, deposit 5",
	}
	for name, session := range sessions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			a, err := New(Options{Profile: &profile, ScriptPath: filepath.Join(dir, "bank.js")})
			if err != nil {
				t.Fatal(err)
			}
			steps, err := ParseSteps(session)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Run(steps); err != nil {
				t.Fatal(err)
			}
			res, err := noderun.Run(context.Background(), noderun.Program{
				Files: []noderun.File{{Name: "bank.js", Text: a.Script()}},
			}, noderun.Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr strings.Builder
			for _, l := range a.Output() {
				if l.Stream == Stdout {
					stdout.WriteString(l.Text + "\n")
				} else {
					stderr.WriteString(l.Text + "\n")
				}
			}
			wantCode := 0
			if c := a.Exited(); c != nil {
				wantCode = c.ExitCode
			}
			if res.Stdout != stdout.String() || res.Stderr != stderr.String() || res.ExitCode != wantCode {
				t.Errorf("session %q\n--- node (exit %d) stdout:\n%s--- stderr:\n%s--- model (exit %d) stdout:\n%s--- stderr:\n%s--- script:\n%s",
					session, res.ExitCode, res.Stdout, res.Stderr, wantCode, stdout.String(), stderr.String(), a.Script())
			}
		})
	}
}
