// Package emitterlab is the EventEmitter lab run headless: the scenarios
// (each through the Go emitter and through a harness on node, whose traces
// must be identical) and the BankAccount demo of lesson q12. It is what
// `nodedive lab emitter` runs.
package emitterlab

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/emitter/bank"
	"github.com/nodedive/nodedive/labs/emitter/scenario"
)

// DemoBank is the one demo: the notes' BankAccount.
const DemoBank = "bank"

// RunConfig describes a run: every scenario (the default), one scenario,
// or the bank demo.
type RunConfig struct {
	// Node is the node executable to compare with (a path, or a name on
	// PATH). Empty is node on PATH, and then a machine without node
	// still runs the Go side and says why node was not run; a Node that
	// is set must work.
	Node string
	// Scenario runs only this scenario.
	Scenario string
	// Demo runs a demo instead of scenarios: DemoBank.
	Demo string
	// Bank configures the demo.
	Bank BankConfig
	// Progress hears each scenario's verdict as it comes.
	Progress func(string)
}

// BankConfig is a BankAccount session.
type BankConfig struct {
	// Steps is the session, e.g. "deposit 50, off error, withdraw 500";
	// empty plays the notes' script.
	Steps string
	// Off lists listeners switched off at the start (deposit, withdraw,
	// error); Monitor adds an events.errorMonitor listener.
	Off     []string
	Monitor bool
	// ScriptPath is where the script pretends to live, as node's crash
	// report names it.
	ScriptPath string
}

// Report is the outcome of a run; its JSON is what `nodedive lab emitter
// --json` prints.
type Report struct {
	// Node is the node the scenarios were compared with, or whose crash
	// report the demo reproduces; nil when none ran, and NodeError says
	// why.
	Node      *noderun.Info    `json:"node,omitempty"`
	NodeError string           `json:"node_error,omitempty"`
	Scenarios []ScenarioResult `json:"scenarios,omitempty"`
	// Identical and Different count the scenarios compared with node;
	// Different includes those whose node run failed.
	Identical int         `json:"identical"`
	Different int         `json:"different"`
	Bank      *BankReport `json:"bank,omitempty"`
}

// ScenarioResult is one scenario run both ways.
type ScenarioResult struct {
	Name      string   `json:"name"`
	Rule      string   `json:"rule"`
	Title     string   `json:"title"`
	GoTrace   []string `json:"go_trace"`
	NodeTrace []string `json:"node_trace,omitempty"`
	// Compared is false when node did not run.
	Compared  bool   `json:"compared"`
	Identical bool   `json:"identical"`
	Diff      string `json:"diff,omitempty"`
	Error     string `json:"error,omitempty"`
}

// BankReport is a BankAccount session: what each call did, what node
// prints for it, and the session as a program.
type BankReport struct {
	Log []BankEntry `json:"log"`
	// Output is what node prints for the session, in order.
	Output []BankLine `json:"output"`
	// ExitCode is node's status: 1 after an unhandled 'error' event.
	ExitCode int `json:"exit_code"`
	// Script is the session as a JavaScript program for node.
	Script string `json:"script"`
	// CrashVersion is the node version whose crash report is shown;
	// CrashNote says why it is not the node's own (no node, a failed
	// probe).
	CrashVersion string `json:"crash_version"`
	CrashNote    string `json:"crash_note,omitempty"`
}

// BankEntry is one call of the session.
type BankEntry struct {
	Call    string     `json:"call"`
	Event   string     `json:"event,omitempty"`
	Emitted bool       `json:"emitted"`
	Ran     []string   `json:"ran"`
	Balance int64      `json:"balance"`
	Lines   []BankLine `json:"lines,omitempty"`
	// Crash is node's report on stderr when the call crashed the process.
	Crash string `json:"crash,omitempty"`
}

// BankLine is one line printed, on "stdout" or "stderr".
type BankLine struct {
	Stream string `json:"stream"`
	Text   string `json:"text"`
}

// Run runs the lab as cfg says.
func Run(ctx context.Context, cfg RunConfig) (*Report, error) {
	if cfg.Demo != "" && cfg.Demo != DemoBank {
		return nil, fmt.Errorf("unknown demo %q; the emitter lab has one demo: bank", cfg.Demo)
	}
	if cfg.Demo == "" && (cfg.Bank.Steps != "" || len(cfg.Bank.Off) > 0 || cfg.Bank.Monitor) {
		return nil, errors.New("steps, listeners off and the monitor go with the bank demo")
	}
	var all []*scenario.Scenario
	if cfg.Demo == "" {
		var err error
		if all, err = scenario.All(); err != nil {
			return nil, err
		}
		if cfg.Scenario != "" {
			sc, err := scenario.Find(all, cfg.Scenario)
			if err != nil {
				return nil, err
			}
			all = []*scenario.Scenario{sc}
		}
	}
	rep := &Report{}
	node, err := noderun.Identify(ctx, cfg.Node)
	switch {
	case err == nil:
		rep.Node = &node
	case cfg.Node == "" && errors.Is(err, noderun.ErrNoNode):
		rep.NodeError = err.Error()
	default:
		return nil, err
	}
	if cfg.Demo == DemoBank {
		rep.Bank, err = runBank(ctx, cfg.Bank, rep.Node, rep.NodeError)
		if err != nil {
			return nil, err
		}
		return rep, nil
	}
	compare(ctx, all, rep, cfg.Progress)
	return rep, nil
}

// compare runs every scenario in Go and, with node, on node (two node
// processes at a time).
func compare(ctx context.Context, all []*scenario.Scenario, rep *Report, progress func(string)) {
	rep.Scenarios = make([]ScenarioResult, len(all))
	sem := make(chan struct{}, 2)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, sc := range all {
		r := &rep.Scenarios[i]
		*r = ScenarioResult{Name: sc.Name, Rule: sc.Rule, Title: sc.Title, GoTrace: scenario.RunGo(sc)}
		if rep.Node == nil {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			trace, err := scenario.RunNodeOn(ctx, sc, rep.Node.Path)
			r.Compared = true
			if err != nil {
				r.Error = err.Error()
			} else {
				r.NodeTrace, r.Diff = trace, scenario.Diff(r.GoTrace, trace)
				r.Identical = r.Diff == ""
			}
			if progress != nil {
				mu.Lock()
				defer mu.Unlock()
				progress(sc.Name + ": " + Verdict(*r))
			}
		})
	}
	wg.Wait()
	for _, r := range rep.Scenarios {
		switch {
		case r.Identical:
			rep.Identical++
		case r.Compared:
			rep.Different++
		}
	}
}

// Verdict is "identical", "DIFFERENT: …", "error: …" or "not compared".
func Verdict(r ScenarioResult) string {
	switch {
	case !r.Compared:
		return "not compared"
	case r.Error != "":
		return "error: " + r.Error
	case !r.Identical:
		return "DIFFERENT: " + strings.ReplaceAll(r.Diff, "\n", " ")
	}
	return "identical"
}

// runBank plays a session. With node, its crash report is that version's;
// without, that of bank.DefaultProfile.
func runBank(ctx context.Context, cfg BankConfig, node *noderun.Info, noNode string) (*BankReport, error) {
	steps := bank.NotesSteps
	if cfg.Steps != "" {
		var err error
		if steps, err = bank.ParseSteps(cfg.Steps); err != nil {
			return nil, err
		}
	}
	opts := bank.Options{ScriptPath: cfg.ScriptPath}
	for _, name := range cfg.Off {
		l, err := bank.ParseListener(name)
		if err != nil {
			return nil, err
		}
		opts.Off = append(opts.Off, l)
	}
	if cfg.Monitor {
		opts.On = append(opts.On, bank.OnMonitor)
	}
	note := noNode
	if node != nil {
		if p, err := bank.ProbeOn(ctx, node.Path); err == nil {
			opts.Profile = &p
		} else {
			note = err.Error()
		}
	}
	acct, err := bank.New(opts)
	if err != nil {
		return nil, err
	}
	if err := acct.Run(steps); err != nil {
		return nil, err
	}
	rep := &BankReport{Script: acct.Script(), CrashVersion: bank.DefaultProfile.Version, Output: lines(acct.Output())}
	if opts.Profile != nil {
		rep.CrashVersion = opts.Profile.Version
	} else {
		rep.CrashNote = fmt.Sprintf("node not available: %s; crash reports are shown as Node v%s prints them", note, rep.CrashVersion)
	}
	if c := acct.Exited(); c != nil {
		rep.ExitCode = c.ExitCode
	}
	for _, e := range acct.Log() {
		be := BankEntry{Call: e.Call, Event: e.Event, Emitted: e.Emitted, Ran: e.Ran, Balance: e.Balance, Lines: lines(e.Lines)}
		if e.Crash != nil {
			be.Crash = e.Crash.Stderr
		}
		rep.Log = append(rep.Log, be)
	}
	return rep, nil
}

func lines(ls []bank.Line) []BankLine {
	var out []BankLine
	for _, l := range ls {
		out = append(out, BankLine{Stream: l.Stream.String(), Text: l.Text})
	}
	return out
}
