package modules

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

func TestVersionRanges(t *testing.T) {
	const requireESM = ">=20.19.0 <21 || >=22.12.0"
	for _, c := range []struct {
		v    string
		want bool
	}{
		{"20.18.3", false},
		{"20.19.0", true},
		{"v20.20.2", true},
		{"21.7.3", false},
		{"22.11.0", false},
		{"22.12.0", true},
		{"23.0.0", true},
		{"24.1.0-pre", true},
	} {
		v, err := parseVersion(c.v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := matches(v, requireESM)
		if err != nil || got != c.want {
			t.Errorf("%s in %q = %v, %v; want %v", c.v, requireESM, got, err, c.want)
		}
	}
	if _, err := matches(version{20}, "~20"); err == nil {
		t.Error("an unknown operator should be an error")
	}
}

// TestEveryVersionHasAnExpectation checks that the version ranges of each
// experiment leave no gap for the node versions the course supports.
func TestEveryVersionHasAnExpectation(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 11 {
		t.Fatalf("%d experiments, want at least 11", len(all))
	}
	for _, e := range all {
		for _, v := range []string{
			"20.0.0", "20.10.0", "20.11.0", "20.18.0", "20.19.0", "21.1.0", "21.2.0",
			"22.0.0", "22.11.0", "22.12.0", "23.0.0", "24.4.1",
		} {
			if _, err := e.Expected(v); err != nil {
				t.Error(err)
			}
		}
		if !strings.Contains(e.Code(), "// file: "+e.Entry+"\n") {
			t.Errorf("%s: Code() does not show the entry file", e.Name)
		}
	}
	x, _ := Find(all, "require-esm")
	old, _ := x.Expected("20.18.0")
	cur, _ := x.Expected("20.19.0")
	if !strings.Contains(old.Stdout, "ERR_REQUIRE_ESM") || !strings.Contains(cur.Stdout, "worked") {
		t.Errorf("require-esm expectations do not follow the 20.19.0 boundary: %q / %q", old.Stdout, cur.Stdout)
	}
	if _, err := Find(all, "require-cach"); err == nil || !strings.Contains(err.Error(), "require-cache") {
		t.Errorf("Find of a near name = %v, want a suggestion", err)
	}
}

// TestExperimentsMatchNode is the lab's promise: on the installed node,
// every experiment prints what its expectation says.
func TestExperimentsMatchNode(t *testing.T) {
	nodetest.RequireNode(t)
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunAll(context.Background(), all)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Experiments {
		if !r.Pass {
			t.Errorf("node %s, experiment %s: %s\nstderr: %s", rep.Node, r.Name, r.Diff, r.Stderr)
		}
	}
}

func TestWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	_, err = RunAll(context.Background(), all)
	if !errors.Is(err, noderun.ErrNoNode) || !strings.Contains(err.Error(), "install Node.js") {
		t.Fatalf("RunAll without node = %v, want ErrNoNode with the install hint", err)
	}
	if _, err := all[0].Run(context.Background(), "20.20.2"); !errors.Is(err, noderun.ErrNoNode) {
		t.Fatalf("Run without node = %v, want ErrNoNode", err)
	}
}
