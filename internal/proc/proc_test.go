package proc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
)

func TestKillGroupTakesDownGrandchildren(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "sh", "-c", "sleep 30 & echo $!; wait")
	proc.Prepare(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32)
	n, _ := out.Read(buf)
	grandchild, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		t.Fatalf("no grandchild pid: %q", buf[:n])
	}
	if err := proc.KillGroup(cmd); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(3 * time.Second)
	for syscall.Kill(grandchild, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(grandchild, syscall.SIGKILL)
			t.Fatalf("grandchild %d survived the group kill", grandchild)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTempDirSweepsDirectoriesOfDeadProcesses(t *testing.T) {
	prefix := "nodedive-proctest-" + strconv.Itoa(os.Getpid()) + "x-"
	// A pid that ran and is gone: a finished child's.
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(os.TempDir(), prefix+strconv.Itoa(done.Process.Pid)+"-old")
	alive := filepath.Join(os.TempDir(), prefix+"1-init")
	for _, d := range []string{dead, alive} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.RemoveAll(alive) })

	dir, err := proc.TempDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if !strings.HasPrefix(filepath.Base(dir), prefix+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("new dir %s is not named after this process", dir)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the directory of a dead process was kept: %v", err)
	}
	if _, err := os.Stat(alive); err != nil {
		t.Errorf("the directory of a running process (pid 1) was removed: %v", err)
	}
}
