package nginx

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
)

// SupervisorRole is the hidden first argument that turns a binary into an
// nginx supervisor (see Config.Supervisor).
//
// Why it exists: nginx's worker processes do not die with their master. The
// parent-death signal labs/proc gives the master kills it when nodedive is
// killed, but its workers live on as orphans, still holding the port. The
// supervisor sits between nodedive and nginx: its own parent-death signal is
// SIGTERM, which it can catch, and on that (or when its stdin closes, or on
// SIGTERM from the lab) it kills nginx's whole process group.
const SupervisorRole = "__nginx-supervisor"

// RunSupervisor serves the supervisor role when args ask for it and exits
// the process; otherwise it returns false at once. A binary that names
// itself in Config.Supervisor must call it first thing in main (nodedive
// does, through labs/scale.RunChild).
func RunSupervisor(args []string) bool {
	if len(args) < 3 || args[1] != SupervisorRole {
		return false
	}
	os.Exit(supervise(args[2], args[3:]))
	return true
}

func supervise(bin string, args []string) int {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Dir, _ = os.Getwd()
	proc.Prepare(cmd)
	cmd.Cancel = nil // no context here; the group kill below is explicit
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "starting nginx:", err)
		return 1
	}
	fmt.Printf("master %d\n", cmd.Process.Pid)
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	parentGone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(parentGone)
	}()
	parent := os.Getppid()
	stop := func() int {
		// Fast shutdown first (nginx's SIGTERM), then the whole group.
		_ = proc.SignalGroup(cmd, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		// Our parent died without cleaning up: remove nginx's temp
		// directory (the -p prefix) for it.
		if os.Getppid() != parent {
			if dir := prefixArg(args); strings.Contains(dir, "nodedive-nginx-") {
				os.RemoveAll(dir)
			}
		}
		return 0
	}
	for {
		select {
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				// The lab's reload: pass it to the master.
				_ = cmd.Process.Signal(syscall.SIGHUP)
				continue
			}
			return stop()
		case <-parentGone:
			return stop()
		case <-exited:
			// The master is gone (crashed or killed): take its
			// workers with it.
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			return 1
		}
	}
}

// readMasterPID reads the supervisor's "master PID" line.
func readMasterPID(r io.Reader) (int, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("the nginx supervisor said nothing: %w", err)
	}
	f := strings.Fields(line)
	if len(f) != 2 || f[0] != "master" {
		return 0, fmt.Errorf("the nginx supervisor said %q", strings.TrimSpace(line))
	}
	return strconv.Atoi(f[1])
}

// prefixArg is the value of nginx's -p flag.
func prefixArg(args []string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-p" {
			return args[i+1]
		}
	}
	return ""
}
