// Command nodedive is a terminal course on Node.js modules, events, scaling,
// clustering and security: lessons to read, live labs to run and quizzes
// graded against model interview answers.
//
// With no arguments it opens the full-screen app; every lab and the grader
// also run headless as subcommands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"charm.land/fang/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/term"
)

// version is set at build time with -ldflags "-X main.version=...";
// otherwise fang reads it from the module's build info.
var version = ""

func main() {
	// Hidden child roles (cluster workers and the like) re-execute this
	// binary; they must not go through the CLI's flag parsing and styling.
	if runChildRole(os.Args) {
		return
	}
	os.Exit(execute(context.Background()))
}

// execute runs the command line and returns the exit status.
func execute(ctx context.Context) int {
	root := newRootCmd()
	// Commands read and write these, never os.Stdin: fang is shown a
	// stand-in below.
	root.SetIn(os.Stdin)
	root.SetOut(os.Stdout)
	root.SetErr(os.Stderr)
	restore := hideStdinFromFang()
	defer restore()

	opts := []fang.Option{
		// Every way of being told to stop cancels the command's context;
		// the app and the labs then shut down through their one exit path.
		fang.WithNotifySignal(stopSignals()...),
		fang.WithErrorHandler(printError),
		fang.WithColorSchemeFunc(func(lipgloss.LightDarkFunc) fang.ColorScheme {
			return fang.DefaultColorScheme(lipgloss.LightDark(helpDark()))
		}),
	}
	if version != "" {
		opts = append(opts, fang.WithVersion(version))
	}
	if err := fang.Execute(ctx, root, opts...); err != nil {
		return exitCode(err)
	}
	return 0
}

// stopSignals are the signals that end a command: ctrl+c, kill, and the
// terminal going away. SIGHUP is left alone when it is ignored (nohup):
// asking to be notified of it would undo that.
func stopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// hideStdinFromFang gives os.Stdin a stand-in that is not a terminal until
// the returned func restores it. fang v2 asks lipgloss for the terminal's
// background before it prints help or an error, whatever colour-scheme
// function it is given, and lipgloss waits 2 s on stdin and 2 s more on
// stdout: on a terminal that never answers (a bare pty, an Emacs shell, a CI
// runner) every --help and every error took 4 s. With stdin not a terminal
// lipgloss does not ask; the background comes from helpDark instead, which
// asks once with a real 100 ms bound.
func hideStdinFromFang() (restore func()) {
	stdin := os.Stdin
	if !term.IsTerminal(stdin.Fd()) {
		return func() {}
	}
	standIn, err := os.Open(os.DevNull)
	if err != nil {
		return func() {}
	}
	os.Stdin = standIn
	return func() {
		if os.Stdin == standIn {
			os.Stdin = stdin
			standIn.Close()
		}
	}
}

// helpDark is the background fang styles help and errors for. It asks the
// terminal only when the text goes to one.
func helpDark() bool {
	if term.IsTerminal(os.Stdout.Fd()) || term.IsTerminal(os.Stderr.Fd()) {
		return terminalDark()
	}
	return true
}

// printError is fang's error handler without its habit of capitalising the
// message and appending a period: our messages quote IDs and end in "?".
func printError(w io.Writer, styles fang.Styles, err error) {
	// w wraps stderr in a colour-profile writer, so ask stderr itself.
	if term.IsTerminal(os.Stderr.Fd()) {
		fmt.Fprintln(w, styles.ErrorHeader.String())
		fmt.Fprintln(w, styles.ErrorText.UnsetTransform().Render(err.Error()))
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w, "nodedive: "+err.Error())
}
