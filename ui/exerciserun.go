package ui

import (
	"context"
	"regexp"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/watch"
)

// verifyEvent is one step of a verification, in the order it happened.
type verifyEvent struct {
	// started names a check that began.
	started string
	// progress is a step before the checks, such as installing the
	// exercise's npm packages (a minute the first time).
	progress string
	// result is a check that finished.
	result *exercise.CheckResult
	// final ends the verification, with its report or why it could not run.
	final  bool
	report *exercise.Report
	err    error
}

// verifyMsg delivers the next step of verification gen; ok is false once
// its stream is over.
type verifyMsg struct {
	to
	gen int
	ev  verifyEvent
	ok  bool
}

// verifyRun is a verification in progress.
type verifyRun struct {
	gen    int
	cancel context.CancelFunc
	events <-chan verifyEvent
	// done is closed when Verify has returned, which is when every
	// process of its checks is gone.
	done chan struct{}
}

// startVerify runs e's checks on dir in a Cmd and streams each step to the
// screen at mail, covered or not, through a Cmd that waits for the next
// one. A step is never dropped; when ctx ends (the screen left, a newer run,
// the app quitting) the checks stop, their processes are killed, and the
// steps nobody waits for any more are abandoned.
func startVerify(ctx context.Context, e *exercise.Exercise, dir, cacheDir string, mail to, gen int) (*verifyRun, tea.Cmd) {
	ctx, cancel := context.WithCancel(ctx)
	events := make(chan verifyEvent)
	run := &verifyRun{gen: gen, cancel: cancel, events: events, done: make(chan struct{})}
	work := func() tea.Msg {
		defer close(run.done)
		defer close(events)
		send := func(ev verifyEvent) {
			select {
			case events <- ev:
			case <-ctx.Done():
			}
		}
		r, err := e.Verify(ctx, dir, exercise.Options{
			// The same npm cache as the CLI's and the labs': an exercise's
			// packages are installed once, not on every run.
			CacheDir: cacheDir,
			Progress: func(m string) { send(verifyEvent{progress: m}) },
			OnStart:  func(name string) { send(verifyEvent{started: name}) },
			OnResult: func(res exercise.CheckResult) { send(verifyEvent{result: &res}) },
		})
		send(verifyEvent{final: true, report: r, err: err})
		return nil
	}
	return run, tea.Batch(work, run.next(mail))
}

// next waits for the run's next step.
func (r *verifyRun) next(mail to) tea.Cmd {
	gen, events := r.gen, r.events
	return func() tea.Msg {
		ev, ok := <-events
		return verifyMsg{to: mail, gen: gen, ev: ev, ok: ok}
	}
}

// stop cancels the run; the returned func waits until its processes are
// gone (bounded by the sandbox's own kill of a stuck supervisor).
func (r *verifyRun) stop() func() {
	r.cancel()
	return func() { <-r.done }
}

// watchStartedMsg reports a watcher started for watch session gen.
type watchStartedMsg struct {
	to
	gen int
	w   *watch.Watcher
	err error
}

// release stops a watcher whose screen closed while it started.
func (m watchStartedMsg) release() func() {
	if m.w == nil {
		return nil
	}
	w := m.w
	return func() { _ = w.Close() }
}

// watchChangedMsg reports files saved in the exercise's directory (or an
// error of the watcher).
type watchChangedMsg struct {
	to
	gen   int
	files []string
	err   error
}

// startWatch starts a watcher on dir in a Cmd: starting one starts its
// goroutine, which Update must not do.
func startWatch(dir string, mail to, gen int) tea.Cmd {
	return func() tea.Msg {
		w, err := watch.Start(dir, 0)
		return watchStartedMsg{to: mail, gen: gen, w: w, err: err}
	}
}

// nextChange waits for the next burst of saves, or for stop.
func nextChange(w *watch.Watcher, stop <-chan struct{}, mail to, gen int) tea.Cmd {
	return func() tea.Msg {
		select {
		case files := <-w.Changes():
			return watchChangedMsg{to: mail, gen: gen, files: files}
		case err := <-w.Errors():
			return watchChangedMsg{to: mail, gen: gen, err: err}
		case <-stop:
			return nil
		}
	}
}

// watching is a watch session: the watcher (nil while it starts) and the
// channel that ends the wait for changes.
type watching struct {
	gen  int
	w    *watch.Watcher
	stop chan struct{}
}

// end stops the session; the returned func closes the watcher (nil if it
// had not started yet: its started message is released instead).
func (ws *watching) end() func() {
	close(ws.stop)
	if ws.w == nil {
		return nil
	}
	w := ws.w
	return func() { _ = w.Close() }
}

// Bounds on what one check's details take on screen: a learner's program
// may print up to the sandbox's 64 KiB, and a check's observed value can
// carry all of it.
const (
	detailMaxBytes = 4 << 10
	detailMaxLines = 20
)

// clean makes text from a learner's program safe to draw: no escape
// sequences or control characters (they would move the cursor or recolour
// the screen), tabs as spaces.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\t", "    ")
	s = ansi.Strip(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			return -1
		}
		return r
	}, s)
}

// detailLines draws one labelled detail of a failed check ("expected",
// "observed", "hint"), cleaned, wrapped to w and bounded.
func detailLines(s Styles, label, value string, w int) []string {
	value = clean(strings.TrimRight(value, "\n"))
	cut := len(value) > detailMaxBytes
	if cut {
		value = strings.ToValidUTF8(value[:detailMaxBytes], "")
	}
	prefix := "  " + padRight(label, 9)
	var lines []string
	for i, l := range strings.Split(value, "\n") {
		first := strings.Repeat(" ", len(prefix))
		if i == 0 {
			first = prefix
		}
		lines = append(lines, wrapIndent(first, l, w)...)
	}
	if len(lines) > detailMaxLines || cut {
		lines = lines[:min(len(lines), detailMaxLines-1)]
		lines = append(lines, strings.Repeat(" ", len(prefix))+"… (cut: `nodedive verify` prints it all)")
	}
	for i := range lines {
		lines[i] = s.Muted.Render(lines[i][:len(prefix)]) + s.Text.Render(lines[i][len(prefix):])
	}
	return lines
}

// clock is how a run's time is shown.
func clock(t time.Time) string { return t.Format("15:04:05") }

// listItem matches the first line of a markdown list item.
var listItem = regexp.MustCompile(`^\s*([-*+]|\d+[.)])\s+\S`)

// joinListLines puts each list item of md on one line. glamour keeps a
// list item's soft line breaks as hard ones once it wraps the item, which
// leaves a short line in the middle of every long item of a task; a
// paragraph it reflows correctly, and code blocks are left alone.
func joinListLines(md []byte) []byte {
	var out []string
	inFence, inItem := false, false
	for _, line := range strings.Split(string(md), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			inFence, inItem = !inFence, false
		case inFence:
		case trimmed == "":
			inItem = false
		case listItem.MatchString(line):
			inItem = true
		case inItem && line[0] == ' ' && len(out) > 0:
			out[len(out)-1] += " " + trimmed
			continue
		default:
			inItem = false
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, "\n"))
}
