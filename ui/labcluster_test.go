package ui

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/nodedive/nodedive/labs/cluster"
)

// TestClusterDashboardKillRespawnAndCleanUp drives the real program: open
// the cluster lab, start load, kill a worker, watch the respawn, quit; then
// checks no worker outlived the app.
func TestClusterDashboardKillRespawnAndCleanUp(t *testing.T) {
	m := newTestApp(t, true, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(110, 34))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitFor("LESSONS")
	tm.Send(keyMsg("G"))
	tm.Send(keyMsg("enter"))
	waitFor("Live")
	for range 3 { // modules, emitter, scale, then cluster
		tm.Send(keyMsg("j"))
	}
	tm.Send(keyMsg("enter"))
	waitFor("listening")
	tm.Send(keyMsg("s"))
	waitFor("running")
	tm.Send(keyMsg("x"))
	waitFor("respawned")
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(15*time.Second))

	final := tm.FinalModel(t).(*Model)
	var lab *clusterLab
	for _, s := range final.stack {
		if l, ok := s.(*clusterLab); ok {
			lab = l
		}
	}
	if lab == nil {
		t.Fatalf("the cluster lab was not open at the end: %T", final.top())
	}
	var killed, respawned bool
	for _, ev := range lab.log {
		killed = killed || ev.Kind == cluster.EventKilled
		respawned = respawned || ev.Kind == cluster.EventRespawned
	}
	if !killed || !respawned {
		t.Errorf("events: killed=%v respawned=%v", killed, respawned)
	}
	var pids []int
	for _, w := range lab.snap.Workers {
		pids = append(pids, w.PID)
	}
	for _, w := range lab.snap.Exited {
		pids = append(pids, w.PID)
	}
	if len(pids) < 3 {
		t.Errorf("expected at least 3 worker pids (2 + the respawned one), saw %v", pids)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) || isZombie(pid) {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("worker pid %d is still running after the app quit", pid)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// isZombie reports a process that has exited but not been reaped.
func isZombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(data, ')')
	return i > 0 && len(data) > i+2 && data[i+2] == 'Z'
}
