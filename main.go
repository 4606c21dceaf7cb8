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
	"syscall"

	"charm.land/fang/v2"
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
	opts := []fang.Option{
		fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM),
		fang.WithErrorHandler(printError),
	}
	if version != "" {
		opts = append(opts, fang.WithVersion(version))
	}
	if err := fang.Execute(context.Background(), newRootCmd(), opts...); err != nil {
		os.Exit(exitCode(err))
	}
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
