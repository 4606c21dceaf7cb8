package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// runInSilentPty runs nodedive with args on a pseudo-terminal that answers
// no queries (no background colour, no device attributes), as a bare pty,
// an Emacs shell or a CI runner does, and returns what it printed and how
// long it took. A command still running after limit is killed and fails
// the test: that is a hang.
func runInSilentPty(t testing.TB, limit time.Duration, args ...string) (string, time.Duration, error) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "NODEDIVE_HOME="+t.TempDir(), "TERM=xterm-256color", "COLORFGBG=", "NO_COLOR=")
	start := time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 100, Rows: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	timer := time.AfterFunc(limit, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	var out bytes.Buffer
	buf := make([]byte, 32<<10)
	for {
		n, err := f.Read(buf) // EIO once the command has exited
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	err = cmd.Wait()
	took := time.Since(start)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
		t.Fatalf("nodedive %s hung on a terminal that answers no queries: killed after %v; it printed %q",
			strings.Join(args, " "), limit, out.String())
	}
	return out.String(), took, err
}

// TestNothingWaitsForASilentTerminal: reading a lesson, help and an error
// all finish on a terminal that never answers; `read` used to hang there
// forever, and --help and every error took 4 s.
func TestNothingWaitsForASilentTerminal(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
		fail bool
	}{
		{[]string{"read", "q14"}, "Clustering", false},
		{[]string{"read", "q14", "--style", "dark"}, "Clustering", false},
		{[]string{"--help"}, "nodedive", false},
		{[]string{"read", "--help"}, "--width", false},
		{[]string{"read", "custer"}, "did you mean", true},
	} {
		out, took, err := runInSilentPty(t, 15*time.Second, c.args...)
		if (err != nil) != c.fail || !strings.Contains(out, c.want) {
			t.Errorf("nodedive %s: err %v, output lacks %q:\n%s", strings.Join(c.args, " "), err, c.want, out)
		}
		// Timing is the benchmark's job (BenchmarkSilentTerminal); this
		// only logs it.
		t.Logf("nodedive %s: %v", strings.Join(c.args, " "), took.Round(time.Millisecond))
	}
}
