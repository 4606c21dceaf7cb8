package ui

import (
	"bytes"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/scale"
)

// TestScaleDashboardKillsAnInstanceAndCleansUp runs the scaling lab with
// real nginx and Redis from the app, kills an instance, kills Redis and
// brings it back (R, twice), and checks that quitting leaves no process of
// the lab behind.
func TestScaleDashboardKillsAnInstanceAndCleansUp(t *testing.T) {
	nodetest.RequireTool(t, "redis-server", "apt install redis-server")
	if _, err := nginx.Find(); err != nil {
		nodetest.RequireTool(t, "nginx", "apt install nginx")
	}
	m := newTestApp(t, true, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(40*time.Second), teatest.WithCheckInterval(25*time.Millisecond))
	}
	waitFor("LESSONS")
	tm.Send(keyMsg("G"))
	tm.Send(keyMsg("enter"))
	waitFor("Live")
	tm.Send(keyMsg("j"))
	tm.Send(keyMsg("j"))
	tm.Send(keyMsg("enter"))
	waitFor("healthy")
	tm.Send(keyMsg("x")) // kills the selected (first) instance
	waitFor("dead")
	tm.Send(keyMsg("R")) // Redis down…
	waitFor("Redis down")
	tm.Send(keyMsg("R")) // …and back at the same address
	waitFor("Redis answers again")
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(20*time.Second))

	final := tm.FinalModel(t).(*Model)
	var lab *scaleLab
	for _, s := range final.stack {
		if l, ok := s.(*scaleLab); ok {
			lab = l
		}
	}
	if lab == nil {
		t.Fatalf("the scaling lab was not open at the end")
	}
	var killed bool
	for _, ev := range lab.log {
		killed = killed || ev.Kind == scale.EventInstanceKilled
	}
	if !killed {
		t.Error("no instance-killed event")
	}
	pids := []int{lab.snap.Nginx.PID, lab.snap.Redis.PID}
	pids = append(pids, lab.snap.Nginx.Workers...)
	for _, in := range lab.snap.Instances {
		pids = append(pids, in.PID)
		for _, w := range in.Workers {
			pids = append(pids, w.PID)
		}
	}
	t.Logf("lab processes: %v", pids)
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for pid > 0 && !isZombie(pid) {
			if time.Now().After(deadline) {
				t.Errorf("pid %d of the lab still runs after the app quit", pid)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
