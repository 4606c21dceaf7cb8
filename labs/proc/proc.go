// Package proc starts child processes that cannot outlive nodedive.
//
// Every child a lab starts is put in its own process group (so a kill reaches
// its grandchildren too, such as Node cluster workers) and is asked by the
// kernel to receive SIGKILL when its parent dies (Linux parent-death signal),
// so a crash or kill -9 of nodedive leaves no orphans behind.
package proc

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Prepare configures cmd to run in its own process group with a parent-death
// signal, and makes cmd.Cancel (used when the command's context ends) kill the
// whole group. Call it before cmd.Start.
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
