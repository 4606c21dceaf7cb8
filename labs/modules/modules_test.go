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
// every experiment prints what its expectation says, and the report says
// which node that was and carries what the learner reads.
func TestExperimentsMatchNode(t *testing.T) {
	nodetest.RequireNode(t)
	var heard []string
	rep, err := Run(context.Background(), RunConfig{Progress: func(s string) { heard = append(heard, s) }})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := All()
	if len(rep.Experiments) != len(all) || rep.Passed != len(all) || rep.Failed != 0 || len(heard) != len(all) {
		t.Errorf("%d experiments, %d passed, %d failed, progress %q", len(rep.Experiments), rep.Passed, rep.Failed, heard)
	}
	if rep.Node.Version == "" || !strings.HasPrefix(rep.Node.Path, "/") {
		t.Errorf("report's node: %+v", rep.Node)
	}
	for _, r := range rep.Experiments {
		if !r.Pass {
			t.Errorf("node %s, experiment %s: %s\nstderr: %s", rep.Node.Version, r.Name, r.Diff, r.Stderr)
		}
		if r.Question == "" || !strings.Contains(r.Code, "// file: "+r.Entry) || r.Explanation == "" || r.Lesson == "" {
			t.Errorf("%s: the result lacks what the learner reads: %+v", r.Name, r)
		}
	}
}

// TestRunOnNode24 runs the experiments on another node than the one on
// PATH, and compares with that version's expectations.
func TestRunOnNode24(t *testing.T) {
	node := nodetest.NodeLine(t, 24)
	rep, err := Run(context.Background(), RunConfig{Node: node, Names: []string{"require-esm", "cjs-cycle"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rep.Node.Version, "24.") || rep.Node.Path != node || len(rep.Experiments) != 2 || rep.Experiments[0].Name != "require-esm" {
		t.Fatalf("report: %+v", rep)
	}
	for _, r := range rep.Experiments {
		if !r.Pass {
			t.Errorf("node %s, experiment %s: %s", rep.Node.Version, r.Name, r.Diff)
		}
	}
}

func TestRunBadInput(t *testing.T) {
	if _, err := Run(context.Background(), RunConfig{Names: []string{"cjs-cycel"}}); err == nil || !strings.Contains(err.Error(), `"cjs-cycle"`) {
		t.Errorf("unknown experiment: %v", err)
	}
	if _, err := Run(context.Background(), RunConfig{Node: "/bin/true"}); err == nil || !strings.Contains(err.Error(), "/bin/true is not node") {
		t.Errorf("a --node that is not node: %v", err)
	}
}

func TestWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Run(context.Background(), RunConfig{})
	if !errors.Is(err, noderun.ErrNoNode) || !strings.Contains(err.Error(), "install Node.js") {
		t.Fatalf("Run without node = %v, want ErrNoNode with the install hint", err)
	}
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := all[0].Run(context.Background(), "20.20.2"); !errors.Is(err, noderun.ErrNoNode) {
		t.Fatalf("Run without node = %v, want ErrNoNode", err)
	}
}
