package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/nodedive/nodedive/internal/coursecheck"
	"github.com/nodedive/nodedive/internal/noderun"
)

// nodeFlagUsage is the help of --node, the same on every command that runs
// node.
const nodeFlagUsage = "the node executable to run: a path, or a name on PATH (default: node on PATH)"

// addNodeFlag adds --node to a command that runs node.
func addNodeFlag(f *pflag.FlagSet, node *string) {
	f.StringVar(node, "node", "", nodeFlagUsage)
}

// checkNodeFlag checks --node before anything starts: the path must be an
// executable that says it is node. An empty flag is node on PATH, which is
// checked where it is needed (with an install hint when missing).
func checkNodeFlag(ctx context.Context, node string) (noderun.Info, error) {
	if node == "" {
		return noderun.Info{}, nil
	}
	info, err := noderun.Identify(ctx, node)
	if err != nil {
		return info, fmt.Errorf("--node %s: %w", node, err)
	}
	return info, nil
}

// warnAboutNode prints on w (stderr) what coursecheck.Support says about the
// node a command is about to run (path; "" is node on PATH): nothing for a
// supported node on which the course's examples print what it shows, else
// one warning line. A node that cannot be asked its version is left to the
// command, which reports it when it runs node.
func warnAboutNode(ctx context.Context, w io.Writer, path string) {
	info, err := noderun.Identify(ctx, path)
	if err != nil {
		return
	}
	if _, warning := coursecheck.Support(info.Version); warning != "" {
		fmt.Fprintln(w, "warning: "+warning)
	}
}
