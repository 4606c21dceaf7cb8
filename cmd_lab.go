package main

import "github.com/spf13/cobra"

// newLabCmd groups the live labs. Each lab's command is built in its own
// cmd_lab_*.go file and added here.
func newLabCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "lab",
		Short:   "Run a live lab headless (the app runs them with dashboards)",
		GroupID: groupLabs,
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(
		newLabEmitterCmd(),
		newLabModulesCmd(),
		newLabClusterCmd(),
		newLabSecureCmd(),
		newLabScaleCmd(),
	)
	return cmd
}
