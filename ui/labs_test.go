package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

// openLabScreen opens a lab from the labs menu, by name.
func openLabScreen(t *testing.T, d *driver, name string) {
	t.Helper()
	d.keys("G", "enter") // Labs is the last home entry
	menu, ok := d.m.top().(*labsMenu)
	if !ok {
		t.Fatalf("the last home entry opened %T, want the labs menu", d.m.top())
	}
	for i, l := range menu.labs {
		if l.name == name {
			menu.cursor = i
		}
	}
	d.keys("enter")
}

func TestEmitterLabShowsListenerOrderAndTheUnhandledErrorCrash(t *testing.T) {
	d := newDriver(t, true, 110, 34)
	openLabScreen(t, d, "emitter")
	if _, ok := d.m.top().(*emitterLab); !ok {
		t.Fatalf("opened %T", d.m.top())
	}
	d.keys("n") // the notes' three calls, all listeners on
	v := ansi.Strip(d.view())
	for _, want := range []string{"deposit:onDeposit", "Deposited $50, new balance: $150", "Transaction failed: Insufficient funds", "process running"} {
		if !strings.Contains(v, want) {
			t.Errorf("after the notes' script the lab does not show %q:\n%s", want, v)
		}
	}

	d.keys("3", "w", "w", "w") // error listener off, then overdraw
	v = ansi.Strip(d.view())
	for _, want := range []string{"throw er; // Unhandled 'error' event", "Error: Insufficient funds", "exited with code 1"} {
		if !strings.Contains(v, want) {
			t.Errorf("an overdraft with no 'error' listener does not show %q:\n%s", want, v)
		}
	}
	d.keys("d")
	if !strings.Contains(ansi.Strip(d.view()), "restart it first") {
		t.Error("actions after the crash are not refused")
	}
	d.keys("r", "d")
	if v := ansi.Strip(d.view()); !strings.Contains(v, "process running") || !strings.Contains(v, "balance $150") {
		t.Errorf("restart did not give a fresh BankAccount(100):\n%s", v)
	}
	d.keys("4", "3", "w", "w", "w", "w")
	log := d.m.top().(*emitterLab).acct.Log()
	if last := log[len(log)-1]; strings.Join(last.Ran, " ") != "errorMonitor:onMonitor error:onError" {
		t.Errorf("errorMonitor should run before the error listener: %v", last.Ran)
	}
}

func TestModulesLabRunsAnExperimentOnNode(t *testing.T) {
	nodetest.RequireNode(t)
	d := newDriver(t, true, 120, 40)
	openLabScreen(t, d, "modules")
	l, ok := d.m.top().(*modulesLab)
	if !ok {
		t.Fatalf("opened %T", d.m.top())
	}
	for i, e := range l.exps {
		if strings.Contains(e.Name, "sync") {
			l.cursor = i
		}
	}
	d.keys("p")
	d.typeText("wrong guess")
	d.send(ctrlKey('r'))
	r := l.runs[l.current().Name]
	if r == nil || r.result == nil {
		t.Fatalf("the experiment did not run: %+v", r)
	}
	v := ansi.Strip(d.view())
	if !r.result.Pass || !strings.Contains(v, "node printed what the lesson says") {
		t.Errorf("experiment %s failed on node: %+v\n%s", l.current().Name, r.result, v)
	}
	if !strings.Contains(v, "your prediction differs") || !strings.Contains(v, "wrong guess") {
		t.Errorf("a wrong prediction is not pointed out:\n%s", v)
	}
}

func TestModulesLabWithoutNodeSaysHowToGetIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	d := newDriver(t, true, 100, 30)
	openLabScreen(t, d, "modules")
	d.keys("r")
	v := ansi.Strip(d.view())
	if !strings.Contains(v, "Node.js is needed") || !strings.Contains(v, "nodejs.org") {
		t.Errorf("no node on PATH, but the lab does not say so:\n%s", v)
	}
}

func TestReaderRunsTheCodeBlockInView(t *testing.T) {
	nodetest.RequireNode(t)
	d := newDriver(t, true, 110, 40)
	// An old node on PATH would add its notice, which esc closes first;
	// TestOldNodeNoticeOncePerSession is about that notice.
	d.m.c.nodeJudged = true
	d.keys("4", "/")
	d.typeText("exit-codes.js")
	d.keys("enter", "r")
	r := d.m.top().(*reader)
	if r.run == nil || r.run.running {
		t.Fatalf("no finished run: %+v", r.run)
	}
	v := ansi.Strip(d.view())
	for _, want := range []string{"code=3 signal=null planned=false", "signal=SIGTERM", "exit 0"} {
		if !strings.Contains(v, want) {
			t.Errorf("run pane lacks %q:\n%s", want, v)
		}
	}
	d.keys("esc")
	if r.run != nil {
		t.Error("esc did not close the run pane")
	}

	// A block that is not runnable explains why instead of running.
	d.keys("esc", "/")
	d.typeText("rollingRestart()")
	d.keys("enter", "r")
	if r.run != nil || !strings.Contains(ansi.Strip(d.view()), "not marked runnable") {
		t.Errorf("a non-runnable block ran or was not explained:\n%s", ansi.Strip(d.view()))
	}
}
