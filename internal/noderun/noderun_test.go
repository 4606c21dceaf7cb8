package noderun_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

func run(t *testing.T, files []noderun.File, o noderun.Options) noderun.Result {
	t.Helper()
	res, err := noderun.Run(context.Background(), noderun.Program{Files: files}, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRunCapturesOutputInOrderAndStatus(t *testing.T) {
	nodetest.RequireNode(t)
	res := run(t, []noderun.File{
		{Name: "lib.js", Text: "module.exports = 41;\n"},
		{Name: "main.js", Text: "console.log('out', require('./lib') + 1); console.error('err'); process.exitCode = 3;\n"},
	}, noderun.Options{})
	if res.Stdout != "out 42\n" || res.Stderr != "err\n" || res.Output != "out 42\nerr\n" {
		t.Errorf("output = %q / %q / %q", res.Stdout, res.Stderr, res.Output)
	}
	if res.ExitCode != 3 || res.OK() {
		t.Errorf("exit = %d, OK = %v", res.ExitCode, res.OK())
	}
}

// TestTimeoutKillsTheWholeGroup starts a program that forks a grandchild
// and hangs; the time limit must take both down.
func TestTimeoutKillsTheWholeGroup(t *testing.T) {
	nodetest.RequireNode(t)
	code := `const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log(child.pid);
setInterval(() => {}, 1000);
`
	// The limit leaves a loaded machine time to start node twice and print
	// the grandchild's pid before the group is killed.
	res := run(t, []noderun.File{{Name: "main.js", Text: code}}, noderun.Options{Timeout: 2500 * time.Millisecond})
	if !res.TimedOut || res.OK() {
		t.Fatalf("a hanging program was not stopped: %+v", res)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(res.Stdout))
	if err != nil {
		t.Fatalf("no grandchild pid in %q", res.Stdout)
	}
	deadline := time.Now().Add(3 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("grandchild %d survived the time limit", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOutputIsCapped(t *testing.T) {
	nodetest.RequireNode(t)
	res := run(t, []noderun.File{{Name: "main.js", Text: "for (let i = 0; i < 20000; i++) console.log('x'.repeat(50));\n"}},
		noderun.Options{MaxOutput: 4096})
	if !res.Truncated || len(res.Output) != 4096 || !res.OK() {
		t.Errorf("truncated=%v len=%d ok=%v", res.Truncated, len(res.Output), res.OK())
	}
}

func TestFilesCannotEscapeTheRunDirectory(t *testing.T) {
	nodetest.RequireNode(t)
	_, err := noderun.Run(context.Background(), noderun.Program{Files: []noderun.File{{Name: "../evil.js", Text: "1"}}}, noderun.Options{})
	if err == nil || !strings.Contains(err.Error(), "escapes") {
		t.Errorf("a ../ file name was accepted: %v", err)
	}
}

func TestWithoutNodeTheErrorSaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := noderun.Run(context.Background(), noderun.Program{Files: []noderun.File{{Name: "a.js", Text: "1"}}}, noderun.Options{})
	if !errors.Is(err, noderun.ErrNoNode) || !strings.Contains(err.Error(), "nodejs.org") {
		t.Errorf("err = %v", err)
	}
	if _, err := noderun.Version(context.Background(), ""); !errors.Is(err, noderun.ErrNoNode) {
		t.Errorf("Version without node: %v", err)
	}
}

func TestRunDirIsRemoved(t *testing.T) {
	nodetest.RequireNode(t)
	res := run(t, []noderun.File{{Name: "main.js", Text: "console.log(process.cwd())\n"}}, noderun.Options{})
	dir := strings.TrimSpace(res.Stdout)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("run directory %s was left behind", dir)
	}
}
