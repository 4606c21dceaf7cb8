package coursecheck

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/modules"
	"github.com/nodedive/nodedive/lessons"
)

// Support says how well nodedive supports a node version ("24.22.3", as
// noderun.Version returns it). ok is false for a node older than the
// oldest supported line (noderun.OldestLine); warning is then always set,
// and it is also set for a supported node on which some checked examples
// print something else than on the newest release of every supported line.
// The warning names those examples, found in the course's own data: the
// lessons' output blocks per node major version and the module
// experiments' expectations per version range. It is one line, for
// `nodedive check`, `nodedive run`, the labs that run node and the app.
func Support(version string) (ok bool, warning string) {
	return supportWith(courseForSupport(), version)
}

func supportWith(src Sources, version string) (ok bool, warning string) {
	major, err := noderun.Major(version)
	if err != nil {
		return false, "cannot tell which node this is: " + err.Error()
	}
	ok = major >= noderun.OldestLine
	diffs := differences(src, version)
	var what string
	if len(diffs) > 0 {
		shown := diffs[:min(len(diffs), 6)]
		what = strings.Join(shown, ", ")
		if len(diffs) > len(shown) {
			what += fmt.Sprintf(" and %d more", len(diffs)-len(shown))
		}
	}
	examples := fmt.Sprintf("%d checked examples print", len(diffs))
	if len(diffs) == 1 {
		examples = "1 checked example prints"
	}
	switch {
	case !ok && len(diffs) > 0:
		return false, fmt.Sprintf("node %s is older than the supported lines (%s): %s something else on it than the course "+
			"shows (%s); `nodedive check` shows each difference", version, noderun.LinesText(), examples, what)
	case !ok:
		return false, fmt.Sprintf("node %s is older than the supported lines (%s), and the course is not checked on it: "+
			"`nodedive check` shows what differs", version, noderun.LinesText())
	case len(diffs) > 0:
		return true, fmt.Sprintf("node %s is supported, but %s something else on it than on the newest %s releases (%s); "+
			"`nodedive check` shows each difference", version, examples, noderun.LinesText(), what)
	}
	return true, ""
}

var (
	supportOnce sync.Once
	supportSrc  Sources
)

// courseForSupport loads, once, the course data Support derives its
// warnings from.
func courseForSupport() Sources {
	supportOnce.Do(func() {
		// The embedded course is part of the binary: an error here is a
		// bug the tests catch, and the warning then names nothing.
		if c, err := lessons.Load(); err == nil {
			supportSrc.Lessons = c.Lessons
		}
		if exps, err := modules.All(); err == nil {
			supportSrc.Experiments = exps
		}
	})
	return supportSrc
}

// newestOf stands for the newest release of a line in version ranges.
func newestOf(line int) string { return strconv.Itoa(line) + ".999999.0" }

// differences names the checked examples whose expectation for this node
// version is none of the expectations for the newest release of each
// supported line: "lesson q11 block 5", "experiment require-esm". Output
// questions and emitter scenarios expect the same on every version, so
// they never differ.
func differences(src Sources, version string) []string {
	major, err := noderun.Major(version)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range src.Lessons {
		for _, b := range l.Blocks {
			if !b.Runnable || len(b.Outputs) == 0 {
				continue
			}
			// An expectation is identified by the output blocks picked
			// for stdout and stderr.
			pick := func(m int) [2]int {
				var p [2]int
				for i, s := range []lessons.Stream{lessons.Stdout, lessons.Stderr} {
					p[i] = slices.IndexFunc(b.Outputs, func(e lessons.Expectation) bool { return e.Stream == s && e.AppliesTo(m) })
				}
				return p
			}
			mine := pick(major)
			if !slices.ContainsFunc(noderun.Lines, func(line int) bool { return pick(line) == mine }) {
				out = append(out, fmt.Sprintf("lesson %s block %d", l.ID, b.Index+1))
			}
		}
	}
	for _, e := range src.Experiments {
		pick := func(v string) int {
			x, err := e.Expected(v)
			if err != nil {
				return -1
			}
			return slices.IndexFunc(e.Expect, func(y modules.Expectation) bool { return y == x })
		}
		mine := pick(version)
		if !slices.ContainsFunc(noderun.Lines, func(line int) bool { return pick(newestOf(line)) == mine }) {
			out = append(out, "experiment "+e.Name)
		}
	}
	return out
}
