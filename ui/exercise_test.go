package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
	"github.com/nodedive/nodedive/lessons/progress"
)

// verifyLimit bounds a whole verification of a small exercise (nine
// checks of a few hundred milliseconds) on a loaded machine.
const verifyLimit = 90 * time.Second

// TestHomeOpensTheExercises: home has an Exercises entry with the count
// passed, and it opens the list by topic with each exercise's status.
func TestHomeOpensTheExercises(t *testing.T) {
	d := newDriver(t, true, 100, 30)
	d.m.c.nodeJudged = true // an old node's notice is TestOldNodeNoticeOncePerSession's
	c := d.m.c
	total := len(c.exercises.All())
	if v := ansi.Strip(d.view()); !strings.Contains(v, "Exercises") || !strings.Contains(v, "0 of "+itoa(total)+" passed") {
		t.Fatalf("home has no Exercises entry with a count:\n%s", v)
	}
	c.progress.RecordVerify("events-once", "", true, fixedNow)
	c.progress.StartExercise("modules-dual-package", "/tmp/x", fixedNow)
	d.send(resumedMsg{})
	if v := ansi.Strip(d.view()); !strings.Contains(v, "1 of "+itoa(total)+" passed") {
		t.Errorf("home does not count the passed exercise:\n%s", v)
	}
	h := d.m.top().(*home)
	for i, e := range h.entries {
		if e.label == "Exercises" {
			h.cursor = i
		}
	}
	d.keys("enter")
	menu, ok := d.m.top().(*exercisesMenu)
	if !ok {
		t.Fatalf("the entry opened %T", d.m.top())
	}
	v := ansi.Strip(d.view())
	for _, want := range []string{"MODULES", "EVENTS", "✓ passed   Write events.once", "● started  Ship a dual package", "· new      Fix a listener leak"} {
		if !strings.Contains(v, want) {
			t.Errorf("the list lacks %q:\n%s", want, v)
		}
	}
	if len(menu.items) != total {
		t.Errorf("the list has %d exercises, the catalog %d", len(menu.items), total)
	}
	d.keys("enter")
	if x, ok := d.m.top().(*exerciseScreen); !ok || x.ex.ID != menu.items[0].ID {
		t.Errorf("enter opened %T", d.m.top())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestExercisesKeyFromLessonsAndLabs: E on each lesson and each lab opens
// the exercises of its topic (all of them, with a note, for a topic that
// has none yet).
func TestExercisesKeyFromLessonsAndLabs(t *testing.T) {
	d := newDriver(t, true, 100, 30)
	d.m.c.nodeJudged = true // an old node's notice is TestOldNodeNoticeOncePerSession's
	c := d.m.c
	check := func(name string, s screen, topic string) {
		t.Helper()
		d.m.stack = []screen{d.m.stack[0], s} // labs are built, not started
		d.keys("E")
		menu, ok := d.m.top().(*exercisesMenu)
		if !ok {
			t.Errorf("%s: E opened %T", name, d.m.top())
			return
		}
		want := c.exercises.Topic(topic)
		switch {
		case topic == "":
			if len(menu.items) != len(c.exercises.All()) {
				t.Errorf("%s: E listed %d exercises, not all", name, len(menu.items))
			}
		case len(want) == 0:
			if !strings.Contains(menu.note, topic) || len(menu.items) != len(c.exercises.All()) {
				t.Errorf("%s: a topic without exercises: note %q, %d listed", name, menu.note, len(menu.items))
			}
		default:
			if menu.Title() != "Exercises · "+topic || len(menu.items) != len(want) {
				t.Errorf("%s: E opened %q with %d exercises, want %d of %s", name, menu.Title(), len(menu.items), len(want), topic)
			}
		}
	}
	for _, l := range c.course.Lessons {
		check("lesson "+l.ID, newReader(c, l), l.QuizTopic)
	}
	labs := map[string]screen{
		"modules": newModulesLab(c), "emitter": newEmitterLab(c), "scale": newScaleLab(c),
		"cluster": newClusterLab(c), "secure": newSecureLab(c),
	}
	for name, s := range labs {
		check("lab "+name, s, labTopic(c, name))
	}
	if labTopic(c, "emitter") != "events" || labTopic(c, "scale") != "scaling" || labTopic(c, "secure") != "security" {
		t.Errorf("labs map to the wrong topics: %q %q %q", labTopic(c, "emitter"), labTopic(c, "scale"), labTopic(c, "secure"))
	}
	// The key is in the lab's help.
	d.m.stack = []screen{d.m.stack[0], labs["cluster"]}
	d.keys("?")
	if v := ansi.Strip(d.view()); !strings.Contains(v, "E") || !strings.Contains(v, "E      exercises") {
		t.Errorf("the lab's help does not list E:\n%s", v)
	}
}

// TestExerciseStartWritesTheScaffoldAndNeverOverwrites: s writes the task
// and the scaffold, records the start; a second s leaves the learner's
// edits alone.
func TestExerciseStartWritesTheScaffoldAndNeverOverwrites(t *testing.T) {
	store := progress.Open(t.TempDir())
	d := &driver{t: t, m: newTestApp(t, true, store)}
	d.m.c.noTimers = true
	d.run(d.m.Init(), 0)
	d.send(resizeTo(120, 36))
	x := openExercise(t, d.m.c, "events-once")
	d.send(pushMsg{x})
	dir := filepath.Join(d.m.c.exercisesDir, "events-once")
	if v := flat(d.view()); !strings.Contains(v, flat("Not started: s writes the task and the scaffold into "+dir)) {
		t.Fatalf("the screen does not say where it would start:\n%s", ansi.Strip(d.view()))
	}
	d.keys("s")
	for _, f := range []string{"README.md", "once.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("s did not write %s: %v", f, err)
		}
	}
	if v := flat(d.view()); !strings.Contains(v, flat("Your files: "+dir)) || !strings.Contains(v, "●started") {
		t.Errorf("after s the screen does not show the files:\n%s", ansi.Strip(d.view()))
	}
	mine := []byte("// mine\nmodule.exports = { once() {} };\n")
	if err := os.WriteFile(filepath.Join(dir, "once.js"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	d.keys("s")
	if got, _ := os.ReadFile(filepath.Join(dir, "once.js")); !bytes.Equal(got, mine) {
		t.Errorf("a second s overwrote the learner's once.js:\n%s", got)
	}
	if v := flat(d.view()); !strings.Contains(v, flat("yours are never overwritten")) {
		t.Errorf("a second s does not say it kept the files:\n%s", ansi.Strip(d.view()))
	}
	saved, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if rec := saved.Exercises["events-once"]; rec.Status() != progress.ExerciseStarted || rec.Dir != dir {
		t.Errorf("progress after s: %+v", rec)
	}
}

// resizeTo is the message a terminal of w x h sends.
func resizeTo(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// TestExerciseChecksArriveLiveWhileCovered starts a verification of the
// untouched scaffold and covers the screen with the linked lesson at once:
// the checks keep arriving one by one (the covered screen shows some done
// and some not yet), the run is recorded in progress, and back on the
// screen every failing check shows expected, observed and its hint.
func TestExerciseChecksArriveLiveWhileCovered(t *testing.T) {
	nodetest.RequireNode(t)
	store := progress.Open(t.TempDir())
	d := newLiveDriver(t, store, 120, 36)
	x := openExercise(t, d.m.c, "events-once")
	d.send(pushMsg{x})
	d.keys("s")
	d.until("the scaffold", 10*time.Second, func() bool { return exerciseStatus(d.m.c, "events-once") == progress.ExerciseStarted })
	partial := 0
	d.after = func(msg tea.Msg) {
		if _, ok := msg.(verifyMsg); !ok || d.m.top() == screen(x) {
			return
		}
		done := 0
		for _, r := range x.rows {
			if r.state == checkDone {
				done++
			}
		}
		if x.run != nil && done > 0 && done < len(x.rows) {
			partial++
		}
	}
	d.keys("v", "o")
	d.until("o to open the linked lesson", 10*time.Second, func() bool {
		r, ok := d.m.top().(*reader)
		return ok && r.lesson.ID == "q12"
	})
	d.until("the verification to end", verifyLimit, func() bool { return x.run == nil && (x.report != nil || x.runErr != nil) })
	if x.runErr != nil {
		t.Fatalf("verify: %v", x.runErr)
	}
	if partial == 0 {
		t.Error("no check result arrived on its own while the screen was covered: the results came all at once")
	}
	failed := 0
	for _, r := range x.rows {
		if r.state != checkDone {
			t.Errorf("check %q never arrived", r.name)
		}
		if !r.res.Pass {
			failed++
		}
	}
	if failed == 0 || x.report.Passed {
		t.Fatal("the untouched scaffold passed")
	}
	d.keys("q")
	if d.m.top() != screen(x) {
		t.Fatalf("back from the lesson: %T", d.m.top())
	}
	text := strings.Join(x.checks.lines, "\n")
	for _, want := range []string{"✗ rejects when 'error' comes first", "expected", "observed", "hint", "checks fail"} {
		if !strings.Contains(ansi.Strip(text), want) {
			t.Errorf("the checks pane lacks %q:\n%s", want, ansi.Strip(text))
		}
	}
	d.until("the progress file", 10*time.Second, func() bool {
		saved, _, err := store.Load()
		return err == nil && saved.Exercises["events-once"] != nil && saved.Exercises["events-once"].Verifies == 1
	})
	d.keys("q")
	d.m.c.chores.finish(10 * time.Second)
	requireNothingLeft(t)
}

// TestExerciseHintsComeOneAtATimeAndAreRemembered: h shows the next hint
// only, the count is saved, and a new session shows the hints seen.
func TestExerciseHintsComeOneAtATimeAndAreRemembered(t *testing.T) {
	store := progress.Open(t.TempDir())
	d := &driver{t: t, m: newTestApp(t, true, store)}
	d.m.c.noTimers = true
	d.run(d.m.Init(), 0)
	d.send(resizeTo(100, 30))
	x := openExercise(t, d.m.c, "events-once")
	d.send(pushMsg{x})
	total := len(x.ex.Hints)
	if total < 3 {
		t.Fatalf("events-once has %d hints", total)
	}
	pane := func() string { return ansi.Strip(strings.Join(x.checks.lines, "\n")) }
	for n := 1; n <= total; n++ {
		d.keys("h")
		if !strings.Contains(pane(), "Hint "+itoa(n)+" of "+itoa(total)) || strings.Contains(pane(), "Hint "+itoa(n+1)+" of") {
			t.Fatalf("after %d h the pane shows:\n%s", n, pane())
		}
		// The new hint is in view.
		if !strings.Contains(ansi.Strip(x.checks.view()), "Hint "+itoa(n)+" of") {
			t.Errorf("hint %d is not scrolled into view:\n%s", n, ansi.Strip(x.checks.view()))
		}
		if got := d.m.c.progress.Exercises["events-once"].GetHints(); got != n {
			t.Errorf("after %d h progress counts %d hints", n, got)
		}
	}
	d.keys("h")
	if v := flat(d.view()); !strings.Contains(v, flat("that was the last hint")) {
		t.Errorf("h after the last hint does not say so:\n%s", ansi.Strip(d.view()))
	}
	d.keys("q")
	saved, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := saved.Exercises["events-once"].GetHints(); got != total {
		t.Fatalf("saved hints: %d, want %d", got, total)
	}
	d2 := &driver{t: t, m: newTestApp(t, true, store)}
	d2.m.c.noTimers = true
	d2.run(d2.m.Init(), 0)
	d2.send(resizeTo(100, 30))
	x2 := openExercise(t, d2.m.c, "events-once")
	d2.send(pushMsg{x2})
	if p := ansi.Strip(strings.Join(x2.checks.lines, "\n")); !strings.Contains(p, "Hint "+itoa(total)+" of") {
		t.Errorf("a new session does not show the hints seen:\n%s", p)
	}
}

// TestExerciseWatchReverifiesOnSave turns watch on (it verifies at once),
// writes the reference solution into the directory as a learner's editor
// would, and waits for the verification that save triggers: every check
// passes, the pass is in progress and on the home screen. Turning watch
// off, and leaving the screen with it on, leave no watcher goroutine and
// no process.
func TestExerciseWatchReverifiesOnSave(t *testing.T) {
	nodetest.RequireNode(t)
	store := progress.Open(t.TempDir())
	d := newLiveDriver(t, store, 120, 36)
	x := openExercise(t, d.m.c, "events-once")
	d.send(pushMsg{x})
	d.keys("s")
	d.until("the scaffold", 10*time.Second, func() bool { return exerciseStatus(d.m.c, "events-once") == progress.ExerciseStarted })
	d.keys("w")
	d.until("watch to verify", verifyLimit, func() bool {
		return x.watch != nil && x.watch.w != nil && x.trigger == "watch on" && x.run == nil && x.report != nil
	})
	if x.report.Passed {
		t.Fatal("the scaffold passed")
	}
	if v := ansi.Strip(d.view()); !strings.Contains(v, "watching") {
		t.Errorf("the screen does not say it is watching:\n%s", v)
	}
	writeFiles(t, x.dir, x.ex.Solution)
	d.until("the save to be verified", verifyLimit, func() bool {
		return strings.HasPrefix(x.trigger, "saved: ") && x.run == nil && x.report != nil && x.report.Passed
	})
	if !strings.Contains(x.trigger, "once.js") {
		t.Errorf("the run says it was started by %q", x.trigger)
	}
	if exerciseStatus(d.m.c, "events-once") != progress.ExercisePassed {
		t.Error("the pass is not in progress")
	}
	d.keys("w")
	if x.watch != nil {
		t.Fatal("w did not turn watch off")
	}
	d.m.c.chores.finish(10 * time.Second)
	requireNothingLeft(t)

	d.keys("w")
	d.until("watch on again", verifyLimit, func() bool { return x.watch != nil && x.watch.w != nil && x.run == nil })
	d.keys("q")
	if _, ok := d.m.top().(*home); !ok {
		t.Fatalf("q went to %T", d.m.top())
	}
	if v := ansi.Strip(d.view()); !strings.Contains(v, "1 of "+itoa(len(d.m.c.exercises.All()))+" passed") {
		t.Errorf("home does not count the pass:\n%s", v)
	}
	d.m.c.chores.finish(10 * time.Second)
	requireNothingLeft(t)
	d.until("the progress file", 10*time.Second, func() bool {
		saved, _, err := store.Load()
		return err == nil && saved.Exercises["events-once"].Status() == progress.ExercisePassed
	})
}

// hangingOnce loads, then keeps its process alive: the load check runs
// until its time limit unless it is stopped.
var hangingOnce = []byte("setInterval(() => {}, 1000);\nmodule.exports = { once() {} };\n")

// TestExerciseVerifyIsCancelledOnLeaveAndQuit: a verification whose code
// never ends is stopped when the screen closes, and when the app quits;
// the exit waits for it, and nothing of it is left in /proc.
func TestExerciseVerifyIsCancelledOnLeaveAndQuit(t *testing.T) {
	nodetest.RequireNode(t)
	d := newLiveDriver(t, nil, 100, 30)
	x := openExercise(t, d.m.c, "events-once")
	writeFiles(t, x.dir, []exercise.File{{Name: "once.js", Data: hangingOnce}})
	d.send(pushMsg{x})
	running := func() bool { return len(childProcesses(os.Getpid())) > 0 && len(sandbox.Alive()) > 0 }
	d.keys("v")
	d.until("the learner's code to run", 30*time.Second, running)
	start := time.Now()
	d.keys("q")
	if x.run != nil {
		t.Error("leaving did not cancel the verification")
	}
	if !d.m.c.chores.finish(10 * time.Second) {
		t.Fatal("the verification did not stop within 10 s of leaving")
	}
	requireNothingLeft(t)
	t.Logf("stopped %v after leaving", time.Since(start).Round(time.Millisecond))

	x = openExercise(t, d.m.c, "events-once")
	d.send(pushMsg{x})
	d.keys("v")
	d.until("the learner's code to run again", 30*time.Second, running)
	d.send(stopMsg{}) // what SIGTERM becomes
	d.until("the app to quit", 20*time.Second, func() bool { return d.quit })
	requireNothingLeft(t)
	if d.m.c.ctx.Err() == nil {
		t.Error("the app's context is live after quitting")
	}
}

// TestExerciseLongOutputIsBoundedAndWrapped: a check that observed 100 KB
// of output with escape sequences and very long lines is drawn within the
// pane's width, in a bounded number of lines, with the escapes removed.
func TestExerciseLongOutputIsBoundedAndWrapped(t *testing.T) {
	d := newDriver(t, true, 80, 24)
	d.m.c.nodeJudged = true // an old node's notice is TestOldNodeNoticeOncePerSession's
	x := openExercise(t, d.m.c, "events-once")
	d.send(pushMsg{x})
	var noisy strings.Builder
	for i := range 2000 {
		noisy.WriteString("\x1b[31mred\x1b[0m \x1b]0;pwned\x07 line " + itoa(i) + " " + strings.Repeat("x", 120) + "\r\n")
	}
	x.rows[1].state = checkDone
	x.rows[1].res = exercise.CheckResult{Name: x.rows[1].name, Expected: "[1, 2]", Observed: noisy.String(), Hint: "look at the arguments"}
	x.report = &exercise.Report{Checks: []exercise.CheckResult{{Pass: true}, x.rows[1].res}, Node: "24.0.0"}
	x.layout()
	w := x.checksW - 4
	var detail int
	for _, l := range x.checks.lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("a line is %d wide in a pane %d wide: %q", n, w, ansi.Strip(l))
		}
		if strings.Contains(l, "\x1b]") || strings.Contains(l, "\x1b[31m") || strings.Contains(l, "\r") {
			t.Errorf("the learner's escape sequences reached the screen: %q", l)
		}
		if strings.Contains(l, "line ") {
			detail++
		}
	}
	if detail == 0 || len(x.checks.lines) > 80 {
		t.Errorf("the observed output took %d lines (%d of it shown)", len(x.checks.lines), detail)
	}
	if all := ansi.Strip(strings.Join(x.checks.lines, "\n")); !strings.Contains(all, "cut") || !strings.Contains(all, "look at the arguments") {
		t.Errorf("the cut is not said, or the hint is lost:\n%s", all)
	}
	checkFrame(t, d.view(), 80, 24)
}

// TestEveryExerciseScreenDraws opens the screen of every exercise the real
// catalog has (other topics' included) at two sizes: the task renders, the
// checks are listed, and the frame fits.
func TestEveryExerciseScreenDraws(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{80, 24}, {140, 40}} {
		d := newDriver(t, true, size[0], size[1])
		d.m.c.nodeJudged = true // an old node's notice is TestOldNodeNoticeOncePerSession's
		d.m.c.exercises = cat
		for _, e := range cat.All() {
			x := newExerciseScreen(d.m.c, e)
			d.send(pushMsg{x})
			checkFrame(t, d.view(), size[0], size[1])
			if x.readme == nil || len(x.rows) != len(e.CheckNames()) || len(x.rows) < 2 {
				t.Errorf("%s at %v: task rendered %v, %d check rows", e.ID, size, x.readme != nil, len(x.rows))
			}
			d.keys("tab")
			checkFrame(t, d.view(), size[0], size[1])
			d.keys("q")
		}
	}
}

// TestExerciseSolutionAsksFirst: S shows what writing the reference
// solution would replace and waits for a second S; any other key cancels.
// The learner's file is backed up, and revealing before a pass is noted.
func TestExerciseSolutionAsksFirst(t *testing.T) {
	d := newDriver(t, true, 100, 30)
	d.m.c.nodeJudged = true // an old node's notice is TestOldNodeNoticeOncePerSession's
	x := openExercise(t, d.m.c, "events-once")
	d.send(pushMsg{x})
	d.keys("s")
	mine := []byte("// mine\n")
	writeFiles(t, x.dir, []exercise.File{{Name: "once.js", Data: mine}})
	d.keys("S")
	if v := flat(d.view()); !strings.Contains(v, flat("You have not passed yet. S again writes the reference solution")) || !strings.Contains(v, "once.js") {
		t.Fatalf("S does not ask first:\n%s", ansi.Strip(d.view()))
	}
	d.keys("j") // cancels
	if x.plan != nil {
		t.Fatal("another key did not cancel")
	}
	if got, _ := os.ReadFile(filepath.Join(x.dir, "once.js")); !bytes.Equal(got, mine) {
		t.Fatal("the solution was written without a second S")
	}
	d.keys("S", "S")
	got, _ := os.ReadFile(filepath.Join(x.dir, "once.js"))
	if !bytes.Equal(got, x.ex.Solution[0].Data) {
		t.Errorf("S S did not write the reference solution:\n%s", got)
	}
	if v := flat(d.view()); !strings.Contains(v, exercise.BackupDir) {
		t.Errorf("the screen does not say where the learner's version went:\n%s", ansi.Strip(d.view()))
	}
	if !d.m.c.progress.Exercises["events-once"].Revealed {
		t.Error("revealing before a pass is not in progress")
	}
}

// TestExerciseFlowWithTeatest drives the real program: home, Exercises,
// the first events exercise, start it, ask for a hint, quit; then checks
// what was saved.
func TestExerciseFlowWithTeatest(t *testing.T) {
	store := progress.Open(t.TempDir())
	m := newTestApp(t, true, store)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 36))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	waitFor("LESSONS")
	tm.Send(keyMsg("G"))
	tm.Send(keyMsg("k"))
	tm.Send(keyMsg("enter"))
	waitFor("EVENTS")
	for range 3 { // past the three modules exercises
		tm.Send(keyMsg("j"))
	}
	tm.Send(keyMsg("enter"))
	waitFor("Not started")
	tm.Send(keyMsg("s"))
	waitFor("Your files")
	tm.Send(keyMsg("h"))
	waitFor("Hint 1 of")
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	final := tm.FinalModel(t).(*Model)
	x, ok := final.stack[len(final.stack)-1].(*exerciseScreen)
	if !ok {
		t.Fatalf("the top screen is %T", final.stack[len(final.stack)-1])
	}
	saved, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	rec := saved.Exercises[x.ex.ID]
	if rec.Status() != progress.ExerciseStarted || rec.Hints != 1 || rec.Dir != x.dir {
		t.Errorf("saved for %s: %+v", x.ex.ID, rec)
	}
	if x.ex.Topic != "events" {
		t.Errorf("the fourth exercise is %s (%s), not the first events one", x.ex.ID, x.ex.Topic)
	}
}

// TestVerifyBeforeStartSaysHowToStart: v on an exercise never started
// explains what s does instead of listing failures.
func TestVerifyBeforeStartSaysHowToStart(t *testing.T) {
	d := newLiveDriver(t, nil, 100, 30)
	x := openExercise(t, d.m.c, "events-once")
	d.send(pushMsg{x})
	d.keys("v")
	d.until("the verification to end", 20*time.Second, func() bool { return x.run == nil && x.runErr != nil })
	pane := flat(strings.Join(x.checks.lines, "\n"))
	if !strings.Contains(pane, flat("The exercise is not started: s writes the task and the scaffold into "+x.dir)) {
		t.Errorf("the checks pane says:\n%s", ansi.Strip(strings.Join(x.checks.lines, "\n")))
	}
	for _, r := range x.rows {
		if r.state != checkPending {
			t.Errorf("check %q is shown as %d, not waiting", r.name, r.state)
		}
	}
}
