package coursecheck_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/coursecheck"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/modules"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/quiz"
)

// TestCheckPassesOnTheNewestLine runs the whole course on the newest
// supported line: every block, output question, experiment and scenario
// must print what the course says for that version. The other lines are
// TestCheckPassesOnSupportedLines's, in .ci/run's cross-line pass
// (-tags crossline), which keeps `go test ./...` within its time budget.
func TestCheckPassesOnTheNewestLine(t *testing.T) {
	nodes := nodetest.RequireLines(t)
	checkCourseOn(t, nodes[len(nodes)-1])
}

// checkCourseOn checks the whole course on one node and counts what it
// checked against the course's sources.
func checkCourseOn(t *testing.T, n nodetest.LineNode) {
	t.Helper()
	src, err := coursecheck.Course()
	if err != nil {
		t.Fatal(err)
	}
	want := map[coursecheck.Kind]int{
		coursecheck.Experiment: len(src.Experiments),
		coursecheck.Scenario:   len(src.Scenarios),
	}
	for _, q := range src.Questions {
		if q.Kind == quiz.Output {
			want[coursecheck.Output]++
		}
	}
	for _, l := range src.Lessons {
		for _, b := range l.Blocks {
			if b.Runnable {
				want[coursecheck.Block]++
			}
		}
	}
	t.Run(n.Version, func(t *testing.T) {
		node, err := coursecheck.Resolve(context.Background(), n.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !node.Supported || node.Major != n.Line {
			t.Errorf("node %s: supported %v, major %d", n.Version, node.Supported, node.Major)
		}
		rep, err := coursecheck.Check(context.Background(), src, node, coursecheck.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[coursecheck.Kind]int{}
		for _, it := range rep.Items {
			if it.Kind != coursecheck.Unchecked {
				got[it.Kind]++
			}
			if !it.Pass {
				var b bytes.Buffer
				coursecheck.WriteItem(&b, it, true)
				t.Errorf("on node %s:\n%s", n.Version, b.String())
			}
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%d %s items checked, want %d", got[k], k, w)
			}
		}
		if rep.Failed != 0 || rep.Passed != len(rep.Items)-rep.Unchecked {
			t.Errorf("totals: passed %d, failed %d, unchecked %d of %d items", rep.Passed, rep.Failed, rep.Unchecked, len(rep.Items))
		}
	})
}

// wrongFixture is a lesson, a quiz question and an experiment whose
// expectations are deliberately wrong, plus one right block.
func wrongFixture(t *testing.T) coursecheck.Sources {
	t.Helper()
	data, err := os.ReadFile("testdata/wrong.md")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lessons.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	l.File = "wrong.md"
	return coursecheck.Sources{
		Lessons: []*lessons.Lesson{l},
		Questions: []*quiz.Question{
			{ID: "wrong-q", Kind: quiz.Output, Prompt: "What does this print?", Code: "console.log([1, 2].length)\n", Expected: "3\n"},
			{ID: "right-q", Kind: quiz.Output, Prompt: "And this?", Code: "console.log(typeof null)\n", Expected: "object\n"},
		},
		Experiments: []*modules.Experiment{{
			Name: "wrong-exp", Title: "A wrong experiment", Entry: "main.js",
			Files:  []noderun.File{{Name: "main.js", Text: "console.log('a'); process.exitCode = 2;\n"}},
			Expect: []modules.Expectation{{When: ">=99", Stdout: "never\n"}, {Stdout: "b\n"}},
		}},
	}
}

func TestDeliberatelyWrongExpectationsFail(t *testing.T) {
	nodetest.RequireNode(t)
	node, err := coursecheck.Resolve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	rep, err := coursecheck.Check(context.Background(), wrongFixture(t), node, coursecheck.Options{
		Each: func(it coursecheck.Item) { order = append(order, it.ID) },
	})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]coursecheck.Item{}
	var ids []string
	for _, it := range rep.Items {
		byID[it.ID] = it
		ids = append(ids, it.ID)
	}
	if want := []string{"wrong/1", "wrong/2", "wrong/3", "wrong/4", "wrong/5", "wrong/6", "wrong-q", "right-q", "wrong-exp"}; !slices.Equal(ids, want) {
		t.Fatalf("items %v, want %v", ids, want)
	}
	if !slices.Equal(order, ids) {
		t.Errorf("Each heard %v, want the report order %v", order, ids)
	}
	cases := []struct {
		id                 string
		pass               bool
		expected, observed string
		problem            string
	}{
		{"wrong/1", true, "2\n", "2\n", ""},
		{"wrong/2", false, "same\n3\n", "same\n2\n", "the stdout differs"},
		{"wrong/3", false, "out\n", "out\n", `no line of the stderr contains "Warning: another one"`},
		{"wrong/4", false, "", "x\n", "the lesson states no stdout for node"},
		{"wrong/5", false, "before\n", "before\n", "node exited with status 3, expected 0"},
		{"wrong/6", true, "", "", ""},
		{"wrong-q", false, "3\n", "2\n", "the stdout differs"},
		{"right-q", true, "object\n", "object\n", ""},
		{"wrong-exp", false, "b\n", "a\n", "node exited with status 2, expected 0\nthe stdout differs"},
	}
	for _, c := range cases {
		it := byID[c.id]
		if it.Pass != c.pass || it.Expected != c.expected || it.Observed != c.observed || !strings.Contains(it.Problem, c.problem) {
			t.Errorf("%s = pass %v, expected %q, observed %q, problem %q; want %v, %q, %q, %q",
				c.id, it.Pass, it.Expected, it.Observed, it.Problem, c.pass, c.expected, c.observed, c.problem)
		}
	}
	if s := byID["wrong/3"].Stderr; s == nil || s.Match != "contains" || !strings.Contains(s.Observed, "Warning: the real one") {
		t.Errorf("wrong/3 stderr = %+v", s)
	}
	if it := byID["wrong/6"]; it.Kind != coursecheck.Unchecked || it.Reason != "it listens until stopped" ||
		it.Source != "content/lessons/wrong.md:71" {
		t.Errorf("unchecked item = %+v", it)
	}
	if rep.Passed != 2 || rep.Failed != 6 || rep.Unchecked != 1 {
		t.Errorf("totals: passed %d, failed %d, unchecked %d; want 2, 6, 1", rep.Passed, rep.Failed, rep.Unchecked)
	}

	var out bytes.Buffer
	coursecheck.WriteItem(&out, byID["wrong/2"], false)
	for _, want := range []string{
		"FAIL  block", "wrong/2", "content/lessons/wrong.md:22", "the stdout differs",
		"stdout (- expected, + observed):", "    same", "  - 3", "  + 2",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the printed failure lacks %q:\n%s", want, out.String())
		}
	}

	only, err := coursecheck.Check(context.Background(), wrongFixture(t), node, coursecheck.Options{Only: []coursecheck.Kind{coursecheck.Output}})
	if err != nil {
		t.Fatal(err)
	}
	if len(only.Items) != 2 || only.Items[0].Kind != coursecheck.Output {
		t.Errorf("Only output: %d items, first %+v", len(only.Items), only.Items[0])
	}
}

func TestResolveRejectsWhatIsNotNode(t *testing.T) {
	ctx := context.Background()
	_, err := coursecheck.Resolve(ctx, "/no/such/dir/node")
	if err == nil || !strings.Contains(err.Error(), "/no/such/dir/node") || !strings.Contains(err.Error(), "not found") {
		t.Errorf("a missing path: %v", err)
	}
	dir := t.TempDir()
	notNode := filepath.Join(dir, "fake")
	if err := os.WriteFile(notNode, []byte("#!/bin/sh\necho 'fake 1.0, a tool'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = coursecheck.Resolve(ctx, notNode)
	if err == nil || !strings.Contains(err.Error(), "is not node") || !strings.Contains(err.Error(), "fake 1.0, a tool") {
		t.Errorf("an executable that is not node: %v", err)
	}
	old := filepath.Join(dir, "node18")
	if err := os.WriteFile(old, []byte("#!/bin/sh\necho v18.20.4\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	n, err := coursecheck.Resolve(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	if n.Version != "18.20.4" || n.Major != 18 || n.Supported || !strings.Contains(n.Warning, "older than the supported lines (22, 24 and 26)") {
		t.Errorf("an old node: %+v", n)
	}
}

func TestParseKinds(t *testing.T) {
	k, err := coursecheck.ParseKinds("block, experiment,block")
	if err != nil || !slices.Equal(k, []coursecheck.Kind{coursecheck.Block, coursecheck.Experiment}) {
		t.Errorf("ParseKinds = %v, %v", k, err)
	}
	if _, err := coursecheck.ParseKinds("blocks"); err == nil || !strings.Contains(err.Error(), `"block"`) {
		t.Errorf("a misspelt kind should suggest the right one: %v", err)
	}
	if _, err := coursecheck.ParseKinds(" , "); err == nil {
		t.Error("an empty list is accepted")
	}
}
