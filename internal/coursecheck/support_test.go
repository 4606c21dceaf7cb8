package coursecheck

import (
	"slices"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/labs/modules"
	"github.com/nodedive/nodedive/lessons"
)

// supportFixture has one lesson block whose output differs before 22 and
// one the same everywhere, and an experiment shaped like require(esm):
// available from 20.19 and from 22.12.
func supportFixture(t *testing.T) Sources {
	t.Helper()
	l, err := lessons.Parse([]byte("---\nid: v\ntitle: T\n---\n# T\n\n" +
		"```js runnable\nconsole.log(1)\n```\n\n```output node<22\nold\n```\n\n```output\nnew\n```\n\n" +
		"```js runnable\nconsole.log(1)\n```\n\n```output\n1\n```\n\n" +
		"```js runnable\nconsole.log(1)\n```\n\n```output node>=24\nnewer\n```\n\n```output\nolder\n```\n"))
	if err != nil {
		t.Fatal(err)
	}
	return Sources{
		Lessons: []*lessons.Lesson{l},
		Experiments: []*modules.Experiment{{Name: "esm", Expect: []modules.Expectation{
			{When: ">=20.19.0 <21 || >=22.12.0", Stdout: "worked\n"},
			{When: "<20.19.0 || >=21 <22.12.0", Stdout: "failed\n"},
		}}},
	}
}

func TestDifferencesComeFromTheData(t *testing.T) {
	src := supportFixture(t)
	cases := map[string][]string{
		"18.20.4": {"lesson v block 1", "experiment esm"},
		"20.18.0": {"lesson v block 1", "experiment esm"},
		"20.20.2": {"lesson v block 1"}, // require(esm) came to 20.19
		"22.5.0":  {"experiment esm"},   // a supported line, but too old a release
		"22.23.5": nil,
		"23.0.0":  nil, // like 22 for block 3: one of the supported lines' outputs
		"24.22.3": nil,
		"26.12.1": nil,
	}
	for v, want := range cases {
		if got := differences(src, v); !slices.Equal(got, want) {
			t.Errorf("differences on %s = %v, want %v", v, got, want)
		}
	}
}

func TestSupportWarnings(t *testing.T) {
	src := supportFixture(t)
	ok, w := supportWith(src, "20.18.0")
	if ok || !strings.Contains(w, "node 20.18.0 is older than the supported lines (22, 24 and 26)") ||
		!strings.Contains(w, "2 checked examples print something else on it than the course shows (lesson v block 1, experiment esm)") {
		t.Errorf("20.18.0: %v, %q", ok, w)
	}
	ok, w = supportWith(src, "22.5.0")
	if !ok || !strings.Contains(w, "1 checked example prints something else") || !strings.Contains(w, "experiment esm") {
		t.Errorf("22.5.0: %v, %q", ok, w)
	}
	if ok, w := supportWith(src, "26.12.1"); !ok || w != "" {
		t.Errorf("26.12.1: %v, %q", ok, w)
	}
	if ok, w := supportWith(Sources{}, "21.7.3"); ok || !strings.Contains(w, "not checked on it") {
		t.Errorf("21.7.3 with nothing that differs: %v, %q", ok, w)
	}
	if ok, w := Support("not-a-version"); ok || !strings.Contains(w, "not a node version") {
		t.Errorf("garbage: %v, %q", ok, w)
	}
	// The embedded course: whatever differs, the supported lines are fine.
	for _, v := range []string{"22.23.5", "24.22.3", "26.12.1"} {
		if ok, w := Support(v); !ok || w != "" {
			t.Errorf("Support(%s) = %v, %q", v, ok, w)
		}
	}
}

func TestLineDiff(t *testing.T) {
	got := lineDiff("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\ne\nF\ng\nh\nextra\n")
	want := []string{"  …", "  d", "  e", "- f", "+ F", "  g", "  h", "+ extra"}
	if !slices.Equal(got, want) {
		t.Errorf("lineDiff = %q\nwant %q", got, want)
	}
	if d := lineDiff("same  \n\n", "same\n"); d == nil || !strings.Contains(d[0], "differ only in spaces") {
		t.Errorf("white-space-only difference: %q", d)
	}
	if d := lineDiff("x\n", "x\n"); d != nil {
		t.Errorf("equal texts: %q", d)
	}
}
