package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

var (
	buildOnce sync.Once
	buildDir  string
	builtBin  string
	buildErr  error
)

// TestMain removes the binary the tests built (43 MB) when they are done.
// binary builds nodedive once per test run, the way a user gets it; every
// test that runs the binary shares it.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nodedive-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		builtBin = filepath.Join(dir, "nodedive")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// tmuxSession runs the app in a detached tmux session on its own server
// socket, so tests never touch a developer's tmux.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
	status string // file the wrapper writes the app's exit status to
	home   string // the app's NODEDIVE_HOME
}

func newTmuxSession(t *testing.T, w, h int, env ...string) *tmuxSession {
	nodetest.RequireTool(t, "tmux", "apt install tmux")
	bin := binary(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	s := &tmuxSession{t: t, socket: filepath.Join(dir, "tmux.sock"), name: "nd", status: filepath.Join(dir, "status"), home: home}
	script := fmt.Sprintf("env NODEDIVE_HOME=%s %s %s; echo $? > %s", home, strings.Join(env, " "), bin, s.status)
	s.tmux("new-session", "-d", "-s", s.name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", s.name) }

func (s *tmuxSession) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// waitFor polls the pane until it shows want.
func (s *tmuxSession) waitFor(want string) string {
	s.t.Helper()
	return s.waitForWithin(want, 10*time.Second)
}

// waitForWithin polls the pane until it shows want, at most d.
func (s *tmuxSession) waitForWithin(want string, d time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		screen := s.screen()
		if strings.Contains(screen, want) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the pane never showed %q; it shows:\n%s", want, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForGone polls the pane until it no longer shows gone, at most 10 s.
func (s *tmuxSession) waitForGone(gone string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Contains(s.screen(), gone) {
		if time.Now().After(deadline) {
			s.t.Fatalf("the pane still shows %q:\n%s", gone, s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *tmuxSession) appPid() int {
	out := strings.TrimSpace(s.tmux("list-panes", "-t", s.name, "-F", "#{pane_pid}"))
	shell, _ := strconv.Atoi(out)
	// The pane runs sh -c "...; echo"; the app is its child.
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", shell, shell))
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	pid, _ := strconv.Atoi(f[0])
	return pid
}

func TestAppEndToEndInTmux(t *testing.T) {
	s := newTmuxSession(t, 100, 30)
	s.waitFor("LESSONS")
	pid := s.appPid()
	if pid == 0 {
		t.Fatal("could not find the app's process")
	}
	s.keys("4")
	screen := s.waitFor("## Definition")
	if !strings.Contains(screen, "Clustering") {
		t.Errorf("the clustering lesson did not open:\n%s", screen)
	}
	s.keys("]", "]")
	s.waitFor("§3/")

	// Shrink to the smallest supported size: still drawn, still usable.
	s.tmux("resize-window", "-t", s.name, "-x", "40", "-y", "12")
	small := s.waitFor("§")
	for i, line := range strings.Split(strings.TrimRight(small, "\n"), "\n") {
		if n := len([]rune(line)); n > 40 {
			t.Errorf("line %d is %d wide at 40x12: %q", i+1, n, line)
		}
	}
	s.keys("t")
	s.waitFor("Contents")
	s.tmux("resize-window", "-t", s.name, "-x", "100", "-y", "30")
	s.keys("Escape")
	// Send q only once esc has closed the contents (the lesson's own
	// footer is back): on a loaded machine an esc and a q that arrive
	// together read as alt+q.
	s.waitFor("next section")
	s.keys("q")
	s.waitFor("Continue where you left off")
	s.keys("q")

	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(s.status)
		if err == nil {
			if code := strings.TrimSpace(string(data)); code != "0" {
				t.Fatalf("the app exited with status %s", code)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("q did not quit the app; the pane shows:\n%s", s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("the app (pid %d) is still running after it quit", pid)
	}
	if kids := childrenOf(pid); len(kids) > 0 {
		t.Errorf("the app left child processes: %v", kids)
	}
}

// childrenOf lists processes whose parent is pid (from /proc).
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command name: state, ppid, ...
		rest := string(data[bytes.LastIndexByte(data, ')')+2:])
		f := strings.Fields(rest)
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, n)
		}
	}
	return kids
}

// startInPty runs the app on a bare pseudo-terminal that answers no
// queries (no background colour, no device attributes), like some
// multiplexers and serial consoles.
func startInPty(t testing.TB, w, h int) (*exec.Cmd, *os.File) {
	t.Helper()
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(), "NODEDIVE_HOME="+t.TempDir(), "TERM=xterm-256color")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(w), Rows: uint16(h)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	})
	return cmd, f
}

// readUntil reads the pty until want appears or the time runs out.
func readUntil(f *os.File, want string, limit time.Duration) (string, bool) {
	var got bytes.Buffer
	buf := make([]byte, 32<<10)
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		_ = f.SetReadDeadline(deadline)
		n, err := f.Read(buf)
		got.Write(buf[:n])
		if bytes.Contains(got.Bytes(), []byte(want)) {
			return got.String(), true
		}
		if err != nil {
			break
		}
	}
	return got.String(), false
}

// TestFirstFrameWithoutTerminalAnswers checks the app does not wait for
// answers to its terminal queries: on a pty that never answers, the home
// screen still appears (the benchmark measures how fast).
func TestFirstFrameWithoutTerminalAnswers(t *testing.T) {
	start := time.Now()
	_, f := startInPty(t, 100, 30)
	out, ok := readUntil(f, "LESSONS", 10*time.Second)
	if !ok {
		t.Fatalf("no first frame on a silent terminal; got %q", out)
	}
	t.Logf("first frame after %v", time.Since(start).Round(time.Millisecond))
}

func TestAppRefusesANonTerminal(t *testing.T) {
	out, err := exec.Command(binary(t)).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "needs a terminal") {
		t.Errorf("running the app with no terminal: %v, %s", err, out)
	}
}
