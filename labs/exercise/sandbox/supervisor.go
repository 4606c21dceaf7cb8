package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Role is the hidden first argument that turns nodedive into a sandbox
// supervisor.
const Role = "__exercise-sandbox"

// RunChild serves the supervisor role when args (normally os.Args) ask for
// it, and exits the process; otherwise it returns false at once. nodedive's
// main calls it (through runChildRole), and so must TestMain in every package
// whose tests run the sandbox, since there the test binary is what the
// sandbox re-executes:
//
//	func TestMain(m *testing.M) {
//		sandbox.RunChildIfRequested()
//		os.Exit(m.Run())
//	}
func RunChild(args []string) bool {
	if len(args) < 2 || args[1] != Role {
		return false
	}
	os.Exit(supervise(args[2:]))
	return true
}

// RunChildIfRequested is RunChild(os.Args), for TestMain.
func RunChildIfRequested() { RunChild(os.Args) }

// Descriptors the parent passes (exec.Cmd.ExtraFiles).
const (
	statusFD   = 3 // we write JSON status lines; the parent reads
	lifelineFD = 4 // the parent holds the write end; EOF means it is gone
)

// killRoundsFor bounds the generation-by-generation kill: a program that
// forks faster than it can be killed is still stopped, by the deadline.
const killRoundsFor = 10 * time.Second

// supervise runs "GRACE_MS DEADLINE_MS -- PATH ARGS..." and returns the
// supervisor's exit status (the program's own status travels on statusFD).
func supervise(args []string) int {
	status := os.NewFile(statusFD, "status")
	report := func(st supervisorStatus) {
		b, _ := json.Marshal(st)
		_, _ = status.Write(append(b, '\n'))
	}
	if len(args) < 4 || args[2] != "--" {
		report(supervisorStatus{Error: "usage: " + Role + " GRACE_MS DEADLINE_MS -- PATH ARGS..."})
		return 2
	}
	grace, err1 := strconv.Atoi(args[0])
	deadline, err2 := strconv.Atoi(args[1])
	if err := errors.Join(err1, err2); err != nil {
		report(supervisorStatus{Error: "bad sandbox arguments: " + err.Error()})
		return 2
	}
	// Neither pipe must leak into the program.
	syscall.CloseOnExec(statusFD)
	syscall.CloseOnExec(lifelineFD)
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		report(supervisorStatus{Error: "cannot become a child subreaper: " + err.Error()})
		return 1
	}
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)

	// The program's parent-death signal fires when the thread that forked
	// it exits, so fork from a thread that lives as long as we do.
	runtime.LockOSThread()
	path, argv := args[3], args[3:]
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		report(supervisorStatus{Error: err.Error()})
		return 127
	}
	report(supervisorStatus{Started: pid})

	s := &supervisor{main: pid, sigs: sigs, grace: time.Duration(grace) * time.Millisecond}
	parentGone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.NewFile(lifelineFD, "lifeline"))
		close(parentGone)
	}()
	end := s.run(parentGone, time.After(time.Duration(deadline)*time.Millisecond))
	report(end)
	return 0
}

// supervisor owns the program's whole process tree. Everything happens on one
// goroutine: the reaping and the killing must not interleave, or a pid could
// be reaped, reused by an unrelated process, and then killed.
type supervisor struct {
	main     int
	sigs     chan os.Signal
	grace    time.Duration
	mainDone bool
	mainWS   syscall.WaitStatus
}

func (s *supervisor) run(parentGone <-chan struct{}, deadline <-chan time.Time) supervisorStatus {
	tick := time.NewTicker(100 * time.Millisecond) // in case a SIGCHLD is coalesced away
	defer tick.Stop()
	for {
		select {
		case sig := <-s.sigs:
			if sig != syscall.SIGCHLD {
				return s.stop()
			}
		case <-tick.C:
		case <-parentGone:
			return s.stop()
		case <-deadline:
			return s.stop()
		}
		s.reap()
		if s.mainDone {
			// The program ended by itself: whatever it left running
			// would outlive the check.
			st := s.end()
			st.Leftovers = s.killAll()
			return st
		}
	}
}

// stop asks the program's group to terminate, gives it the grace period,
// then kills everything left.
func (s *supervisor) stop() supervisorStatus {
	s.reap()
	running := !s.mainDone
	if running {
		_ = syscall.Kill(-s.main, syscall.SIGTERM)
		timer := time.NewTimer(s.grace)
		poll := time.NewTicker(10 * time.Millisecond)
	wait:
		for !s.mainDone {
			select {
			case <-timer.C:
				break wait
			case <-s.sigs:
			case <-poll.C:
			}
			s.reap()
		}
		timer.Stop()
		poll.Stop()
	}
	s.killAll()
	st := s.end()
	st.Stopped = running
	return st
}

func (s *supervisor) end() supervisorStatus {
	st := supervisorStatus{Ended: true}
	switch {
	case !s.mainDone:
		st.ExitCode, st.Signal = -1, "killed"
	case s.mainWS.Signaled():
		st.ExitCode, st.Signal = -1, s.mainWS.Signal().String()
	default:
		st.ExitCode = s.mainWS.ExitStatus()
	}
	return st
}

// reap collects every child that has exited, noting the program's status,
// and reports whether no child at all is left.
func (s *supervisor) reap() (none bool) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return errors.Is(err, syscall.ECHILD)
		case pid <= 0:
			return false
		case pid == s.main:
			s.mainDone, s.mainWS = true, ws
		}
	}
}

// killAll SIGKILLs our children until there are none, and returns how many
// processes other than the program itself it killed. A killed child's own
// children are reparented to us (we are their subreaper), so each round
// reaches the next generation. Only our own children are signalled: their
// pids cannot be reused until we reap them, and we reap on this goroutine.
func (s *supervisor) killAll() int {
	killed := map[int]bool{}
	stopAt := time.Now().Add(killRoundsFor)
	for time.Now().Before(stopAt) {
		if s.reap() {
			break
		}
		for _, pid := range liveChildren(os.Getpid()) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			if pid != s.main {
				killed[pid] = true
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	if !s.mainDone {
		fmt.Fprintf(os.Stderr, "nodedive sandbox: could not reap process %d\n", s.main)
	}
	return len(killed)
}
