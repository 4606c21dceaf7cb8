package render_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/lessons/render"
)

// TestCodeLinesAreClippedNotWrapped renders every lesson at narrow widths
// and checks that each line of every code block comes out on one line:
// whole when it fits, cut with "…" when it does not. A wrapped diagram
// (q13's load balancer at 60 columns) was unreadable.
func TestCodeLinesAreClippedNotWrapped(t *testing.T) {
	r := render.New("")
	for _, l := range allLessons(t) {
		for _, width := range []int{40, 60, 80} {
			out, err := r.Render(l.Body, width, render.Plain)
			if err != nil {
				t.Fatal(err)
			}
			rendered := map[string]bool{}
			for _, line := range strings.Split(string(out), "\n") {
				rendered[strings.TrimSpace(line)] = true
			}
			clipped := 0
			for _, src := range codeLines(string(l.Body)) {
				want := src
				if ansi.StringWidth(src) > width-6 {
					want = ansi.Truncate(src, width-7, "") + "…"
					clipped++
				}
				if want = strings.TrimSpace(want); want != "" && !rendered[want] {
					t.Errorf("%s at %d columns: the code line %q is not on one line of the output", l.ID, width, src)
				}
			}
			if l.ID == "q13" && width == 60 && clipped == 0 {
				t.Errorf("q13 at 60 columns: no diagram line was clipped")
			}
		}
	}
}

// codeLines are the lines inside the fenced code blocks of md.
func codeLines(md string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") {
			in = !in
			continue
		}
		if in && !strings.Contains(line, "\t") {
			out = append(out, strings.TrimRight(line, " "))
		}
	}
	return out
}
