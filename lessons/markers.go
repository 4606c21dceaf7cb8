package lessons

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nodedive/nodedive/internal/noderun"
)

// Marker kinds: HTML comments that say why code is not run by `nodedive
// check`. The renderer drops HTML comments, so learners never see them.
const (
	// MarkUnchecked is <!-- unchecked: why -->: the code (or the prose
	// claim) cannot be checked by running it, for the reason given.
	MarkUnchecked = "unchecked"
	// MarkCheckedBy is <!-- checked-by: lab NAME -->: that lab's own tests
	// check what the block claims.
	MarkCheckedBy = "checked-by"
)

// Marker is one marker comment.
type Marker struct {
	Kind string `json:"kind"`
	// Text is the reason of an unchecked marker, the lab's name of a
	// checked-by one.
	Text string `json:"text"`
	Line int    `json:"line"`
}

// parseMarker reads an HTML comment. It returns nil for comments that are
// not markers, and an error for a marker written wrongly.
func parseMarker(html string, line int) (*Marker, error) {
	s := strings.TrimSpace(html)
	inner, ok := strings.CutPrefix(s, "<!--")
	if !ok {
		return nil, nil
	}
	inner, ok = strings.CutSuffix(inner, "-->")
	if !ok {
		return nil, nil
	}
	inner = strings.TrimSpace(inner)
	var kind string
	for _, k := range []string{MarkUnchecked, MarkCheckedBy} {
		if strings.HasPrefix(inner, k) {
			kind = k
		}
	}
	if kind == "" {
		return nil, nil // an ordinary comment
	}
	rest := strings.TrimSpace(strings.TrimPrefix(inner, kind))
	value, ok := strings.CutPrefix(rest, ":")
	value = strings.Join(strings.Fields(value), " ")
	if !ok || value == "" {
		return nil, fmt.Errorf("line %d: %s: write <!-- unchecked: why it cannot be run --> or <!-- checked-by: lab NAME -->", line, s)
	}
	m := &Marker{Kind: kind, Text: value, Line: line}
	if kind == MarkCheckedBy {
		lab, ok := strings.CutPrefix(value, "lab ")
		if !ok || strings.ContainsAny(strings.TrimSpace(lab), " \t") {
			return nil, fmt.Errorf("line %d: %s: checked-by names one lab, as in <!-- checked-by: lab secure -->", line, s)
		}
		m.Text = strings.TrimSpace(lab)
	}
	return m, nil
}

// attacher follows the document order while a lesson is parsed, attaching
// output blocks to the code block before them and markers to the code
// block right after them.
type attacher struct {
	pending *Marker
	last    int // index in Lesson.Blocks of the latest code block, or -1
	started bool
}

// code is called for each code block before it is appended to l.Blocks.
func (a *attacher) code(_ *Lesson, b *CodeBlock) {
	if a.pending != nil {
		switch a.pending.Kind {
		case MarkUnchecked:
			b.Unchecked = a.pending.Text
		case MarkCheckedBy:
			b.CheckedBy = a.pending.Text
		}
		a.pending = nil
	}
	a.last, a.started = b.Index, true
}

func (a *attacher) output(l *Lesson, e Expectation) {
	if a.pending != nil {
		l.misplaced = append(l.misplaced, Problem{
			Line: a.pending.Line, Rule: RulePlacement,
			Msg: "the " + a.pending.Kind + " comment is followed by an output block: put it right before the code block it is about",
		})
		a.pending = nil
	}
	if !a.started {
		l.misplaced = append(l.misplaced, Problem{
			Line: e.Line, Rule: RulePlacement,
			Msg: "output block before any code block: it must follow the runnable block whose output it is",
		})
		return
	}
	l.Blocks[a.last].Outputs = append(l.Blocks[a.last].Outputs, e)
}

// marker is called for an HTML block; m is nil for an ordinary comment.
func (a *attacher) marker(l *Lesson, m *Marker) {
	if m == nil {
		return
	}
	a.other(l)
	a.pending = m
}

// other is called for any other block: a pending marker was about prose.
func (a *attacher) other(l *Lesson) {
	if a.pending != nil {
		l.Notes = append(l.Notes, *a.pending)
		a.pending = nil
	}
}

// Rule names a rule of checked code that a lesson can break.
type Rule string

// The rules (see Lesson.Problems).
const (
	// RuleOutput: every runnable block has a stdout output block for
	// each supported node line.
	RuleOutput Rule = "output"
	// RuleMarker: every JavaScript block that is not runnable says why,
	// with an unchecked or checked-by comment.
	RuleMarker Rule = "marker"
	// RulePlacement: output blocks follow a runnable block, markers
	// precede a code block, and a runnable block is not marked unchecked.
	RulePlacement Rule = "placement"
)

// Problem is one broken rule in a lesson.
type Problem struct {
	Line int    `json:"line"`
	Rule Rule   `json:"rule"`
	Msg  string `json:"message"`
}

func (p Problem) String() string { return "line " + strconv.Itoa(p.Line) + ": " + p.Msg }

// Problems lists where the lesson breaks the rules of checked code: a
// runnable block without a stdout output block for one of the supported
// node lines, a JavaScript block that is neither runnable nor marked, and
// output blocks or markers in the wrong place. Blocks are numbered from 1,
// as `nodedive run ID --list` shows them.
func (l *Lesson) Problems() []Problem {
	out := append([]Problem(nil), l.misplaced...)
	for _, b := range l.Blocks {
		n := b.Index + 1
		switch {
		case b.Runnable:
			var missing []string
			for _, major := range noderun.Lines {
				if _, ok := b.Expected(major, Stdout); !ok {
					missing = append(missing, strconv.Itoa(major))
				}
			}
			if len(missing) > 0 {
				out = append(out, Problem{Line: b.Line, Rule: RuleOutput, Msg: fmt.Sprintf(
					"runnable block %d has no stdout output block for node %s", n, strings.Join(missing, ", "))})
			}
			if b.Unchecked != "" {
				out = append(out, Problem{Line: b.Line, Rule: RulePlacement, Msg: fmt.Sprintf(
					"block %d is runnable, so it is checked: drop its unchecked comment", n)})
			}
		case len(b.Outputs) > 0:
			out = append(out, Problem{Line: b.Outputs[0].Line, Rule: RulePlacement, Msg: fmt.Sprintf(
				"output block after block %d, which is not runnable: mark that block runnable, or make this a text block", n)})
		case b.IsJavaScript() && b.Unchecked == "" && b.CheckedBy == "":
			out = append(out, Problem{Line: b.Line, Rule: RuleMarker, Msg: fmt.Sprintf(
				"block %d (%s) is not runnable and says nothing about how it is checked: put <!-- unchecked: why --> "+
					"or <!-- checked-by: lab NAME --> on the line before it (%s)", n, b.Lang, b.WhyNotRunnable())})
		}
	}
	return out
}
