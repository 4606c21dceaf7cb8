package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/emitter/bank"
	"github.com/nodedive/nodedive/labs/emitter/scenario"
)

func newLabEmitterCmd() *cobra.Command {
	var (
		list    bool
		name    string
		demo    string
		plain   bool
		steps   string
		off     []string
		monitor bool
		script  bool
	)
	cmd := &cobra.Command{
		Use:   "emitter",
		Short: "EventEmitter with Node's semantics: scenarios checked against node, and the BankAccount demo",
		Long: "The Go EventEmitter behind the events lab imitates Node's exactly. Its scenarios (small scripts of\n" +
			"on/once/off/emit calls, each checking one rule) run through the Go emitter and through a harness\n" +
			"on the installed node, and the two traces must be identical. With no flags every scenario runs\n" +
			"both ways and the results are summarised.\n\n" +
			"--demo bank replays the BankAccount example of lesson q12 in Go: --plain prints exactly what\n" +
			"node prints for the example script; --steps plays another session (deposit N, withdraw N,\n" +
			"on/off deposit|withdraw|error|monitor); switching the 'error' listener off and overdrawing\n" +
			"shows the crash report node would print and its exit status 1, without any process dying.",
		Example: "  nodedive lab emitter --list\n" +
			"  nodedive lab emitter --scenario copy-on-emit-add\n" +
			"  nodedive lab emitter --demo bank --plain\n" +
			"  nodedive lab emitter --demo bank --off error\n" +
			"  nodedive lab emitter --demo bank --steps 'deposit 50, off error, withdraw 500' --script",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			switch {
			case demo != "":
				if demo != "bank" {
					return fmt.Errorf("unknown demo %q; the emitter lab has one demo: bank", demo)
				}
				return runBankDemo(cmd.Context(), out, cmd.ErrOrStderr(), bankDemoOptions{
					plain: plain, steps: steps, off: off, monitor: monitor, script: script,
				})
			case plain || steps != "" || len(off) > 0 || monitor || script:
				return errors.New("--plain, --steps, --off, --monitor and --script go with --demo bank")
			}
			all, err := scenario.All()
			if err != nil {
				return err
			}
			switch {
			case list:
				return listScenarios(out, all)
			case name != "":
				sc, err := scenario.Find(all, name)
				if err != nil {
					return err
				}
				return showScenario(cmd.Context(), out, sc)
			}
			return checkScenarios(cmd.Context(), out, all)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&list, "list", false, "list the scenarios and the rule each checks")
	f.StringVar(&name, "scenario", "", "run one scenario in Go and on node and show both traces")
	f.StringVar(&demo, "demo", "", "run a demo: bank")
	f.BoolVar(&plain, "plain", false, "with --demo bank: print only what node would print")
	f.StringVar(&steps, "steps", "", "with --demo bank: the session, e.g. 'deposit 50, off error, withdraw 500'")
	f.StringSliceVar(&off, "off", nil, "with --demo bank: listeners to switch off at the start (deposit, withdraw, error)")
	f.BoolVar(&monitor, "monitor", false, "with --demo bank: add an events.errorMonitor listener")
	f.BoolVar(&script, "script", false, "with --demo bank: print the session as a JavaScript program for node")
	return cmd
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

func showScenario(ctx context.Context, w io.Writer, sc *scenario.Scenario) error {
	fmt.Fprintf(w, "%s (%s): %s\n\n", sc.Name, sc.Rule, sc.Title)
	goTrace := scenario.RunGo(sc)
	fmt.Fprintln(w, "Go emitter:")
	printTrace(w, goTrace)
	nodeTrace, err := scenario.RunNode(ctx, sc)
	if errors.Is(err, noderun.ErrNoNode) {
		fmt.Fprintf(w, "\nnode: not run (%v)\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	v, _ := noderun.Version(ctx, "")
	fmt.Fprintf(w, "\nnode v%s:\n", v)
	printTrace(w, nodeTrace)
	if d := scenario.Diff(goTrace, nodeTrace); d != "" {
		return fmt.Errorf("the traces differ: %s", d)
	}
	fmt.Fprintln(w, "\nThe traces are identical.")
	return nil
}

func printTrace(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
}

// checkScenarios runs every scenario both ways, two node processes at a
// time, and prints one line per scenario.
func checkScenarios(ctx context.Context, w io.Writer, all []*scenario.Scenario) error {
	if _, err := noderun.Find(""); err != nil {
		for _, sc := range all {
			scenario.RunGo(sc)
		}
		fmt.Fprintf(w, "Ran %d scenarios through the Go emitter. Comparing them with node needs Node.js: %v\n", len(all), err)
		return nil
	}
	type outcome struct {
		diff string
		err  error
	}
	results := make([]outcome, len(all))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, sc := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			nodeTrace, err := scenario.RunNode(ctx, sc)
			if err != nil {
				results[i] = outcome{err: err}
				return
			}
			results[i] = outcome{diff: scenario.Diff(scenario.RunGo(sc), nodeTrace)}
		}()
	}
	wg.Wait()
	v, _ := noderun.Version(ctx, "")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SCENARIO\tRULE\tGO = NODE v%s\n", v)
	failed := 0
	for i, sc := range all {
		verdict := "identical"
		switch r := results[i]; {
		case r.err != nil:
			verdict, failed = "error: "+r.err.Error(), failed+1
		case r.diff != "":
			verdict, failed = "DIFFERENT: "+strings.ReplaceAll(r.diff, "\n", " "), failed+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sc.Name, sc.Rule, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d scenarios differ from node", failed, len(all))
	}
	fmt.Fprintf(w, "\nAll %d scenarios give identical traces in Go and on node.\n", len(all))
	return nil
}

type bankDemoOptions struct {
	plain, monitor, script bool
	steps                  string
	off                    []string
}

func runBankDemo(ctx context.Context, out, errOut io.Writer, o bankDemoOptions) error {
	steps := bank.NotesSteps
	if o.steps != "" {
		var err error
		if steps, err = bank.ParseSteps(o.steps); err != nil {
			return err
		}
	}
	opts := bank.Options{}
	for _, name := range o.off {
		l, err := bank.ParseListener(name)
		if err != nil {
			return err
		}
		opts.Off = append(opts.Off, l)
	}
	if o.monitor {
		opts.On = append(opts.On, bank.OnMonitor)
	}
	// The crash report names node's version and the script's path: ask the
	// installed node for its version's details, else use v20.20.2's.
	profileNote := ""
	if p, err := bank.Probe(ctx); err == nil {
		opts.Profile = &p
	} else {
		profileNote = fmt.Sprintf("(node not available: %v; crash reports are shown as Node v%s prints them)",
			err, bank.DefaultProfile.Version)
	}
	if wd, err := os.Getwd(); err == nil {
		opts.ScriptPath = filepath.Join(wd, "bank.js")
	}
	acct, err := bank.New(opts)
	if err != nil {
		return err
	}
	if err := acct.Run(steps); err != nil {
		return err
	}
	if o.script {
		_, err := io.WriteString(out, acct.Script())
		return err
	}
	crash := acct.Exited()
	if o.plain {
		for _, l := range acct.Output() {
			w := out
			if l.Stream == bank.Stderr {
				w = errOut
			}
			fmt.Fprintln(w, l.Text)
		}
		if crash != nil {
			return &exitError{code: crash.ExitCode, err: fmt.Errorf("node would exit with status %d here (unhandled 'error' event)", crash.ExitCode)}
		}
		return nil
	}

	fmt.Fprintln(out, "BankAccount demo (lesson q12): each call, the listeners it ran in order, and what they printed.")
	if profileNote != "" {
		fmt.Fprintln(out, profileNote)
	}
	fmt.Fprintln(out)
	for _, e := range acct.Log() {
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
		if e.Crash != nil {
			fmt.Fprintln(out, "  no 'error' listener: emit throws, nothing catches it, and node prints on stderr:")
			for _, l := range strings.Split(strings.TrimSuffix(e.Crash.Stderr, "\n"), "\n") {
				fmt.Fprintf(out, "  stderr| %s\n", l)
			}
			fmt.Fprintf(out, "  and the process exits with status %d. (Nothing died here: this is the Go model.)\n", e.Crash.ExitCode)
		}
	}
	fmt.Fprintln(out, "\nSee the session as a script with --script, or only node's output with --plain.")
	return nil
}
