package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/lessons"
)

// Limits for code run from the reader, as for `nodedive run`.
const (
	runTimeout   = 10 * time.Second
	runOutputCap = 64 << 10
)

// runResultMsg delivers the outcome of a code block run.
type runResultMsg struct {
	to
	lesson string
	block  int
	res    noderun.Result
	err    error
}

// runPane shows the output of a lesson code block run on node, under the
// text of the lesson.
type runPane struct {
	block   int
	running bool
	res     noderun.Result
	err     error
	cancel  context.CancelFunc
}

// locateBlocks finds the first rendered line of each code block: the
// block's first line of code, searched after its section's heading.
func locateBlocks(l *lessons.Lesson, plain []string, headings []int) []int {
	starts := make([]int, len(l.Blocks))
	next := 0
	for i, b := range l.Blocks {
		if b.Section >= 0 && b.Section < len(headings) {
			next = max(next, headings[b.Section])
		}
		first := firstCodeLine(b.Text)
		starts[i] = -1
		for j := next; j < len(plain) && first != ""; j++ {
			if strings.Contains(plain[j], first) {
				starts[i] = j
				next = j + 1
				break
			}
		}
	}
	return starts
}

func firstCodeLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(line); t != "" {
			// Long lines wrap in narrow readers; a prefix is enough.
			return ansi.Truncate(t, 30, "")
		}
	}
	return ""
}

// blockAtView picks the code block the reader is looking at: the first
// one starting in view, else the one the view is inside.
func (r *reader) blockAtView() int {
	y, h := r.vp.YOffset(), r.vp.Height()
	best := -1
	for i, start := range r.blocks {
		switch {
		case start < 0:
		case start >= y && start < y+h:
			return i
		case start < y:
			best = i
		}
	}
	return best
}

// runBlockFor runs the code block in view on node.
func runBlockFor(r *reader) tea.Cmd {
	i := r.blockAtView()
	if i < 0 {
		return info("no code block here: scroll to an example, then press r")
	}
	b := r.lesson.Blocks[i]
	n := i + 1
	switch {
	case !b.IsJavaScript():
		return info(fmt.Sprintf("block %d is %s, not JavaScript: nothing to run", n, b.Lang))
	case !b.Runnable:
		return warn(fmt.Sprintf("block %d is not marked runnable: %s (from a shell: nodedive run %s --block %d --force)",
			n, b.WhyNotRunnable(), r.lesson.ID, n))
	}
	if r.run != nil && r.run.cancel != nil {
		r.run.cancel()
	}
	ctx, cancel := context.WithCancel(r.c.ctx)
	r.run = &runPane{block: i, running: true, cancel: cancel}
	id, prog, mail := r.lesson.ID, b.Program(), r.mail()
	return tea.Batch(r.resize(), r.c.nodeNotice(), func() tea.Msg {
		res, err := noderun.Run(ctx, prog, noderun.Options{Timeout: runTimeout, MaxOutput: runOutputCap})
		return runResultMsg{to: mail, lesson: id, block: i, res: res, err: err}
	})
}

func (r *reader) runResult(msg runResultMsg) tea.Cmd {
	if r.run == nil || msg.lesson != r.lesson.ID || msg.block != r.run.block {
		return nil
	}
	r.run.running, r.run.res, r.run.err = false, msg.res, msg.err
	return nil
}

// closeRun stops a run in progress and hides the pane.
func (r *reader) closeRun() tea.Cmd {
	if r.run == nil {
		return nil
	}
	if r.run.cancel != nil {
		r.run.cancel()
	}
	r.run = nil
	return r.resize()
}

// runPaneHeight is the pane's share of the reader's height.
func (r *reader) runPaneHeight() int {
	if r.run == nil {
		return 0
	}
	return max(min(r.c.bodyHeight()/3, 14), 5)
}

func (r *reader) runPaneView(w int) string {
	s := r.c.styles
	p := r.run
	h := r.runPaneHeight()
	title := fmt.Sprintf("Block %d on node · esc closes · r runs the block in view", p.block+1)
	var lines []string
	switch {
	case p.running:
		lines = []string{s.Warning.Render("running…")}
	case p.err != nil:
		lines = wrapLines([]string{s.Danger.Render(p.err.Error())}, w-4)
	default:
		out := strings.TrimRight(p.res.Output, "\n")
		if out != "" {
			lines = strings.Split(out, "\n")
		}
		status := fmt.Sprintf("exit %d · %s", p.res.ExitCode, p.res.Duration.Round(time.Millisecond))
		st := s.Success
		switch {
		case p.res.TimedOut:
			status, st = fmt.Sprintf("stopped after the %s time limit", runTimeout), s.Danger
		case p.res.Signal != "":
			status, st = "killed by "+p.res.Signal, s.Danger
		case p.res.ExitCode != 0:
			st = s.Danger
		}
		if p.res.Truncated {
			status += fmt.Sprintf(" · output cut at %d KiB", runOutputCap>>10)
		}
		lines = append(tail(wrapLines(lines, w-4), h-3), st.Render(status))
	}
	return r.c.panel(title, strings.Join(lines, "\n"), w, h, true)
}
