package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/lessons/render"
)

// fixedNow keeps dates on screen (and in goldens) stable.
var fixedNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func testCourse(t testing.TB) *lessons.Course {
	t.Helper()
	c, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newTestApp(t testing.TB, dark bool, store *progress.Store) *Model {
	t.Helper()
	p := progress.New()
	if store != nil {
		var err error
		if p, _, err = store.Load(); err != nil {
			t.Fatal(err)
		}
	}
	return New(Options{
		Course:    testCourse(t),
		Renderer:  render.New(""),
		Store:     store,
		Progress:  p,
		Dark:      &dark,
		Now:       func() time.Time { return fixedNow },
		Exercises: testExercises(t),
		// Exercises started in a test are written here.
		ExercisesDir: t.TempDir(),
	})
}

// keyMsg builds the key press a terminal would send for s ("enter",
// "ctrl+c", "esc", or a single character).
func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// ctrlKey is ctrl plus a letter.
func ctrlKey(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }

// driver runs the model synchronously: each message's commands are run and
// their messages fed back, so the state after send() is settled. Commands
// that do not return quickly (timers, like the status bar's) are dropped.
type driver struct {
	t testing.TB
	m *Model
}

func (d *driver) send(msgs ...tea.Msg) {
	for _, msg := range msgs {
		_, cmd := d.m.Update(msg)
		d.run(cmd, 0)
	}
}

func (d *driver) keys(keys ...string) {
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (d *driver) run(cmd tea.Cmd, _ int) {
	// Commands run concurrently, as in a real program (one may wait on a
	// channel another closes); their messages are applied here, one at a
	// time, until every command has returned.
	results := make(chan tea.Msg)
	pending := 0
	launch := func(c tea.Cmd) {
		if c == nil {
			return
		}
		pending++
		go func() { results <- c() }()
	}
	launch(cmd)
	deadline := time.After(20 * time.Second)
	for pending > 0 {
		select {
		case msg := <-results:
			pending--
			switch msg := msg.(type) {
			case nil, quitMsg:
			case tea.BatchMsg:
				for _, c := range msg {
					launch(c)
				}
			default:
				_, next := d.m.Update(msg)
				launch(next)
			}
		case <-deadline:
			d.t.Fatalf("%d commands did not return: a timer or a wait the driver cannot finish?", pending)
		}
	}
}

func (d *driver) view() string { return d.m.View().Content }

func newDriver(t testing.TB, dark bool, w, h int) *driver {
	d := &driver{t: t, m: newTestApp(t, dark, nil)}
	d.m.c.noTimers = true
	d.run(d.m.Init(), 0)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// checkFrame verifies a frame fills the terminal exactly: h lines, none
// wider than w. A screen that overflows would scroll the terminal.
func checkFrame(t *testing.T, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide, terminal is %d: %q", i+1, lw, w, ansi.Strip(l))
		}
	}
}

func TestGoldenScreens(t *testing.T) {
	sizes := []struct{ w, h int }{{80, 24}, {120, 40}}
	for _, size := range sizes {
		for _, dark := range []bool{true, false} {
			bg := "light"
			if dark {
				bg = "dark"
			}
			t.Run(fmt.Sprintf("%dx%d/%s", size.w, size.h, bg), func(t *testing.T) {
				t.Run("home", func(t *testing.T) {
					d := newDriver(t, dark, size.w, size.h)
					frame := d.view()
					checkFrame(t, frame, size.w, size.h)
					golden.RequireEqual(t, frame)
				})
				t.Run("reader", func(t *testing.T) {
					d := newDriver(t, dark, size.w, size.h)
					d.keys("4") // the clustering lesson
					if _, ok := d.m.top().(*reader); !ok {
						t.Fatalf("key 4 did not open a lesson; top screen is %T", d.m.top())
					}
					frame := d.view()
					checkFrame(t, frame, size.w, size.h)
					if !strings.Contains(ansi.Strip(frame), "Clustering") {
						t.Fatalf("reader frame does not show the lesson:\n%s", ansi.Strip(frame))
					}
					golden.RequireEqual(t, frame)
				})
			})
		}
	}
}

func TestEveryScreenFitsEverySize(t *testing.T) {
	sizes := [][2]int{{0, 0}, {1, 1}, {10, 3}, {23, 5}, {24, 6}, {40, 12}, {41, 13}, {60, 20}, {99, 30}, {100, 30}, {200, 60}, {400, 120}}
	for _, size := range sizes {
		w, h := size[0], size[1]
		d := newDriver(t, true, w, h)
		frames := map[string]string{"home": d.view()}
		d.keys("4")
		frames["reader"] = d.view()
		d.keys("t")
		frames["reader+contents"] = d.view()
		d.keys("t", "/")
		d.typeText("worker")
		frames["reader+search input"] = d.view()
		d.keys("enter", "n")
		frames["reader+matches"] = d.view()
		d.keys("esc", "q", "/")
		d.typeText("primary")
		frames["search"] = d.view()
		d.keys("q", "q")
		for name, f := range frames {
			if w >= minWidth && h >= minHeight {
				lines := strings.Split(f, "\n")
				if len(lines) != h {
					t.Errorf("%dx%d %s: %d lines", w, h, name, len(lines))
				}
			}
			for i, l := range strings.Split(f, "\n") {
				if ansi.StringWidth(l) > max(w, 0) {
					t.Errorf("%dx%d %s: line %d overflows (%d cells)", w, h, name, i+1, ansi.StringWidth(l))
					break
				}
			}
		}
	}
}

func TestReaderSectionsSearchAndReadTracking(t *testing.T) {
	d := newDriver(t, true, 100, 30)
	d.keys("4")
	r := d.m.top().(*reader)
	if r.currentSection() != 0 {
		t.Fatalf("a fresh lesson opens at section %d, want the first", r.currentSection())
	}
	d.keys("]")
	if got := r.currentSection(); got != 1 {
		t.Errorf("] moved to section %d, want 1", got)
	}
	d.keys("]", "[")
	if got := r.currentSection(); got != 1 {
		t.Errorf("] then [ ended at section %d, want 1", got)
	}
	if !d.m.c.progress.IsRead("q14", "definition") {
		t.Error("the first section was on screen in full but is not marked read")
	}

	d.keys("/")
	if !d.m.top().Capturing() {
		t.Fatal("/ did not open the search input")
	}
	d.typeText("keep-alive")
	d.keys("enter")
	if len(r.matches) < 2 {
		t.Fatalf("searching keep-alive found %d matches", len(r.matches))
	}
	first := r.matches[r.current]
	if line := r.vp.YOffset(); first.line < line || first.line >= line+r.vp.Height() {
		t.Errorf("current match on line %d is not in view (%d..%d)", first.line, line, line+r.vp.Height())
	}
	shown := ansi.Strip(r.vp.View())
	if !strings.Contains(strings.ToLower(shown), "keep-alive") {
		t.Errorf("the view does not show the match:\n%s", shown)
	}
	if !bytes.Contains([]byte(r.vp.View()), []byte("\x1b[")) {
		t.Error("matches are not highlighted")
	}
	d.keys("n")
	if r.current != 1 {
		t.Errorf("n moved to match %d, want 1", r.current)
	}
	d.keys("N", "N")
	if r.current != len(r.matches)-1 {
		t.Errorf("N wrapped to %d, want the last match %d", r.current, len(r.matches)-1)
	}
	d.keys("esc")
	if len(r.matches) != 0 || r.query != "" {
		t.Errorf("esc did not clear the search")
	}

	// Search a word that is only in another lesson: tab switches scope.
	d.keys("/")
	d.keys("tab")
	d.typeText("errorMonitor")
	d.keys("enter")
	s, ok := d.m.top().(*search)
	if !ok {
		t.Fatalf("an all-lessons search opened %T", d.m.top())
	}
	if len(s.hits) == 0 || s.hits[0].lesson.ID != "q12" {
		t.Fatalf("errorMonitor hits: %+v", s.hits)
	}
	d.keys("enter")
	r2, ok := d.m.top().(*reader)
	if !ok || r2.lesson.ID != "q12" {
		t.Fatalf("opening a hit gave %T", d.m.top())
	}
	if len(r2.matches) == 0 || r2.query != "errorMonitor" {
		t.Errorf("the lesson opened from search does not highlight the query")
	}
}

func TestReaderRemembersPlacePerLesson(t *testing.T) {
	store := progress.Open(t.TempDir())
	d := &driver{t: t, m: newTestApp(t, true, store)}
	d.m.c.noTimers = true
	d.run(d.m.Init(), 0)
	d.send(tea.WindowSizeMsg{Width: 90, Height: 30})
	d.keys("4", "]", "]", "]", "j", "j")
	r := d.m.top().(*reader)
	sec, off := r.currentSection(), r.vp.YOffset()-r.headings[r.currentSection()]
	d.keys("q")

	saved, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := r.lesson.Sections[sec].Slug
	if saved.Last == nil || saved.Last.Lesson != "q14" || saved.Last.Section != want || saved.Last.Scroll != off {
		t.Fatalf("saved place = %+v, want q14 %s +%d", saved.Last, want, off)
	}

	// A new session, at another width, reopens at the same section.
	d2 := &driver{t: t, m: newTestApp(t, true, store)}
	d2.m.c.noTimers = true
	d2.run(d2.m.Init(), 0)
	d2.send(tea.WindowSizeMsg{Width: 130, Height: 40})
	if !strings.Contains(ansi.Strip(d2.view()), "Continue where you left off") {
		t.Error("home does not offer to continue")
	}
	d2.keys("enter")
	r2 := d2.m.top().(*reader)
	if got := r2.currentSection(); got != sec {
		t.Errorf("continue opened section %d, want %d", got, sec)
	}
}

func TestTinyTerminalsShowANotice(t *testing.T) {
	d := newDriver(t, true, 20, 4)
	if v := ansi.Strip(d.view()); !strings.Contains(v, "needs") || ansi.StringWidth(v) > 20 {
		t.Errorf("tiny terminal view = %q", v)
	}
}

func TestLightBackgroundRestylesWithoutBlocking(t *testing.T) {
	m := newTestApp(t, true, nil)
	m.askedBg = true
	m.c.noTimers = true
	d := &driver{t: t, m: m}
	d.run(m.Init(), 0)
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.keys("4")
	before := d.view()
	d.send(tea.BackgroundColorMsg{Color: lightColor{}})
	if !d.m.c.styles.Dark == false || d.m.c.styles.Markdown != render.Light {
		t.Fatalf("a light background did not switch styles: %+v", d.m.c.styles.Markdown)
	}
	if d.view() == before {
		t.Error("the reader was not redrawn for the light background")
	}
}

type lightColor struct{}

func (lightColor) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

// TestFlowWithTeatest drives the real program: open a lesson, move through
// sections, search, go back, quit; then checks what was saved.
func TestFlowWithTeatest(t *testing.T) {
	store := progress.Open(t.TempDir())
	m := newTestApp(t, true, store)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	waitFor("LESSONS")
	tm.Send(keyMsg("4"))
	waitFor("many processes") // the lesson's title, drawn once rendered
	for _, k := range []string{"]", "]", "]"} {
		tm.Send(keyMsg(k))
	}
	tm.Send(keyMsg("/"))
	tm.Type("isPrimary")
	tm.Send(keyMsg("enter"))
	waitFor("match")
	tm.Send(keyMsg("q")) // clears the search
	tm.Send(keyMsg("q")) // leaves the lesson
	waitFor("Continue")
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	final := tm.FinalModel(t).(*Model)
	if len(final.stack) != 1 {
		t.Errorf("after q the stack has %d screens, want home only", len(final.stack))
	}
	saved, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if saved.Last == nil || saved.Last.Lesson != "q14" {
		t.Fatalf("the last place was not saved: %+v", saved.Last)
	}
	if saved.Last.Section == "" || saved.Last.Section == "definition" {
		t.Errorf("moving three sections on and searching left the place at %q", saved.Last.Section)
	}
	if len(saved.Lessons["q14"].Read) == 0 {
		t.Error("no section was saved as read")
	}
}

func TestNoColorShowsMatchesInReverseVideo(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	d := newDriver(t, true, 100, 30)
	d.keys("4", "/")
	d.typeText("primary")
	d.keys("enter")
	r := d.m.top().(*reader)
	if len(r.matches) == 0 {
		t.Fatal("no matches")
	}
	line := r.shown[r.matches[r.current].line]
	if !strings.Contains(line, "7m") && !strings.Contains(line, ";7") {
		t.Errorf("with NO_COLOR the current match is not in reverse video: %q", line)
	}
}
