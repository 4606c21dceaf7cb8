package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/labs/emitter/emitterlab"
	"github.com/nodedive/nodedive/labs/emitter/scenario"
)

// emitterLabOptions are the flags of `nodedive lab emitter`.
type emitterLabOptions struct {
	list    bool
	name    string
	demo    string
	plain   bool
	steps   string
	off     []string
	monitor bool
	script  bool
	node    string
	asJSON  bool
}

func newLabEmitterCmd() *cobra.Command {
	var o emitterLabOptions
	cmd := &cobra.Command{
		Use:   "emitter",
		Short: "EventEmitter with Node's semantics: scenarios checked against node, and the BankAccount demo",
		Long: "The Go EventEmitter behind the events lab imitates Node's exactly. Its scenarios (small scripts of\n" +
			"on/once/off/emit calls, each checking one rule) run through the Go emitter and through a harness\n" +
			"on node (the one on PATH, or --node PATH), and the two traces must be identical. With no flags\n" +
			"every scenario runs both ways and the results are summarised.\n\n" +
			"--demo bank replays the BankAccount example of lesson q12 in Go: --plain prints exactly what\n" +
			"node prints for the example script; --steps plays another session (deposit N, withdraw N,\n" +
			"on/off deposit|withdraw|error|monitor); switching the 'error' listener off and overdrawing\n" +
			"shows the crash report node would print and its exit status 1, without any process dying.",
		Example: "  nodedive lab emitter --list\n" +
			"  nodedive lab emitter --scenario copy-on-emit-add\n" +
			"  nodedive lab emitter --demo bank --plain\n" +
			"  nodedive lab emitter --demo bank --off error\n" +
			"  nodedive lab emitter --demo bank --steps 'deposit 50, off error, withdraw 500' --script\n" +
			"  nodedive lab emitter --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEmitterLab(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.list, "list", false, "list the scenarios and the rule each checks")
	f.StringVar(&o.name, "scenario", "", "run one scenario in Go and on node and show both traces")
	f.StringVar(&o.demo, "demo", "", "run a demo: bank")
	f.BoolVar(&o.plain, "plain", false, "with --demo bank: print only what node would print")
	f.StringVar(&o.steps, "steps", "", "with --demo bank: the session, e.g. 'deposit 50, off error, withdraw 500'")
	f.StringSliceVar(&o.off, "off", nil, "with --demo bank: listeners to switch off at the start (deposit, withdraw, error)")
	f.BoolVar(&o.monitor, "monitor", false, "with --demo bank: add an events.errorMonitor listener")
	f.BoolVar(&o.script, "script", false, "with --demo bank: print the session as a JavaScript program for node")
	addNodeFlag(f, &o.node)
	f.BoolVar(&o.asJSON, "json", false, "print one JSON object instead of the report")
	return cmd
}

func runEmitterLab(ctx context.Context, out, errOut io.Writer, o emitterLabOptions) error {
	switch {
	case o.demo == "" && (o.plain || o.steps != "" || len(o.off) > 0 || o.monitor || o.script):
		return errors.New("--plain, --steps, --off, --monitor and --script go with --demo bank")
	case o.asJSON && (o.plain || o.script):
		return errors.New("--json prints the whole report (node's output and the script included): leave out --plain and --script")
	case o.demo != "" && (o.list || o.name != ""):
		return errors.New("--list and --scenario are about the scenarios, not the demo")
	}
	if o.list {
		all, err := scenario.All()
		if err != nil {
			return err
		}
		return listScenarios(out, all)
	}
	if _, err := checkNodeFlag(ctx, o.node); err != nil {
		return err
	}
	if o.demo == "" {
		// The scenarios run on node. The demo is the Go emitter, whose
		// stdout and stderr must be exactly what node prints: no warning.
		warnAboutNode(ctx, errOut, o.node)
	}
	cfg := emitterlab.RunConfig{
		Node: o.node, Scenario: o.name, Demo: o.demo,
		Bank: emitterlab.BankConfig{Steps: o.steps, Off: o.off, Monitor: o.monitor},
	}
	if wd, err := os.Getwd(); err == nil {
		cfg.Bank.ScriptPath = filepath.Join(wd, "bank.js")
	}
	rep, err := emitterlab.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if o.asJSON {
		if err := printLabJSON(out, rep); err != nil {
			return err
		}
	}
	switch {
	case rep.Bank != nil:
		return printBankDemo(out, errOut, rep.Bank, o)
	case !o.asJSON && o.name != "":
		showScenario(out, rep)
	case !o.asJSON:
		summariseScenarios(out, rep)
	}
	switch {
	case rep.Different > 0 && o.name != "":
		return fmt.Errorf("the traces differ: %s", rep.Scenarios[0].Diff+rep.Scenarios[0].Error)
	case rep.Different > 0:
		return fmt.Errorf("%d of %d scenarios differ from node", rep.Different, len(rep.Scenarios))
	}
	return nil
}

func listScenarios(w io.Writer, all []*scenario.Scenario) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tRULE\tCHECKS THAT")
	for _, sc := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sc.Name, sc.Rule, sc.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nRun one with: nodedive lab emitter --scenario NAME")
	return nil
}

func showScenario(w io.Writer, rep *emitterlab.Report) {
	r := rep.Scenarios[0]
	fmt.Fprintf(w, "%s (%s): %s\n\n", r.Name, r.Rule, r.Title)
	fmt.Fprintln(w, "Go emitter:")
	printTrace(w, r.GoTrace)
	if rep.Node == nil {
		fmt.Fprintf(w, "\nnode: not run (%s)\n", rep.NodeError)
		return
	}
	fmt.Fprintf(w, "\nnode v%s (%s):\n", rep.Node.Version, rep.Node.Path)
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", r.Error)
		return
	}
	printTrace(w, r.NodeTrace)
	if r.Identical {
		fmt.Fprintln(w, "\nThe traces are identical.")
	}
}

func printTrace(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
}

func summariseScenarios(w io.Writer, rep *emitterlab.Report) {
	if rep.Node == nil {
		fmt.Fprintf(w, "Ran %d scenarios through the Go emitter. Comparing them with node needs Node.js: %s\n", len(rep.Scenarios), rep.NodeError)
		return
	}
	fmt.Fprintf(w, "Go emitter against %s:\n\n", rep.Node)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SCENARIO\tRULE\tGO = NODE v%s\n", rep.Node.Version)
	for _, r := range rep.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, r.Rule, emitterlab.Verdict(r))
	}
	_ = tw.Flush()
	if rep.Different == 0 {
		fmt.Fprintf(w, "\nAll %d scenarios give identical traces in Go and on node.\n", len(rep.Scenarios))
	}
}

// printBankDemo prints a session: node's own output with --plain (and its
// exit status), the program with --script, otherwise each call with the
// listeners it ran.
func printBankDemo(out, errOut io.Writer, b *emitterlab.BankReport, o emitterLabOptions) error {
	switch {
	case o.asJSON:
	case o.script:
		_, err := io.WriteString(out, b.Script)
		return err
	case o.plain:
		for _, l := range b.Output {
			w := out
			if l.Stream == "stderr" {
				w = errOut
			}
			fmt.Fprintln(w, l.Text)
		}
	default:
		printBankLog(out, b)
	}
	// --plain stands in for node, exit status included; the other views
	// are reports about the session, which ran fine.
	if b.ExitCode != 0 && o.plain && !o.asJSON {
		return &exitError{code: b.ExitCode, err: fmt.Errorf("node would exit with status %d here (unhandled 'error' event)", b.ExitCode)}
	}
	return nil
}

func printBankLog(out io.Writer, b *emitterlab.BankReport) {
	fmt.Fprintln(out, "BankAccount demo (lesson q12): each call, the listeners it ran in order, and what they printed.")
	if b.CrashNote != "" {
		fmt.Fprintf(out, "(%s)\n", b.CrashNote)
	}
	fmt.Fprintln(out)
	for _, e := range b.Log {
		fmt.Fprintln(out, e.Call)
		if e.Event != "" {
			ran := "no listener"
			if len(e.Ran) > 0 {
				ran = strings.Join(e.Ran, " → ")
			}
			fmt.Fprintf(out, "  emit('%s') → %t; ran: %s; balance $%d\n", e.Event, e.Emitted, ran, e.Balance)
		}
		for _, l := range e.Lines {
			fmt.Fprintf(out, "  %s| %s\n", l.Stream, l.Text)
		}
		if e.Crash != "" {
			fmt.Fprintln(out, "  no 'error' listener: emit throws, nothing catches it, and node prints on stderr:")
			for _, l := range strings.Split(strings.TrimSuffix(e.Crash, "\n"), "\n") {
				fmt.Fprintf(out, "  stderr| %s\n", l)
			}
			fmt.Fprintf(out, "  and the process exits with status %d. (Nothing died here: this is the Go model.)\n", b.ExitCode)
		}
	}
	fmt.Fprintln(out, "\nSee the session as a script with --script, or only node's output with --plain.")
}
