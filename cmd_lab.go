package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/internal/suggest"
)

// newLabCmd groups the live labs. Each lab's command is built in its own
// cmd_lab_*.go file and added here. `nodedive lab` alone lists them; an
// unknown lab is an error with the nearest names.
func newLabCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "lab [LAB]",
		Short:   "Run a live lab headless (the app runs them with dashboards)",
		GroupID: groupLabs,
		Args:    cobra.ArbitraryArgs,
	}
	cmd.AddCommand(
		newLabEmitterCmd(),
		newLabModulesCmd(),
		newLabClusterCmd(),
		newLabSecureCmd(),
		newLabScaleCmd(),
	)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return listLabs(cmd.OutOrStdout(), cmd)
		}
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		near := suggest.Nearest(args[0], names, 2)
		if len(near) == 0 {
			// Five labs: all of them is a short enough suggestion.
			near = names
		}
		return &suggest.NotFoundError{Kind: "lab", Name: args[0], Suggestions: near}
	}
	return cmd
}

func listLabs(w io.Writer, cmd *cobra.Command) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAB\tWHAT IT DOES")
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			fmt.Fprintf(tw, "%s\t%s\n", c.Name(), c.Short)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nRun one with: nodedive lab LAB (nodedive lab LAB --help for its flags; each has --json)")
	return nil
}

// printLabJSON writes a lab's report as one indented JSON object, the
// output of every lab's --json.
func printLabJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
