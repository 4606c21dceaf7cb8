// Package nodetest lets tests demand external tools. A missing tool skips the
// test on a developer's machine but fails it under CI=true, where the
// project's setup (.ci/run) is responsible for installing everything.
package nodetest

import (
	"os"
	"os/exec"
	"testing"

	"github.com/nodedive/nodedive/internal/noderun"
)

// RequireNode returns the node executable's path, or skips (fails on CI).
func RequireNode(t testing.TB) string {
	t.Helper()
	path, err := noderun.Find("")
	if err != nil {
		missing(t, err.Error())
	}
	return path
}

// RequireTool returns the path of an executable such as redis-server, nginx
// or tmux, or skips (fails on CI). hint says how to install it.
func RequireTool(t testing.TB, name, hint string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" is not on PATH: "+hint)
	}
	return path
}

func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this is a failure: .ci/run must install it)", msg)
	}
	t.Skip(msg)
}
