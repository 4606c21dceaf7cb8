package sandbox_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

// orphanMakerEnv turns the test binary into a parent that starts a sandboxed
// program and then waits to be killed (TestParentDeathTakesTheRunDown).
const orphanMakerEnv = "NODEDIVE_SANDBOX_TEST_PARENT"

func TestMain(m *testing.M) {
	sandbox.RunChildIfRequested()
	if script := os.Getenv(orphanMakerEnv); script != "" {
		runOrphanMaker(script)
		return
	}
	os.Exit(m.Run())
}

// runOrphanMaker starts node on script in the sandbox, copies its output
// to stdout, and blocks.
func runOrphanMaker(script string) {
	p, err := sandbox.Start(context.Background(), sandbox.Spec{Path: "node", Args: []string{script}, Timeout: time.Minute})
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	for {
		os.Stdout.WriteString(p.Output())
		time.Sleep(100 * time.Millisecond)
	}
}

// writeScript writes a JavaScript file into a temp dir and returns its path.
func writeScript(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "main.js")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// assertGone fails unless every pid is gone (or a zombie about to be reaped)
// and no process of any run of this test binary is left.
func assertGone(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		var alive []int
		for _, pid := range pids {
			if processAlive(pid) {
				alive = append(alive, pid)
			}
		}
		left := sandbox.Alive()
		if len(alive) == 0 && len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range append(alive, left...) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Fatalf("processes left behind: %v (of %v), marked processes %v", alive, pids, left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

// pidsIn reads the numbers a program printed as "pid N" lines.
func pidsIn(out string) []int {
	var pids []int
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "pid "); ok {
			if pid, err := strconv.Atoi(rest); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

func TestRunReportsExitStatusAndBothStreams(t *testing.T) {
	res, err := sandbox.Run(t.Context(), sandbox.Spec{Path: "sh", Args: []string{"-c", "echo out; echo err >&2; echo $HOST $PORT; exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || res.Signal != "" || res.Stopped || res.TimedOut || res.OK() {
		t.Errorf("result %+v, want exit 3 by itself", res)
	}
	if !strings.HasPrefix(res.Stdout, "out\n127.0.0.1 ") || res.Stderr != "err\n" {
		t.Errorf("stdout %q, stderr %q", res.Stdout, res.Stderr)
	}
	if port, _ := strconv.Atoi(strings.Fields(res.Stdout)[2]); port <= 0 {
		t.Errorf("no PORT given: %q", res.Stdout)
	}
	assertGone(t, res.PID)
}

func TestStartFailsClearlyWhenTheProgramIsMissing(t *testing.T) {
	_, err := sandbox.Run(t.Context(), sandbox.Spec{Path: "/nonexistent/node"})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/node") {
		t.Fatalf("err = %v, want one naming the missing program", err)
	}
}

func TestTimeLimitStopsAProgramThatNeverEnds(t *testing.T) {
	nodetest.RequireNode(t)
	script := writeScript(t, `console.log('pid ' + process.pid); setInterval(() => {}, 1000);`)
	start := time.Now()
	res, err := sandbox.Run(t.Context(), sandbox.Spec{Path: "node", Args: []string{script}, Timeout: 700 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || !res.Stopped || res.Signal == "" {
		t.Errorf("result %+v, want stopped by the time limit", res)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the time limit took %v to stop it", took)
	}
	if !strings.Contains(res.Describe(), "time limit") {
		t.Errorf("Describe() = %q", res.Describe())
	}
	assertGone(t, res.PID)
}

func TestOutputIsCappedWithoutBlockingTheProgram(t *testing.T) {
	nodetest.RequireNode(t)
	script := writeScript(t, `const line = 'x'.repeat(1023) + '\n'; for (let i = 0; i < 1024; i++) process.stdout.write(line); console.error('done');`)
	res, err := sandbox.Run(t.Context(), sandbox.Spec{Path: "node", Args: []string{script}, MaxOutput: 4096})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || !res.Truncated {
		t.Errorf("result exit %d signal %q truncated %v, want a clean exit with the output cut", res.ExitCode, res.Signal, res.Truncated)
	}
	if len(res.Output) > 4096 {
		t.Errorf("kept %d bytes, cap 4096", len(res.Output))
	}
}

// A server that ignores SIGTERM is killed after the grace period, and the
// sandbox sees it listening on loopback only.
func TestServerThatIgnoresSIGTERMIsKilled(t *testing.T) {
	nodetest.RequireNode(t)
	script := writeScript(t, `
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
require('node:http').createServer((q, s) => s.end('hi')).listen(process.env.PORT, process.env.HOST);
`)
	p, err := sandbox.Start(t.Context(), sandbox.Spec{Path: "node", Args: []string{script}, Grace: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitListening(t.Context()); err != nil {
		t.Fatal(err)
	}
	ls, err := p.Listeners()
	if err != nil {
		t.Fatal(err)
	}
	want := sandbox.Listener{PID: p.PID(), Addr: p.Addr(), Loopback: true}
	if !slices.Contains(ls, want) || len(ls) != 1 {
		t.Errorf("listeners %+v, want just %+v", ls, want)
	}
	res := p.Stop()
	if res.Signal != "killed" || !res.Stopped || res.TimedOut || len(res.Exposed) != 0 {
		t.Errorf("result %+v, want killed after ignoring SIGTERM", res)
	}
	if !strings.Contains(res.Stdout, "ignoring SIGTERM") {
		t.Errorf("the server did not get SIGTERM first: %q", res.Output)
	}
	assertGone(t, res.PID)
}

func TestAServerOnAllInterfacesIsReportedAsNotLoopback(t *testing.T) {
	nodetest.RequireNode(t)
	for _, host := range []string{"0.0.0.0", "::"} {
		t.Run(host, func(t *testing.T) {
			script := writeScript(t, `require('node:net').createServer().listen(process.env.PORT, '`+host+`');`)
			p, err := sandbox.Start(t.Context(), sandbox.Spec{Path: "node", Args: []string{script}})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.WaitListening(t.Context()); err != nil {
				p.Stop()
				t.Fatal(err)
			}
			ls, err := p.Listeners()
			if err != nil {
				t.Fatal(err)
			}
			if len(ls) != 1 || ls[0].Loopback || !strings.HasSuffix(ls[0].Addr, ":"+strconv.Itoa(p.Port())) {
				t.Errorf("listeners %+v, want one non-loopback on port %d", ls, p.Port())
			}
			res := p.Stop()
			if len(res.Exposed) != 1 || res.Exposed[0] != ls[0] || !strings.Contains(res.Describe(), "other machines can reach") {
				t.Errorf("the stopped run reports %+v (%s)", res.Exposed, res.Describe())
			}
			assertGone(t, res.PID)
		})
	}
}

// detacher returns a script whose main process runs mainBody after spawning
// a detached child (its own session, like setsid) that spawns a detached
// grandchild and exits: a classic double-forked daemon. Both descendants
// print "pid N" (and note it in a file, which bothStarted(cb) in mainBody
// polls); the grandchild runs forever.
func detacher(mainBody string) string {
	return `
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const again = (role) => spawn(process.execPath, [__filename, role], { detached: true, stdio: 'inherit' }).unref();
const note = __filename + '.pids';
const started = () => { console.log('pid ' + process.pid); fs.appendFileSync(note, process.pid + '\n'); };
const bothStarted = (cb) => fs.existsSync(note) && fs.readFileSync(note, 'utf8').trim().split('\n').length === 2 ? cb() : setTimeout(bothStarted, 20, cb);
switch (process.argv[2]) {
case 'middle':
  started();
  again('leaf');
  setTimeout(() => {}, 200);
  break;
case 'leaf':
  started();
  setInterval(() => {}, 1000);
  break;
default:
  again('middle');
` + mainBody + `
}
`
}

func TestDetachedDescendantsDoNotOutliveTheProgram(t *testing.T) {
	nodetest.RequireNode(t)
	// The program waits until both descendants run, then exits.
	script := writeScript(t, detacher(`bothStarted(() => {});`))
	res, err := sandbox.Run(t.Context(), sandbox.Spec{Path: "node", Args: []string{script}})
	if err != nil {
		t.Fatal(err)
	}
	pids := pidsIn(res.Stdout)
	if len(pids) != 2 {
		t.Fatalf("want the pids of the detached child and grandchild, got %q", res.Output)
	}
	if !res.OK() || res.Leftovers < 1 {
		t.Errorf("result %+v, want a clean exit that left processes to kill", res)
	}
	if !strings.Contains(res.Describe(), "left") {
		t.Errorf("Describe() = %q does not mention the leftovers", res.Describe())
	}
	assertGone(t, append(pids, res.PID)...)
}

func TestStoppingAServerTakesItsDetachedChildren(t *testing.T) {
	nodetest.RequireNode(t)
	script := writeScript(t, detacher(`require('node:http').createServer((q, s) => s.end('hi')).listen(process.env.PORT, process.env.HOST);`))
	p, err := sandbox.Start(t.Context(), sandbox.Spec{Path: "node", Args: []string{script}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitListening(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(pidsIn(p.Output())) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	res := p.Stop()
	pids := pidsIn(res.Stdout)
	if len(pids) != 2 {
		t.Fatalf("want two descendant pids, got %q", res.Output)
	}
	if !res.Stopped {
		t.Errorf("result %+v, want stopped", res)
	}
	assertGone(t, append(pids, res.PID)...)
}

func TestCancellingTheContextStopsTheRun(t *testing.T) {
	nodetest.RequireNode(t)
	script := writeScript(t, `setInterval(() => {}, 1000);`)
	ctx, cancel := context.WithCancel(t.Context())
	p, err := sandbox.Start(ctx, sandbox.Spec{Path: "node", Args: []string{script}})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	res := p.Wait()
	if !res.Stopped || res.TimedOut {
		t.Errorf("result %+v, want stopped (not timed out)", res)
	}
	assertGone(t, res.PID)
}

// Killing nodedive itself (here: a test binary playing it) with SIGKILL
// still takes down a detached grandchild: the supervisor gets its
// parent-death signal, and its lifeline pipe closes.
func TestParentDeathTakesTheRunDown(t *testing.T) {
	nodetest.RequireNode(t)
	script := writeScript(t, detacher(`setInterval(() => {}, 1000);`))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), orphanMakerEnv+"="+script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	sc := bufio.NewScanner(out)
	for len(seen) < 2 && sc.Scan() {
		for _, pid := range pidsIn(sc.Text()) {
			seen[pid] = true
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	var pids []int
	for pid := range seen {
		pids = append(pids, pid)
	}
	if len(pids) != 2 {
		t.Fatalf("want two pids from the orphan maker, got %v", pids)
	}
	assertGone(t, pids...)
}
