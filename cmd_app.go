package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/lessons/render"
	"github.com/nodedive/nodedive/ui"
)

// startApp opens the full-screen app; opts adjust where it starts (a
// lesson, a quiz).
func startApp(cmd *cobra.Command, opts ...func(*ui.Options)) error {
	in, _ := cmd.InOrStdin().(*os.File)
	out, _ := cmd.OutOrStdout().(*os.File)
	if in == nil || out == nil || !term.IsTerminal(in.Fd()) || !term.IsTerminal(out.Fd()) {
		return errors.New("the app needs a terminal; for scripts use the subcommands (nodedive --help), e.g. nodedive read q14")
	}
	course, err := lessons.Load()
	if err != nil {
		return err
	}
	d := dirs()
	store := progress.Open(d.State)
	p, rec, err := store.Load()
	notice := ""
	switch {
	case errors.Is(err, progress.ErrNewerSchema):
		// Keep the learner's file intact and run without saving.
		notice = err.Error() + "; progress will not be saved this session"
		store, p = nil, progress.New()
	case err != nil:
		notice = fmt.Sprintf("progress could not be loaded (%v); it will not be saved this session", err)
		store, p = nil, progress.New()
	case rec != nil:
		notice = rec.String()
	}
	o := ui.Options{
		Course:   course,
		Renderer: render.New(filepath.Join(d.Cache, "render")),
		CacheDir: d.Cache,
		// Where `nodedive exercise start` writes too: the app and the CLI
		// find each other's exercises.
		ExercisesDir: filepath.Join(d.Data, "exercises"),
		Store:        store,
		Progress:     p,
		Notice:       notice,
		Input:        in,
		Output:       out,
	}
	for _, f := range opts {
		f(&o)
	}
	return ui.Run(cmd.Context(), o)
}
