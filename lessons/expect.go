package lessons

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// OutputLang is the language of the fenced blocks that state what the
// runnable block before them prints (see Expectation).
const OutputLang = "output"

// Stream is the output stream an expectation is about.
type Stream string

// The streams of a run.
const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
)

// Match is how an expectation is compared with what node printed.
type Match string

// The ways to match, as written after "match=" in an output fence.
const (
	// Exact: the output equals the block (trailing spaces on each line and
	// trailing blank lines ignored on both sides).
	Exact Match = "exact"
	// Contains: each non-blank line of the block is part of a line of the
	// output, in order; other lines may come between.
	Contains Match = "contains"
	// Regex: the output has as many lines as the block and line i matches
	// the RE2 expression on line i, anchored at both ends.
	Regex Match = "regex"
)

// NodeCond restricts an expectation to some node major versions:
// node>=24, node<24, node=22 (also > and <=).
type NodeCond struct {
	Op    string `json:"op"`
	Major int    `json:"major"`
}

func (c NodeCond) String() string { return "node" + c.Op + strconv.Itoa(c.Major) }

// Holds reports whether a node of this major version satisfies c.
func (c NodeCond) Holds(major int) bool {
	switch c.Op {
	case ">=":
		return major >= c.Major
	case ">":
		return major > c.Major
	case "<=":
		return major <= c.Major
	case "<":
		return major < c.Major
	default: // "="
		return major == c.Major
	}
}

var nodeCondRE = regexp.MustCompile(`^node(>=|<=|>|<|=)(\d{1,3})$`)

// Expectation is one output block: what a runnable block prints on one
// stream, on the node versions its conditions allow.
type Expectation struct {
	Stream Stream `json:"stream"`
	Match  Match  `json:"match"`
	// Node conditions must all hold; none means every version.
	Node []NodeCond `json:"node,omitempty"`
	// Text is the block's content.
	Text string `json:"text"`
	// Line is the 1-based line of the lesson file where the output fence
	// is.
	Line int `json:"line"`

	patterns []*regexp.Regexp // Regex: one per line of Text
}

// AppliesTo reports whether the expectation is for a node of this major
// version.
func (e Expectation) AppliesTo(major int) bool {
	for _, c := range e.Node {
		if !c.Holds(major) {
			return false
		}
	}
	return true
}

// Condition is the expectation's node conditions as written in the fence,
// or "" when it is for every version.
func (e Expectation) Condition() string {
	s := make([]string, len(e.Node))
	for i, c := range e.Node {
		s[i] = c.String()
	}
	return strings.Join(s, " ")
}

// Check compares what node printed on the expectation's stream with it.
// It returns "" when they match, otherwise why not in a sentence; for an
// exact match the caller shows the two texts (it has both).
func (e Expectation) Check(observed string) string {
	want, got := OutputLines(e.Text), OutputLines(observed)
	switch e.Match {
	case Contains:
		at := 0
		for _, w := range want {
			if w == "" {
				continue
			}
			found := false
			for at < len(got) {
				at++
				if strings.Contains(got[at-1], w) {
					found = true
					break
				}
			}
			if !found {
				return fmt.Sprintf("no line of the %s contains %q (in this order)", e.Stream, w)
			}
		}
		return ""
	case Regex:
		if len(got) != len(want) {
			return fmt.Sprintf("the %s has %d lines, the expected block %d", e.Stream, len(got), len(want))
		}
		for i, re := range e.patterns {
			if !re.MatchString(got[i]) {
				return fmt.Sprintf("line %d of the %s, %q, does not match %s", i+1, e.Stream, got[i], want[i])
			}
		}
		return ""
	default:
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			return "the " + string(e.Stream) + " differs"
		}
		return ""
	}
}

// OutputLines splits program output into lines the way output blocks are
// compared: CRLF read as LF, trailing spaces and tabs dropped from each
// line, trailing blank lines dropped.
func OutputLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// Expected returns the expectation of a runnable block for one stream on a
// node of this major version: the first output block for that stream whose
// conditions hold. ok is false when none does.
func (b CodeBlock) Expected(major int, s Stream) (e Expectation, ok bool) {
	for _, x := range b.Outputs {
		if x.Stream == s && x.AppliesTo(major) {
			return x, true
		}
	}
	return Expectation{}, false
}

// parseOutputFence reads the words after "output" in an output fence.
func parseOutputFence(words []string, text string, line int) (Expectation, error) {
	e := Expectation{Stream: Stdout, Match: Exact, Text: text, Line: line}
	for _, w := range words {
		switch {
		case w == "stderr":
			e.Stream = Stderr
		case w == "stdout":
			e.Stream = Stdout
		case w == "runnable" || strings.HasPrefix(w, "file=") || strings.HasPrefix(w, "entry="):
			return e, fmt.Errorf("output block at line %d: %q belongs on the code block, not on its output", line, w)
		case strings.HasPrefix(w, "match="):
			m := Match(strings.TrimPrefix(w, "match="))
			if m != Exact && m != Contains && m != Regex {
				return e, fmt.Errorf("output block at line %d: %q: match is exact, contains or regex", line, w)
			}
			e.Match = m
		case strings.HasPrefix(w, "node"):
			m := nodeCondRE.FindStringSubmatch(w)
			if m == nil {
				return e, fmt.Errorf("output block at line %d: %q is not a node condition (write node>=24, node<24 or node=22)", line, w)
			}
			n, _ := strconv.Atoi(m[2])
			e.Node = append(e.Node, NodeCond{Op: m[1], Major: n})
		default:
			return e, fmt.Errorf("output block at line %d: unknown word %q (want stderr, match=exact|contains|regex, or a condition such as node>=24)", line, w)
		}
	}
	if e.Match == Regex {
		for i, l := range OutputLines(text) {
			re, err := regexp.Compile(`^(?:` + l + `)$`)
			if err != nil {
				return e, fmt.Errorf("output block at line %d: line %d is not a regular expression: %w", line, i+1, err)
			}
			e.patterns = append(e.patterns, re)
		}
	}
	return e, nil
}
