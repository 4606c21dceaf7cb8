package ui

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/lessons/render"
)

// TestCoveredScreenStillGetsItsResults opens a lesson over the modules lab
// and delivers the lab's background result meanwhile: it must reach the
// lab, not the reader on top (a covered dashboard stopped sampling for
// good when its samples went to the screen on top).
func TestCoveredScreenStillGetsItsResults(t *testing.T) {
	d := newDriver(t, true, 100, 30)
	lab := newModulesLab(d.m.c).(*modulesLab)
	d.m.stack = append(d.m.stack, lab)
	d.keys("4") // nothing: digits open lessons on the home screen only
	d.send(openLessonAt(d.m.c, "q11", "Definition")())
	if _, ok := d.m.top().(*reader); !ok {
		t.Fatalf("the lesson did not open over the lab: %T", d.m.top())
	}
	d.send(nodeVersionMsg{to: lab.mail(), version: "99.1.0"})
	if lab.node != "99.1.0" {
		t.Errorf("the covered lab did not get its result: node %q", lab.node)
	}
	d.keys("q")
	if d.m.top() != lab || !strings.Contains(ansi.Strip(d.view()), "v99.1.0") {
		t.Errorf("back on the lab, it does not show what it got meanwhile:\n%s", ansi.Strip(d.view()))
	}
}

// heldMsg is a result that holds something running, for a screen that is
// gone by the time it arrives.
type heldMsg struct {
	to
	released *atomic.Bool
}

func (m heldMsg) release() func() {
	return func() {
		time.Sleep(100 * time.Millisecond) // a lab takes a while to stop
		m.released.Store(true)
	}
}

// TestResultForAClosedScreenIsReleased: what a closed screen's background
// work started (a lab that finished starting) is stopped, and the app's
// exit waits for that.
func TestResultForAClosedScreenIsReleased(t *testing.T) {
	d := newDriver(t, true, 100, 30)
	var released atomic.Bool
	_, cmd := d.m.Update(heldMsg{to: to{screen: 999}, released: &released})
	if cmd == nil {
		t.Fatal("nothing released what the closed screen's result holds")
	}
	d.m.exit()
	if !released.Load() {
		t.Error("the app's exit did not wait for the release")
	}
}

// slowLeaver is a screen whose clean-up takes a while, like a lab's.
type slowLeaver struct {
	*labsMenu
	stopped *atomic.Bool
}

func (s slowLeaver) Leave() tea.Cmd {
	return s.c.chore(func() {
		time.Sleep(150 * time.Millisecond)
		s.stopped.Store(true)
	})
}

// TestStopFromOutsideTakesTheQuitPath sends what a signal becomes: every
// screen is left, its clean-up waited for, progress written, the app's
// context ended, then the program quits.
func TestStopFromOutsideTakesTheQuitPath(t *testing.T) {
	store := progress.Open(t.TempDir())
	d := &driver{t: t, m: newTestApp(t, true, store)}
	d.m.c.noTimers = true
	d.run(d.m.Init(), 0)
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.keys("4") // a lesson: its visit is saved
	var stopped atomic.Bool
	d.m.stack = append(d.m.stack, slowLeaver{newLabsMenu(d.m.c), &stopped})
	quitting := false
	_, cmd := d.m.Update(stopMsg{})
	quitting = d.m.quitting
	d.run(cmd, 0)
	if !quitting || !stopped.Load() {
		t.Fatalf("a stop from outside: quitting %v, screen stopped %v", quitting, stopped.Load())
	}
	if d.m.c.ctx.Err() == nil {
		t.Error("the app's context is still live after the exit")
	}
	saved, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if saved.Last == nil || saved.Last.Lesson != "q14" {
		t.Errorf("progress was not written on the way out: %+v", saved.Last)
	}
	if v := ansi.Strip(d.view()); !strings.Contains(v, "stopping labs and saving progress") {
		t.Errorf("the footer does not say what the app is doing:\n%s", v)
	}
}

// TestRunEndsCleanlyWhenItsContextEnds is SIGTERM as ui.Run sees it: the
// context ends, Run returns (no error), and the lesson opened is in the
// progress file.
func TestRunEndsCleanlyWhenItsContextEnds(t *testing.T) {
	store := progress.Open(t.TempDir())
	in, keep := io.Pipe()
	defer keep.Close()
	dark := true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Course: testCourse(t), Renderer: render.New(""), Store: store, Progress: progress.New(),
			Dark: &dark, Open: "q14", Input: in, Output: io.Discard,
		})
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after its context ended: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	saved, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if saved.Last == nil || saved.Last.Lesson != "q14" {
		t.Errorf("the lesson opened is not in the progress file: %+v", saved.Last)
	}
}

// flat is a frame's text without any white space, so that text wrapped
// over several lines can be searched for (as flat(text)).
func flat(frame string) string {
	return strings.Join(strings.Fields(ansi.Strip(frame)), "")
}

// TestNoticesWrapAndStayUntilDismissed shows the corrupt-progress notice:
// its backup path must be readable whole at 80 and 120 columns and stay,
// whatever timer fires, until esc.
func TestNoticesWrapAndStayUntilDismissed(t *testing.T) {
	backup := "/home/learner/.local/state/nodedive/progress.json.corrupt-20261125T100000.123456789"
	text := (&progress.Recovery{Reason: errors.New("invalid character 'x' looking for beginning of value"), Backup: backup}).String()
	for _, w := range []int{80, 120} {
		d := newDriver(t, true, w, 24)
		d.send(infoMsg{kind: infoWarn, text: text})
		checkFrame(t, d.view(), w, 24)
		if !strings.Contains(flat(d.view()), flat(text)) {
			t.Errorf("at %d columns the notice is not on screen whole:\n%s", w, ansi.Strip(d.view()))
		}
		for serial := 0; serial <= d.m.status.serial+1; serial++ {
			d.send(clearInfoMsg{serial}) // every timer that could fire
		}
		d.send(infoMsg{kind: infoPlain, text: "something else happened"})
		if !strings.Contains(flat(d.view()), backup) {
			t.Errorf("at %d columns the notice did not stay", w)
		}
		d.keys("esc")
		if strings.Contains(flat(d.view()), backup) {
			t.Errorf("esc did not dismiss the notice")
		}
		if _, ok := d.m.top().(*home); !ok || d.m.quitting {
			t.Errorf("esc on a notice did more than dismiss it")
		}
	}
}

// TestNotRunnableBlockHintKeepsItsCommand presses r on a block that cannot
// run: the whole command with --force must be readable at 80 columns.
func TestNotRunnableBlockHintKeepsItsCommand(t *testing.T) {
	d := newDriver(t, true, 80, 24)
	d.keys("4", "/")
	d.typeText("rollingRestart()")
	d.keys("enter", "r")
	got := flat(d.view())
	if !regexp.MustCompile(`\(fromashell:nodediverunq14--block[0-9]+--force\)`).MatchString(got) {
		t.Errorf("the --force hint is cut:\n%s", ansi.Strip(d.view()))
	}
}

// TestFooterKeepsHelpAndBack: on every screen, at 100 and 80 columns, the
// footer ends with ? help and back (quit while typing), however many keys
// the screen has.
func TestFooterKeepsHelpAndBack(t *testing.T) {
	for _, w := range []int{80, 100} {
		d := newDriver(t, true, w, 30)
		for name, s := range everyScreen(t, d) {
			d.m.stack = []screen{d.m.stack[0], s}
			d.m.relayout(true)
			lines := strings.Split(ansi.Strip(d.view()), "\n")
			footer := lines[len(lines)-1]
			want := []string{"? help", "q/esc back"}
			if s.Capturing() {
				want = []string{"ctrl+c quit"}
			}
			for _, k := range want {
				if !strings.Contains(footer, k) {
					t.Errorf("%d columns, %s: the footer lacks %q: %q", w, name, k, footer)
				}
			}
		}
	}
}

// TestLabsMenuScrollsToItsLastEntry: at 20 rows the fifth lab is reached.
func TestLabsMenuScrollsToItsLastEntry(t *testing.T) {
	d := newDriver(t, true, 80, 20)
	d.keys("G", "enter", "G")
	if v := ansi.Strip(d.view()); !strings.Contains(v, "Hardened server under attack") || !strings.Contains(v, "lab secure --probe") {
		t.Errorf("the last lab is not in view at 20 rows:\n%s", v)
	}
}

// TestTinyTerminalsNeverPanic draws every screen at sizes down to nothing.
func TestTinyTerminalsNeverPanic(t *testing.T) {
	d := newDriver(t, true, 100, 30)
	screens := everyScreen(t, d)
	for _, size := range [][2]int{{0, 0}, {1, 1}, {5, 3}, {12, 4}, {23, 5}, {24, 6}, {30, 8}, {40, 10}, {60, 20}} {
		for name, s := range screens {
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%dx%d %s: panic: %v", size[0], size[1], name, p)
					}
				}()
				d.m.stack = []screen{d.m.stack[0], s}
				d.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				checkFrameMax(t, d.view(), size[0])
			}()
		}
	}
}

// checkFrameMax checks no line of frame is wider than w.
func checkFrameMax(t *testing.T, frame string, w int) {
	t.Helper()
	for i, l := range strings.Split(frame, "\n") {
		if ansi.StringWidth(l) > max(w, 0) {
			t.Errorf("line %d is %d wide at width %d", i+1, ansi.StringWidth(l), w)
			return
		}
	}
}

// TestPredictionBoxIsShownWhole: at 80x24 the modules lab's prediction box
// appears with all its lines above the footer.
func TestPredictionBoxIsShownWhole(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 20}, {120, 40}} {
		d := newDriver(t, true, size[0], size[1])
		lab := newModulesLab(d.m.c).(*modulesLab)
		d.send(pushMsg{lab})
		d.keys("p")
		d.typeText("first")
		lines := strings.Split(ansi.Strip(d.view()), "\n")
		at := -1
		for i, l := range lines {
			if strings.Contains(l, "Your prediction") {
				at = i
			}
		}
		boxH := lab.input.Height()
		if at < 0 || at+boxH >= len(lines)-1 {
			t.Errorf("%dx%d: the prediction box (%d lines) does not fit under its title (line %d of %d):\n%s",
				size[0], size[1], boxH, at, len(lines), strings.Join(lines, "\n"))
			continue
		}
		if !strings.Contains(lines[at+1], "first") {
			t.Errorf("%dx%d: what was typed is not in the box: %q", size[0], size[1], lines[at+1])
		}
	}
}

// TestPassingMessagesWrapAndGo: a long passing message wraps, the body
// makes room for it, and when its timer fires the frame is whole again.
func TestPassingMessagesWrapAndGo(t *testing.T) {
	d := newDriver(t, true, 60, 20)
	d.keys("4")
	long := "Express app up at http://127.0.0.1:43123: enter runs a probe, a runs them all; tab switches the details"
	d.send(infoMsg{kind: infoPlain, text: long})
	checkFrame(t, d.view(), 60, 20)
	if !strings.Contains(flat(d.view()), flat(long)) || d.m.c.footerLines < 2 {
		t.Errorf("the message is not shown whole (footer %d lines):\n%s", d.m.c.footerLines, ansi.Strip(d.view()))
	}
	d.send(clearInfoMsg{d.m.status.serial})
	checkFrame(t, d.view(), 60, 20)
	if d.m.c.footerLines != 1 || strings.Contains(flat(d.view()), flat(long)) {
		t.Errorf("the message did not go (footer %d lines)", d.m.c.footerLines)
	}
	if r := d.m.top().(*reader); r.vp.Height() != d.m.c.bodyHeight() {
		t.Errorf("the reader was not laid out again: viewport %d, body %d", r.vp.Height(), d.m.c.bodyHeight())
	}
}

// TestModulesLabInstallHintIsWhole: without node, the modules lab's hint
// (what to install, where from) is wrapped at 80 columns, not cut.
func TestModulesLabInstallHintIsWhole(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	d := newDriver(t, true, 80, 24)
	openLabScreen(t, d, "modules")
	checkFrame(t, d.view(), 80, 24)
	if !strings.Contains(flat(d.view()), flat(noderun.InstallHint)) {
		t.Errorf("the install hint is cut:\n%s", ansi.Strip(d.view()))
	}
}
