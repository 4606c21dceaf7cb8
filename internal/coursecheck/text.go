package coursecheck

import (
	"fmt"
	"io"
	"strings"

	"github.com/nodedive/nodedive/lessons"
)

// maxShown caps the lines printed for one text of a failed item.
const maxShown = 30

// WriteHeader prints which node the check runs on, and its warning.
func WriteHeader(w io.Writer, n Node) {
	fmt.Fprintf(w, "Checking the course on node %s (%s)\n", n.Version, n.Path)
	if n.Warning != "" {
		fmt.Fprintf(w, "warning: %s\n", n.Warning)
	}
	fmt.Fprintln(w)
}

// WriteItem prints one item: a line with its result, and for a failure
// why, with expected and observed output (a line diff for exact matches).
// Unchecked items, and notes on passing ones, are printed when verbose.
func WriteItem(w io.Writer, it Item, verbose bool) {
	if it.Kind == Unchecked && !verbose {
		return
	}
	status := "ok"
	switch {
	case it.Kind == Unchecked:
		status = "--"
	case !it.Pass:
		status = "FAIL"
	}
	label := it.Title
	if label == "" || it.Kind == Unchecked {
		label = it.Source
	}
	fmt.Fprintf(w, "%-4s  %-10s  %-26s  %s\n", status, it.Kind, it.ID, label)
	const indent = "      "
	if it.Kind == Unchecked || it.Pass {
		if verbose && it.Reason != "" {
			fmt.Fprintf(w, "%s%s\n", indent, it.Reason)
		}
		return
	}
	if it.Source != "" && it.Source != label {
		fmt.Fprintf(w, "%s%s\n", indent, it.Source)
	}
	for _, p := range strings.Split(it.Problem, "\n") {
		fmt.Fprintf(w, "%s%s\n", indent, p)
	}
	writeStream(w, indent, "stdout", it.Expected, it.Observed, it.Match)
	if s := it.Stderr; s != nil {
		writeStream(w, indent, "stderr", s.Expected, s.Observed, s.Match)
	}
}

// writeStream shows one stream of a failed item, or nothing when it
// matched.
func writeStream(w io.Writer, indent, name, expected, observed, match string) {
	switch match {
	case "", string(lessons.Exact):
		d := lineDiff(expected, observed)
		if d == nil {
			return
		}
		fmt.Fprintf(w, "%s%s (- expected, + observed):\n", indent, name)
		for _, l := range clipLines(d) {
			fmt.Fprintf(w, "%s  %s\n", indent, l)
		}
	default:
		fmt.Fprintf(w, "%s%s, expected (match=%s):\n", indent, name, match)
		for _, l := range clipLines(lessons.OutputLines(expected)) {
			fmt.Fprintf(w, "%s    %s\n", indent, l)
		}
		fmt.Fprintf(w, "%s%s, observed:\n", indent, name)
		for _, l := range clipLines(lessons.OutputLines(observed)) {
			fmt.Fprintf(w, "%s    %s\n", indent, l)
		}
	}
}

func clipLines(lines []string) []string {
	if len(lines) <= maxShown {
		return lines
	}
	return append(lines[:maxShown:maxShown], fmt.Sprintf("… %d more lines", len(lines)-maxShown))
}

// WriteSummary prints the totals.
func WriteSummary(w io.Writer, rep Report, verbose bool) {
	fmt.Fprintf(w, "\n%d passed, %d failed on node %s", rep.Passed, rep.Failed, rep.Node.Version)
	switch {
	case rep.Unchecked > 0 && verbose:
		fmt.Fprintf(w, "; %d not checked here (listed above with why)", rep.Unchecked)
	case rep.Unchecked > 0:
		fmt.Fprintf(w, "; %d not checked here (--verbose lists them with why)", rep.Unchecked)
	}
	fmt.Fprintln(w)
}

// lineDiff compares two outputs line by line (as output blocks compare
// them: trailing spaces and blank lines ignored) and returns the lines
// prefixed "- " (expected only), "+ " (observed only) or "  " (both), with
// long runs of common lines shortened. It returns nil when they are equal.
func lineDiff(expected, observed string) []string {
	a, b := lessons.OutputLines(expected), lessons.OutputLines(observed)
	const limit = 400 // the table below is len(a)*len(b)
	a, b = a[:min(len(a), limit)], b[:min(len(b), limit)]
	if strings.Join(a, "\n") == strings.Join(b, "\n") {
		if expected != observed {
			return []string{"(the texts differ only in spaces at line ends or blank lines at the end)"}
		}
		return nil
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, "  "+a[i])
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, "- "+a[i])
			i++
		default:
			out = append(out, "+ "+b[j])
			j++
		}
	}
	return shortenCommon(out, 2)
}

// shortenCommon keeps ctx common lines around each change and replaces the
// rest of a run of common lines with one "…" line.
func shortenCommon(lines []string, ctx int) []string {
	changed := func(i int) bool { return i >= 0 && i < len(lines) && !strings.HasPrefix(lines[i], "  ") }
	near := func(i int) bool {
		for d := -ctx; d <= ctx; d++ {
			if changed(i + d) {
				return true
			}
		}
		return false
	}
	var out []string
	skipped := false
	for i, l := range lines {
		if changed(i) || near(i) {
			out = append(out, l)
			skipped = false
			continue
		}
		if !skipped {
			out = append(out, "  …")
			skipped = true
		}
	}
	return out
}
