package scenario

import (
	"context"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

// TestDifferential runs every scenario through the Go emitter and through
// the harness on the installed node: the traces must be identical.
func TestDifferential(t *testing.T) {
	nodetest.RequireNode(t)
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range all {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			nodeTrace, err := RunNode(context.Background(), sc)
			if err != nil {
				t.Fatal(err)
			}
			goTrace := RunGo(sc)
			if d := Diff(goTrace, nodeTrace); d != "" {
				t.Errorf("%s (%s)\n%s\n--- go trace:\n%s\n--- node trace:\n%s", sc.Name, sc.Rule, d,
					strings.Join(goTrace, "\n"), strings.Join(nodeTrace, "\n"))
			}
		})
	}
}
