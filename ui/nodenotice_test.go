package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

// nodeOnPath puts first on PATH a node that says it is version and runs
// the real node for everything else.
func nodeOnPath(t *testing.T, realNode, version string) {
	t.Helper()
	dir := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = --version ]; then echo v%s; exit 0; fi\nexec %q \"$@\"\n", version, realNode)
	if err := os.WriteFile(filepath.Join(dir, "node"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

const oldNodeNotice = "node 20.20.2 is older than the supported lines"

// TestOldNodeNoticeOncePerSession: the first node run of a session (here
// the reader's) shows what the course says about an old node on PATH, as a
// notice that stays; later runs, in the reader or in a lab, do not repeat
// it once dismissed.
func TestOldNodeNoticeOncePerSession(t *testing.T) {
	nodeOnPath(t, nodetest.NodeLine(t, 24), "20.20.2")
	d := newDriver(t, true, 120, 40)
	d.keys("4", "/")
	d.typeText("exit-codes.js")
	d.keys("enter", "r")
	if !strings.Contains(d.m.status.notice.text, oldNodeNotice) || !strings.Contains(ansi.Strip(d.view()), "node 20.20.2 is") {
		t.Fatalf("the first run on node 20 shows no notice about it:\n%s", ansi.Strip(d.view()))
	}
	d.keys("esc") // dismisses the notice
	d.keys("r")
	if d.m.status.notice.text != "" {
		t.Errorf("a second run showed the notice again: %q", d.m.status.notice.text)
	}
	d.keys("esc", "esc", "esc")
	openLabScreen(t, d, "modules")
	if _, ok := d.m.top().(*modulesLab); !ok || d.m.status.notice.text != "" {
		t.Errorf("the modules lab (%T) repeated the notice: %q", d.m.top(), d.m.status.notice.text)
	}
}

// TestModulesLabNoticesAnOldNode: opening the modules lab runs node, so it
// is where an old node is first noticed; a supported node gets no notice.
func TestModulesLabNoticesAnOldNode(t *testing.T) {
	node24 := nodetest.NodeLine(t, 24)
	for _, tc := range []struct {
		version string
		notice  bool
	}{{"20.20.2", true}, {"24.22.3", false}} {
		t.Run(tc.version, func(t *testing.T) {
			nodeOnPath(t, node24, tc.version)
			d := newDriver(t, true, 120, 40)
			openLabScreen(t, d, "modules")
			if got := strings.Contains(d.m.status.notice.text, oldNodeNotice); got != tc.notice {
				t.Errorf("node %s: notice %q", tc.version, d.m.status.notice.text)
			}
		})
	}
}
