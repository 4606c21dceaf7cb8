package lessons_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/lessons"
)

// The course promises one lesson per question of the source notes, with
// these IDs and aliases; other parts of nodedive (quiz, labs, docs) use them.
var wantLessons = map[string][]string{
	"q11": {"modules"},
	"q12": {"events"},
	"q13": {"scaling"},
	"q14": {"cluster"},
	"q15": {"security"},
}

func course(t *testing.T) *lessons.Course {
	t.Helper()
	c, err := lessons.Load()
	if err != nil {
		t.Fatalf("loading the embedded lessons: %v", err)
	}
	return c
}

func TestEveryTopicLessonIsPresentWithItsAliases(t *testing.T) {
	c := course(t)
	for id, aliases := range wantLessons {
		for _, name := range append([]string{id}, aliases...) {
			l, err := c.Find(name)
			if err != nil {
				t.Errorf("Find(%q): %v", name, err)
				continue
			}
			if l.ID != id {
				t.Errorf("Find(%q) = lesson %s, want %s", name, l.ID, id)
			}
		}
	}
	if _, err := c.Find("intro"); err != nil {
		t.Errorf("the intro lesson is missing: %v", err)
	}
}

func TestTopicLessonsHaveTheRequiredShape(t *testing.T) {
	for _, l := range course(t).Lessons {
		if !l.IsTopic() {
			continue
		}
		t.Run(l.ID, func(t *testing.T) {
			var h2 []string
			for _, s := range l.Sections {
				if s.Level == 2 {
					h2 = append(h2, s.Title)
				}
			}
			for _, want := range lessons.RequiredSections {
				if !containsFold(h2, want) {
					t.Errorf("missing section %q; has %v", want, h2)
				}
			}
			if words := len(strings.Fields(l.InterviewAnswer)); words < 60 {
				t.Errorf("interview answer has %d words, want a full answer (>= 60): %q", words, l.InterviewAnswer)
			}
			if strings.ContainsAny(l.InterviewAnswer, "*>#") {
				t.Errorf("interview answer still contains markdown: %q", l.InterviewAnswer)
			}
			i, err := l.FindSection("Modern Node")
			if err != nil {
				t.Fatal(err)
			}
			if items := strings.Count(string(l.SectionMarkdown(i)), "\n- "); items < 1 {
				t.Errorf("Modern Node section lists no corrections")
			}
			if len(l.Blocks) == 0 {
				t.Errorf("lesson has no code examples")
			}
		})
	}
}

func TestClusterLessonTeachesTheModernCorrections(t *testing.T) {
	l, err := course(t).Find("q14")
	if err != nil {
		t.Fatal(err)
	}
	body := string(l.Body)
	for _, want := range []string{"cluster.isPrimary", "isMaster", "deprecated", "connections, not requests", "SCHED_RR", "SCHED_NONE"} {
		if !strings.Contains(body, want) {
			t.Errorf("clustering lesson does not mention %q", want)
		}
	}
}

// TestRunnableBlocksRunOnNode runs every code block marked runnable on the
// installed node: a lesson must never show an example that fails, or that
// prints something else than its output blocks say for that node.
func TestRunnableBlocksRunOnNode(t *testing.T) {
	nodetest.RequireNode(t)
	version, err := noderun.Version(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	major, err := noderun.Major(version)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, l := range course(t).Lessons {
		for _, b := range l.Blocks {
			if !b.Runnable {
				continue
			}
			ran++
			name := l.ID + "/block" + itoa(b.Index+1) + "/line" + itoa(b.Line)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				runAndCompare(t, b, major)
			})
		}
	}
	if ran == 0 {
		t.Fatal("no runnable blocks found")
	}
}

// runAndCompare runs a runnable block on the installed node (major is its
// major version) and compares what it printed with the block's output
// blocks for that version.
func runAndCompare(t *testing.T, b lessons.CodeBlock, major int) {
	t.Helper()
	res, err := noderun.Run(context.Background(), b.Program(), noderun.Options{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Errorf("exit %d (signal %q, timed out %v); output:\n%s", res.ExitCode, res.Signal, res.TimedOut, res.Output)
	}
	for _, s := range []lessons.Stream{lessons.Stdout, lessons.Stderr} {
		want, ok := b.Expected(major, s)
		if !ok {
			if s == lessons.Stdout {
				t.Errorf("no stdout output block applies to node %d", major)
			}
			continue
		}
		got := res.Stdout
		if s == lessons.Stderr {
			got = res.Stderr
		}
		if why := want.Check(got); why != "" {
			t.Errorf("%s on node %d (output block at line %d, match=%s):\nexpected:\n%s\nobserved:\n%s",
				why, major, want.Line, want.Match, want.Text, got)
		}
	}
}

func TestUnknownIDsSuggestTheNearest(t *testing.T) {
	c := course(t)
	cases := map[string]string{
		"q41":      "q14",
		"custer":   "cluster",
		"secruity": "security", // a deliberate typo
		"module":   "modules",
	}
	for in, want := range cases {
		_, err := c.Find(in)
		var nf *suggest.NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("Find(%q) error = %v, want a NotFoundError", in, err)
		}
		if !containsFold(nf.Suggestions, want) {
			t.Errorf("Find(%q) suggests %v, want it to include %q", in, nf.Suggestions, want)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	_, err := c.Find("zzzzzzzz")
	if err == nil || !strings.Contains(err.Error(), "q11") {
		t.Errorf("a name near nothing should list the known IDs, got %v", err)
	}
}

func TestFindSection(t *testing.T) {
	l, err := course(t).Find("q14")
	if err != nil {
		t.Fatal(err)
	}
	i, err := l.FindSection("1")
	if err != nil || l.Sections[i].Title != "Definition" {
		t.Errorf("section 1 = %v, %v; want Definition", i, err)
	}
	i, err = l.FindSection("modern node")
	if err != nil || l.Sections[i].Title != "Modern Node" {
		t.Errorf("section by name = %v, %v", i, err)
	}
	if _, err := l.FindSection("999"); err == nil || !strings.Contains(err.Error(), "sections 1 to") {
		t.Errorf("out-of-range section error = %v", err)
	}
	if _, err := l.FindSection("intervew answer"); err == nil || !strings.Contains(err.Error(), "Interview answer") {
		t.Errorf("misspelt section should suggest the right one, got %v", err)
	}
	md := string(l.SectionMarkdown(i))
	if !strings.HasPrefix(md, "## Modern Node") || strings.Contains(md, "## Interview answer") {
		t.Errorf("section markdown should start at its heading and stop at the next one:\n%.200s", md)
	}
}

func TestParseRejectsMalformedLessons(t *testing.T) {
	cases := map[string]string{
		"no front matter":   "# Title\n",
		"unclosed front":    "---\nid: x\n",
		"missing id":        "---\ntitle: T\n---\n# T\n",
		"unknown field":     "---\nid: x\ntitle: T\ncolour: red\n---\n# T\n",
		"untagged fence":    "---\nid: x\ntitle: T\n---\n# T\n\n```\ncode\n```\n",
		"bad fence word":    "---\nid: x\ntitle: T\n---\n# T\n\n```js runable\ncode\n```\n",
		"topic w/o section": "---\nid: x\ntitle: T\nquiz: t\n---\n# T\n\n## Definition\n\ntext\n",
	}
	for name, src := range cases {
		if _, err := lessons.Parse([]byte(src)); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
}

func TestDuplicateNamesAreRejected(t *testing.T) {
	fsys := fstest.MapFS{
		"a.md": {Data: []byte("---\nid: a\ntitle: A\naliases: [same]\n---\n# A\n")},
		"b.md": {Data: []byte("---\nid: b\ntitle: B\naliases: [same]\n---\n# B\n")},
	}
	if _, err := lessons.LoadFS(fsys); err == nil || !strings.Contains(err.Error(), "same") {
		t.Errorf("LoadFS with a shared alias: err = %v", err)
	}
}

func TestCodeBlockProgramSplitsFiles(t *testing.T) {
	src := "---\nid: x\ntitle: T\n---\n# T\n\n```js runnable entry=app.js\n// file: math.js\nexports.add = (a, b) => a + b;\n// file: app.js\nconsole.log(require('./math').add(2, 3));\n```\n"
	l, err := lessons.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p := l.Blocks[0].Program()
	if len(p.Files) != 2 || p.Files[0].Name != "math.js" || p.Files[1].Name != "app.js" || p.Entry != "app.js" {
		t.Fatalf("program = %+v", p)
	}
	if strings.Contains(p.Files[0].Text, "// file:") {
		t.Errorf("marker line leaked into the file: %q", p.Files[0].Text)
	}
	single := lessons.CodeBlock{Lang: "js", Text: "console.log(1)\n"}.Program()
	if len(single.Files) != 1 || single.Files[0].Name != "main.js" {
		t.Errorf("single-file program = %+v", single)
	}
}

func containsFold(list []string, want string) bool {
	for _, s := range list {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }
