package emitterlab

import (
	"context"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/emitter/scenario"
)

// TestScenariosOnNode is the differential test of the Go emitter: every
// scenario gives the same trace in Go and on node. The report names the
// node and carries both traces.
func TestScenariosOnNode(t *testing.T) {
	nodetest.RequireNode(t)
	var heard []string
	rep, err := Run(context.Background(), RunConfig{Progress: func(s string) { heard = append(heard, s) }})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := scenario.All()
	if rep.Node == nil || rep.Node.Version == "" || len(rep.Scenarios) != len(all) || rep.Identical != len(all) || rep.Different != 0 || len(heard) != len(all) {
		t.Errorf("node %+v, %d scenarios, %d identical, %d different, %d progress lines", rep.Node, len(rep.Scenarios), rep.Identical, rep.Different, len(heard))
	}
	for _, r := range rep.Scenarios {
		if !r.Compared || !r.Identical || len(r.GoTrace) == 0 || strings.Join(r.GoTrace, "\n") != strings.Join(r.NodeTrace, "\n") || Verdict(r) != "identical" {
			t.Errorf("%s (%s): %s%s\n--- go trace:\n%s\n--- node trace:\n%s", r.Name, r.Rule, r.Diff, r.Error,
				strings.Join(r.GoTrace, "\n"), strings.Join(r.NodeTrace, "\n"))
		}
	}
}

func TestOneScenarioOnNode24(t *testing.T) {
	node := nodetest.NodeLine(t, 24)
	rep, err := Run(context.Background(), RunConfig{Node: node, Scenario: "error-monitor"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Node == nil || !strings.HasPrefix(rep.Node.Version, "24.") || len(rep.Scenarios) != 1 || !rep.Scenarios[0].Identical {
		t.Errorf("report: %+v", rep)
	}
}

// TestWithoutNode: the Go side still runs, and the report says why node
// did not; a node that was asked for by path must exist.
func TestWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	rep, err := Run(context.Background(), RunConfig{Scenario: "copy-on-emit-add"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Node != nil || !strings.Contains(rep.NodeError, "node was not found") || rep.Scenarios[0].Compared || Verdict(rep.Scenarios[0]) != "not compared" ||
		!strings.Contains(strings.Join(rep.Scenarios[0].GoTrace, "\n"), "late(2)") {
		t.Errorf("report: %+v", rep)
	}
	rep, err = Run(context.Background(), RunConfig{Demo: DemoBank, Bank: BankConfig{Off: []string{"error"}}})
	if err != nil {
		t.Fatal(err)
	}
	if b := rep.Bank; b.ExitCode != 1 || !strings.Contains(b.CrashNote, "node not available") || b.CrashVersion == "" {
		t.Errorf("bank without node: %+v", b)
	}
	if _, err := Run(context.Background(), RunConfig{Node: "/nonexistent/node"}); err == nil || !strings.Contains(err.Error(), "/nonexistent/node") {
		t.Errorf("a missing --node: %v", err)
	}
}

// TestBankDemo: the notes' session without its 'error' listener crashes
// the pretend process, and the report has the log, node's output, the exit
// status and the script.
func TestBankDemo(t *testing.T) {
	rep, err := Run(context.Background(), RunConfig{Demo: DemoBank, Bank: BankConfig{Off: []string{"error"}, ScriptPath: "/tmp/bank.js"}})
	if err != nil {
		t.Fatal(err)
	}
	b := rep.Bank
	if b == nil || rep.Scenarios != nil {
		t.Fatalf("report: %+v", rep)
	}
	if b.ExitCode != 1 || len(b.Log) == 0 || len(b.Output) == 0 || b.Output[0] != (BankLine{"stdout", "Deposited $50, new balance: $150"}) {
		t.Errorf("bank: exit %d, log %+v, output %+v", b.ExitCode, b.Log, b.Output)
	}
	last := b.Output[len(b.Output)-1]
	crash := b.Log[len(b.Log)-1].Crash
	if last.Stream != "stderr" || !strings.Contains(crash, "throw er; // Unhandled 'error' event") || !strings.Contains(crash, "/tmp/bank.js") {
		t.Errorf("crash: last line %+v, crash %q", last, crash)
	}
	if !strings.Contains(b.Script, "account.off('error', onError);") && !strings.Contains(b.Script, "onError") {
		t.Errorf("script: %s", b.Script)
	}
}

func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		cfg  RunConfig
		want string
	}{
		{RunConfig{Demo: "atm"}, `unknown demo "atm"`},
		{RunConfig{Bank: BankConfig{Steps: "deposit 5"}}, "go with the bank demo"},
		{RunConfig{Scenario: "error-monitr"}, `"error-monitor"`},
		{RunConfig{Demo: DemoBank, Bank: BankConfig{Steps: "deposit lots"}}, "deposit"},
		{RunConfig{Demo: DemoBank, Bank: BankConfig{Off: []string{"errors"}}}, `unknown listener "errors"`},
	} {
		if rep, err := Run(context.Background(), c.cfg); err == nil || rep != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}
