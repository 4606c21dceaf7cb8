package cluster_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/labs/exercise/cluster"
	"github.com/nodedive/nodedive/labs/exercise/exercisetest"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.RunChildIfRequested()
	os.Exit(m.Run())
}

func find(t *testing.T, id string) *exercise.Exercise {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Find(id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestPrimary(t *testing.T) {
	exercisetest.Prove(t, find(t, "cluster-primary"), exercisetest.Proof{
		ScaffoldFails: cluster.CheckWorkerCount,
		Wrong: []exercisetest.Wrong{
			{Name: "hot-respawn", Fails: cluster.CheckBackoff},
			{Name: "fixed-delay", Fails: cluster.CheckBackoff},
			{Name: "ignores-workers", Fails: cluster.CheckWorkerCount},
			{Name: "signal-means-planned", Fails: cluster.CheckReplaced},
		},
	})
}

func TestRollingRestart(t *testing.T) {
	exercisetest.Prove(t, find(t, "cluster-rolling-restart"), exercisetest.Proof{
		ScaffoldFails: cluster.CheckRestartOneByOne,
		Wrong: []exercisetest.Wrong{
			{Name: "all-at-once", Fails: cluster.CheckRestartNoErrors},
			{Name: "kill-old", Fails: cluster.CheckRestartNoErrors},
			{Name: "no-kill-timeout", Fails: cluster.CheckRestartStuck},
			{Name: "respawn-retired", Fails: cluster.CheckRestartOneByOne},
		},
	})
}

func TestGracefulShutdown(t *testing.T) {
	exercisetest.Prove(t, find(t, "cluster-graceful-shutdown"), exercisetest.Proof{
		Wrong: []exercisetest.Wrong{
			{Name: "exit-at-once", Fails: cluster.CheckDrain},
			{Name: "no-kill-timeout", Fails: cluster.CheckShutdownStuck},
			{Name: "global-kill-timer", Fails: cluster.CheckExit},
			{Name: "signal-workers", Fails: cluster.CheckExit},
		},
	})
}

// The checks run their own copy of app.js: it must be the scaffolds' file.
func TestChecksRunTheScaffoldsApp(t *testing.T) {
	want, err := os.ReadFile("app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cluster-primary", "cluster-rolling-restart", "cluster-graceful-shutdown"} {
		var got []byte
		for _, f := range find(t, id).Scaffold {
			if f.Name == "app.js" {
				got = f.Data
			}
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: scaffold/app.js differs from labs/exercise/cluster/app.js", id)
		}
	}
}

// stubborn is a primary that ignores SIGTERM and whose workers ignore it
// too, each with a grandchild that left the process group (setsid) and
// ignores SIGTERM as well.
const stubborn = `'use strict';
const cluster = require('node:cluster');
const { spawn } = require('node:child_process');
process.on('SIGTERM', () => console.log('not stopping'));
if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
} else {
  spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { detached: true, stdio: 'ignore' }).unref();
  require('./app.js');
}
`

// A primary that ignores SIGTERM, with workers and daemons that ignore it
// too, is gone after every check: /proc shows nothing of it.
func TestStubbornClusterLeavesNothing(t *testing.T) {
	ex := find(t, "cluster-graceful-shutdown")
	dir := exercisetest.Dir(t, ex.Scaffold, []exercise.File{{Name: "server.js", Data: []byte(stubborn)}})
	r := exercisetest.Verify(t, ex, dir, exercise.Options{Only: []string{cluster.CheckShutdownStuck}})
	exercisetest.AssertFails(t, r, cluster.CheckShutdownStuck)
}

// orphaning starts a detached daemon that ignores SIGTERM, and exits: the
// daemon would outlive the primary.
const orphaning = `'use strict';
const { spawn } = require('node:child_process');
spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"],
  { detached: true, stdio: 'ignore' }).unref();
`

// A primary that exits and leaves a daemon behind fails the check that saw
// it, with a message saying so, and the daemon is gone.
func TestOrphansFailTheCheckAndAreKilled(t *testing.T) {
	ex := find(t, "cluster-primary")
	dir := exercisetest.Dir(t, ex.Scaffold, []exercise.File{{Name: "server.js", Data: []byte(orphaning)}})
	r := exercisetest.Verify(t, ex, dir, exercise.Options{})
	if r.Loads() {
		t.Fatalf("the load check passes:\n%s", exercisetest.Describe(r))
	}
	if got := r.Checks[0].Observed; !strings.Contains(got, "left 1 process(es) running") {
		t.Errorf("the load check does not say a process was left running: %s", got)
	}
}
