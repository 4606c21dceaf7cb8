package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/render"
)

// defaultWidth is the wrap width when the output is not a terminal.
const defaultWidth = 80

// maxWidth keeps lines readable on very wide terminals.
const maxWidth = 120

// maxFlagWidth is the widest --width accepted: wider than any screen, and
// a bound on the work of rendering.
const maxFlagWidth = 500

// checkWidth refuses a --width nothing can be read at.
func checkWidth(w int) error {
	if w < render.MinWidth || w > maxFlagWidth {
		return fmt.Errorf("--width %d: lessons wrap at %d to %d columns (leave --width out to fit the terminal)",
			w, render.MinWidth, maxFlagWidth)
	}
	return nil
}

// outputWidth is the wrap width for out: the terminal's width up to
// maxWidth, or defaultWidth when out is not a terminal.
func outputWidth(out *os.File) int {
	if out != nil && term.IsTerminal(out.Fd()) {
		if w, _, err := term.GetSize(out.Fd()); err == nil && w > 0 {
			return max(min(w, maxWidth), render.MinWidth)
		}
	}
	return defaultWidth
}

// readStyle picks the style: --plain, then --style, then the output (only
// that last case may ask the terminal for its background).
func readStyle(out *os.File, style string, plain bool) (render.Style, error) {
	switch {
	case plain:
		return render.Plain, nil
	case style != "":
		return render.ParseStyle(style)
	case out == nil:
		return render.Plain, nil
	}
	return cliStyle(out), nil
}

func newReadCmd() *cobra.Command {
	var (
		section string
		width   int
		plain   bool
		style   string
		toc     bool
		noCache bool
	)
	cmd := &cobra.Command{
		Use:     "read ID",
		Short:   "Print a lesson, rendered for the terminal",
		GroupID: groupLearn,
		Long: "Renders a lesson with glamour. On a terminal the output is styled for its dark or light\n" +
			"background and wrapped to its width. When the output is not a terminal, with --plain or with\n" +
			"NO_COLOR set, it contains no escape sequences at all.",
		Example:           "  nodedive read q14\n  nodedive read cluster --section \"Modern Node\"\n  nodedive read q11 --toc\n  nodedive read events --plain | less",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeLessonIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("width") {
				if err := checkWidth(width); err != nil {
					return err
				}
			}
			l, err := lessonArg(args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if toc {
				return printTOC(out, l)
			}
			md := l.Body
			if section != "" {
				i, err := l.FindSection(section)
				if err != nil {
					return err
				}
				md = l.SectionMarkdown(i)
			}

			outFile, _ := out.(*os.File)
			st, err := readStyle(outFile, style, plain)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("width") {
				width = outputWidth(outFile)
			}
			cacheDir := filepath.Join(dirs().Cache, "render")
			if noCache {
				cacheDir = ""
			}
			return render.New(cacheDir).WriteTo(out, md, width, st)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&section, "section", "s", "", "print only this section: its number (see --toc) or name")
	f.IntVarP(&width, "width", "w", 0, fmt.Sprintf("wrap at this many columns, %d to %d (default: the terminal width up to %d, or %d)",
		render.MinWidth, maxFlagWidth, maxWidth, defaultWidth))
	f.BoolVar(&plain, "plain", false, "no colours or escape sequences, whatever the output is")
	f.StringVar(&style, "style", "", "force a style: dark, light or plain (default: from the terminal)")
	f.BoolVar(&toc, "toc", false, "print the lesson's table of contents with section numbers")
	f.BoolVar(&noCache, "no-cache", false, "render afresh instead of using the render cache")
	return cmd
}

func printTOC(w io.Writer, l *lessons.Lesson) error {
	fmt.Fprintf(w, "%s: %s\n\n", l.ID, l.Title)
	for i, s := range l.Sections {
		indent := strings.Repeat("  ", s.Level-2)
		fmt.Fprintf(w, "%3d  %s%s\n", i+1, indent, s.Title)
	}
	return nil
}

// completeLessonIDs offers the lesson IDs, with titles, to shell completion
// for commands whose first argument is a lesson.
func completeLessonIDs(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	course, err := lessons.Load()
	if err != nil || len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, l := range course.Lessons {
		names = append(names, l.ID+"\t"+l.Title)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// lessonArg resolves a lesson ID or alias given on the command line.
func lessonArg(id string) (*lessons.Lesson, error) {
	course, err := lessons.Load()
	if err != nil {
		return nil, err
	}
	return course.Find(id)
}
