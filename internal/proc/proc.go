// Package proc starts child processes that cannot outlive nodedive.
//
// Every child a lab starts is put in its own process group (so a kill reaches
// its grandchildren too, such as Node cluster workers) and is asked by the
// kernel to receive SIGKILL when its parent dies (Linux parent-death signal),
// so a crash or kill -9 of nodedive leaves no orphans behind.
package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Prepare configures cmd to run in its own process group with a parent-death
// signal, and makes cmd.Cancel (used when the command's context ends) kill the
// whole group. Call it before cmd.Start, on a command made with
// exec.CommandContext (os/exec refuses a Cancel without a context).
func Prepare(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.Cancel = func() error { return KillGroup(cmd) }
	// After the group is killed, don't wait forever for pipes held open by
	// a grandchild that somehow escaped the group.
	cmd.WaitDelay = 2 * time.Second
}

// KillGroup sends SIGKILL to the process group led by cmd's process.
func KillGroup(cmd *exec.Cmd) error {
	return SignalGroup(cmd, syscall.SIGKILL)
}

// SignalGroup sends sig to every process in cmd's process group.
func SignalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.Process == nil {
		return errors.New("process not started")
	}
	err := syscall.Kill(-cmd.Process.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// TempDir makes a temporary directory named prefix, then this process's
// pid, then a random part. First it removes the directories of that prefix
// left by nodedive processes that no longer run: a process killed with
// SIGKILL cannot clean up after itself, and nothing else would.
func TempDir(prefix string) (string, error) {
	sweepStale(prefix)
	return os.MkdirTemp("", fmt.Sprintf("%s%d-", prefix, os.Getpid()))
}

// sweepStale removes prefix<pid>-* directories whose pid is gone. A dir
// whose pid runs (maybe reused by another program) is kept: leaving a
// stale directory is harmless, removing a live one is not.
func sweepStale(prefix string) {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, dir := range matches {
		pidText, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(dir), prefix), "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
			continue
		}
		os.RemoveAll(dir)
	}
}
