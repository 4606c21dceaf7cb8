package lessons_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/render"
)

func fixture(t *testing.T, name string) *lessons.Lesson {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lessons.Parse(data)
	if err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	return l
}

// TestOutputBlocksAttachToTheirRunnableBlock reads the fixture lesson that
// follows every rule: output blocks belong to the runnable block before
// them (and are not numbered as blocks), markers to the block after them,
// and markers before prose are notes.
func TestOutputBlocksAttachToTheirRunnableBlock(t *testing.T) {
	l := fixture(t, "checked.md")
	if p := l.Problems(); len(p) != 0 {
		t.Fatalf("the rule-abiding fixture has problems: %v", p)
	}
	var langs []string
	for _, b := range l.Blocks {
		langs = append(langs, b.Lang)
	}
	if want := []string{"js", "js", "cjs", "js", "js", "bash"}; !slices.Equal(langs, want) {
		t.Fatalf("blocks = %v, want %v (output blocks are not blocks of their own)", langs, want)
	}
	first, second := l.Blocks[0], l.Blocks[1]
	if len(first.Outputs) != 1 || first.Outputs[0].Stream != lessons.Stdout || first.Outputs[0].Match != lessons.Exact ||
		first.Outputs[0].Condition() != "" || first.Outputs[0].Line != 14 {
		t.Errorf("first block's outputs = %+v, want one exact stdout block for every version at line 14", first.Outputs)
	}
	if len(second.Outputs) != 3 {
		t.Fatalf("second block has %d outputs, want 3", len(second.Outputs))
	}
	if o := second.Outputs[1]; o.Condition() != "node<22" || o.Match != lessons.Regex || o.Text != "an old line\npid \\d+\n" {
		t.Errorf("conditional regex block = %+v", o)
	}
	if o := second.Outputs[2]; o.Stream != lessons.Stderr || o.Match != lessons.Contains {
		t.Errorf("stderr block = %+v", o)
	}
	if b := l.Blocks[3]; b.Unchecked != "needs express and a listening server" || b.CheckedBy != "" {
		t.Errorf("unchecked marker: block 4 = unchecked %q, checked-by %q", b.Unchecked, b.CheckedBy)
	}
	if b := l.Blocks[4]; b.CheckedBy != "cluster" || b.Unchecked != "" {
		t.Errorf("checked-by marker (a blank line before the block): block 5 = checked-by %q, unchecked %q", b.CheckedBy, b.Unchecked)
	}
	if b := l.Blocks[5]; b.Unchecked != "" || b.CheckedBy != "" {
		t.Errorf("the bash block took a marker meant for prose: %+v", b)
	}
	want := []lessons.Marker{
		{Kind: lessons.MarkUnchecked, Text: "this sentence quotes a changelog, which no check can run", Line: 72},
		{Kind: lessons.MarkUnchecked, Text: "about another machine", Line: 75},
	}
	if !slices.Equal(l.Notes, want) {
		t.Errorf("notes = %+v, want %+v", l.Notes, want)
	}
}

func TestExpectedPicksTheFirstBlockForTheNodeVersion(t *testing.T) {
	b := fixture(t, "checked.md").Blocks[1]
	for major, want := range map[int]string{18: "an old line", 20: "an old line", 22: "a supported line", 24: "a supported line", 26: "a supported line"} {
		e, ok := b.Expected(major, lessons.Stdout)
		if !ok || !strings.HasPrefix(e.Text, want) {
			t.Errorf("node %d: expectation %q (found %v), want %q", major, e.Text, ok, want)
		}
		if _, ok := b.Expected(major, lessons.Stderr); !ok {
			t.Errorf("node %d: the unconditional stderr block does not apply", major)
		}
	}
	only24 := fixture(t, "broken.md").Blocks[1]
	if _, ok := only24.Expected(22, lessons.Stdout); ok {
		t.Error("a node>=24 block applies to node 22")
	}
	if _, ok := only24.Expected(26, lessons.Stdout); !ok {
		t.Error("a node>=24 block does not apply to node 26")
	}
}

// TestBrokenLessonReportsEachProblem checks that each rule of checked code
// is reported with the lesson file's line and a message saying what to do.
func TestBrokenLessonReportsEachProblem(t *testing.T) {
	got := fixture(t, "broken.md").Problems()
	want := []struct {
		line int
		rule lessons.Rule
		says string
	}{
		{7, lessons.RulePlacement, "output block before any code block"},
		{44, lessons.RulePlacement, "followed by an output block"},
		{11, lessons.RuleOutput, "runnable block 1 has no stdout output block for node 22, 24, 26"},
		{15, lessons.RuleOutput, "runnable block 2 has no stdout output block for node 22"},
		{27, lessons.RulePlacement, "after block 3, which is not runnable"},
		{32, lessons.RulePlacement, "block 4 is runnable"},
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%v\nwant %d of them", got, len(want))
	}
	for i, w := range want {
		if got[i].Line != w.line || got[i].Rule != w.rule || !strings.Contains(got[i].Msg, w.says) {
			t.Errorf("problem %d = %v (%s), want line %d, rule %s, saying %q", i, got[i], got[i].Rule, w.line, w.rule, w.says)
		}
	}
	unmarked := "---\nid: x\ntitle: T\n---\n# T\n\n```js\nrequire('express')().listen(3000);\n```\n"
	l, err := lessons.Parse([]byte(unmarked))
	if err != nil {
		t.Fatal(err)
	}
	p := l.Problems()
	if len(p) != 1 || p[0].Rule != lessons.RuleMarker || p[0].Line != 7 || !strings.Contains(p[0].Msg, "express") ||
		!strings.Contains(p[0].Msg, "<!-- unchecked: why -->") {
		t.Errorf("a JavaScript block without a marker: problems = %v", p)
	}
}

func TestMalformedOutputBlocksAndMarkersAreRejected(t *testing.T) {
	lesson := func(body string) string {
		return "---\nid: x\ntitle: T\n---\n# T\n\n```js runnable\nconsole.log(1)\n```\n\n" + body
	}
	cases := map[string]struct{ body, says string }{
		"unknown word":     {"```output stdrr\n1\n```\n", `unknown word "stdrr"`},
		"bad condition":    {"```output node>=v24\n1\n```\n", "node>=24"},
		"bad match":        {"```output match=fuzzy\n1\n```\n", "exact, contains or regex"},
		"bad regex":        {"```output match=regex\n(\n```\n", "line 1 is not a regular expression"},
		"runnable output":  {"```output runnable\n1\n```\n", "belongs on the code block"},
		"reasonless":       {"<!-- unchecked -->\n```js\nx\n```\n", "unchecked: why"},
		"checked-by a lab": {"<!-- checked-by: the cluster tests -->\n```js\nx\n```\n", "lab secure"},
	}
	for name, c := range cases {
		_, err := lessons.Parse([]byte(lesson(c.body)))
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: Parse error = %v, want one saying %q", name, err, c.says)
		}
	}
	if _, err := lessons.Parse([]byte(lesson("<!-- a note to editors -->\n```output\n1\n```\n"))); err != nil {
		t.Errorf("an ordinary comment is rejected: %v", err)
	}
}

func TestExpectationCheck(t *testing.T) {
	parse := func(fence, text string) lessons.Expectation {
		t.Helper()
		src := "---\nid: x\ntitle: T\n---\n# T\n\n```js runnable\nx\n```\n\n```" + fence + "\n" + text + "```\n"
		l, err := lessons.Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return l.Blocks[0].Outputs[0]
	}
	cases := []struct {
		fence, text, observed string
		pass                  bool
	}{
		{"output", "a\nb\n", "a  \nb\n\n\n", true},      // trailing spaces and blank lines
		{"output", "a\nb\n", "a\nb\nc\n", false},        // an extra line
		{"output", "  indented\n", "indented\n", false}, // leading spaces count
		{"output", "a\r\n", "a\n", true},                // CRLF
		{"output match=contains", "one\nthree\n", "(node:12) one!\ntwo\nthree\n", true},
		{"output match=contains", "three\none\n", "one\ntwo\nthree\n", false}, // order matters
		{"output match=contains", "one\none\n", "one\n", false},               // each line once
		{"output match=regex", `took \d+ ms` + "\n" + `pid \d+` + "\n", "took 12 ms\npid 345\n", true},
		{"output match=regex", `took \d+ ms` + "\n", "took 12 ms and more\n", false}, // anchored
		{"output match=regex", `a` + "\n", "a\nb\n", false},                          // as many lines
	}
	for _, c := range cases {
		e := parse(c.fence, c.text)
		why := e.Check(c.observed)
		if (why == "") != c.pass {
			t.Errorf("%s %q vs %q: check says %q, want pass=%v", c.fence, c.text, c.observed, why, c.pass)
		}
	}
	if why := parse("output match=regex", `a\d`+"\n").Check("ab\n"); !strings.Contains(why, `line 1 of the stdout, "ab", does not match a\d`) {
		t.Errorf("regex mismatch explanation = %q", why)
	}
}

// TestFixtureBlocksMatchTheirOutputOnNode runs the rule-abiding fixture on
// the installed node, so the comparison is proven on a real node's output:
// regex lines for pids, a contains block for a warning on stderr, a
// condition on the node version.
func TestFixtureBlocksMatchTheirOutputOnNode(t *testing.T) {
	nodetest.RequireNode(t)
	version, err := noderun.Version(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	major, err := noderun.Major(version)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range fixture(t, "checked.md").Blocks {
		if b.Runnable {
			t.Run(itoa(b.Index+1), func(t *testing.T) { runAndCompare(t, b, major) })
		}
	}
}

// TestCourseFollowsTheCheckedCodeRules checks the embedded lessons against
// the rules of checked code: every runnable block states its output, every
// block that is not run says why, and markers sit where they belong.
func TestCourseFollowsTheCheckedCodeRules(t *testing.T) {
	for _, l := range course(t).Lessons {
		for _, p := range l.Problems() {
			t.Errorf("%s: %s", l.File, p)
		}
	}
}

// markerText finds the reason of every marker comment in a lesson body.
var markerText = regexp.MustCompile(`(?s)<!--\s*(?:unchecked|checked-by):\s*(.*?)\s*-->`)

// TestMarkersAreNotRendered: the reader never shows marker comments, in
// plain or styled output, for the fixture and for every lesson.
func TestMarkersAreNotRendered(t *testing.T) {
	bodies := map[string][]byte{"fixture": fixture(t, "checked.md").Body}
	for _, l := range course(t).Lessons {
		bodies[l.ID] = l.Body
	}
	r := render.New("")
	for name, body := range bodies {
		for _, style := range []render.Style{render.Plain, render.Dark, render.Light} {
			out, err := r.Render(body, 100, style)
			if err != nil {
				t.Fatal(err)
			}
			// Prose may say "unchecked:" itself, so look for the comment
			// delimiters and for the start of each marker's reason.
			text := strings.Join(strings.Fields(ansi.Strip(string(out))), " ")
			leaks := []string{"<!--", "-->"}
			for _, m := range markerText.FindAllStringSubmatch(string(body), -1) {
				reason := strings.Join(strings.Fields(m[1]), " ")
				leaks = append(leaks, reason[:min(len(reason), 30)])
			}
			for _, leak := range leaks {
				if strings.Contains(text, leak) {
					t.Errorf("%s rendered %s shows %q", name, style, leak)
				}
			}
		}
	}
	out, err := r.Render(bodies["fixture"], 100, render.Plain)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Node 15 changed the default", "a supported line", "Warning: something to say"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the rendered fixture lost %q (prose after a marker, output blocks):\n%s", want, out)
		}
	}
}

func TestAMarkerMaySpanLines(t *testing.T) {
	src := "---\nid: x\ntitle: T\n---\n# T\n\n<!-- unchecked: needs a browser,\n     which the terminal is not -->\n```js\nwindow.alert(1)\n```\n"
	l, err := lessons.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Blocks[0].Unchecked; got != "needs a browser, which the terminal is not" {
		t.Errorf("unchecked = %q", got)
	}
}
