package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

// fakeOldNode writes a node that says it is 20.20.2 (end of life) and runs
// the real node for everything else, so a command works as usual and only
// the version it reads is old. It is called node, in a directory of its own.
func fakeOldNode(t *testing.T, realNode string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "node")
	script := fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = --version ]; then echo v20.20.2; exit 0; fi\nexec %q \"$@\"\n", realNode)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

const oldNodeWarning = "warning: node 20.20.2 is older than the supported lines"

// TestCommandsThatRunNodeWarnAboutAnOldOne: `run` and every lab command
// that runs node print coursecheck.Support's warning once on stderr for a
// node older than the supported lines, and nothing for a supported one.
func TestCommandsThatRunNodeWarnAboutAnOldOne(t *testing.T) {
	node24 := nodetest.NodeLine(t, 24)
	old := fakeOldNode(t, node24)
	id, n, _ := findBlock(t, true)
	for _, args := range [][]string{
		{"run", id, "--block", fmt.Sprint(n)},
		{"lab", "modules", "--run", "require-esm"},
		{"lab", "emitter", "--scenario", "error-monitor"},
		{"lab", "cluster", "--runtime", "node", "--workers", "1", "--duration", "200ms"},
	} {
		_, stderr, _ := execNodedive(t, append(args, "--node", old)...)
		if got := strings.Count(stderr, oldNodeWarning); got != 1 {
			t.Errorf("%v on node 20: the warning appears %d times, want once; stderr:\n%s", args, got, stderr)
		}
		_, stderr, _ = execNodedive(t, append(args, "--node", node24)...)
		if strings.Contains(stderr, "warning: node") {
			t.Errorf("%v on node 24: a warning for a supported node:\n%s", args, stderr)
		}
	}
	// Without --node, the node on PATH is the one judged.
	t.Setenv("PATH", filepath.Dir(old)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if _, stderr, _ := execNodedive(t, "run", id, "--block", fmt.Sprint(n)); !strings.Contains(stderr, oldNodeWarning) {
		t.Errorf("run with an old node on PATH: no warning; stderr:\n%s", stderr)
	}
}
