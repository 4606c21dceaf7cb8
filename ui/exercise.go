package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/lessons/render"
)

// From this width the task and the checks sit side by side.
const exerciseWide = 110

const (
	paneTask = iota
	paneChecks
)

type checkState int

const (
	checkPending checkState = iota
	checkRunning
	checkDone
	checkNotRun
)

// checkRow is one check as the screen shows it.
type checkRow struct {
	name  string
	state checkState
	res   exercise.CheckResult
}

// Results of the exercise screen's background work.
type (
	exerciseRenderedMsg struct {
		to
		key  docKey
		text []byte
		err  error
	}
	exerciseStartedMsg struct {
		to
		dir string
		res exercise.WriteResult
		err error
	}
	solutionPlanMsg struct {
		to
		plan *exercise.SolutionPlan
		err  error
	}
	solutionWrittenMsg struct {
		to
		dir, backup string
		err         error
	}
)

// exerciseScreen is one exercise: the task (its README, rendered), where
// the learner's files are, the checks as they run, hints on demand, and
// watch mode, which verifies again on every save.
type exerciseScreen struct {
	addr
	c    *common
	keys ExerciseKeys
	ex   *exercise.Exercise
	dir  string

	// The task (the README, its list items on one line each) and its
	// rendering by glamour in a Cmd.
	md      []byte
	doc     docKey
	pending *docKey
	readme  []string

	task, checks scrollPane
	focus        int

	rows []checkRow
	// gen counts verifications, so steps of an old one are dropped.
	gen    int
	run    *verifyRun
	report *exercise.Report
	runErr error
	// What started the last verification, and when.
	trigger string
	ranAt   time.Time

	watch    *watching
	watchGen int

	// plan is the reference solution waiting for a second S.
	plan *exercise.SolutionPlan

	// Layout, worked out by layout().
	header         []string
	wide           bool
	taskW, checksW int
	paneH          int
	hintLine       int
}

func newExerciseScreen(c *common, e *exercise.Exercise) *exerciseScreen {
	x := &exerciseScreen{addr: c.newAddr(), c: c, keys: c.keys.Exercise, ex: e, dir: exerciseDir(c, e), md: joinListLines(e.README)}
	x.resetRows()
	return x
}

func (x *exerciseScreen) resetRows() {
	x.rows = x.rows[:0]
	for _, n := range x.ex.CheckNames() {
		x.rows = append(x.rows, checkRow{name: n})
	}
}

func (x *exerciseScreen) Init() tea.Cmd { return nil }

// Resize lays the screen out and asks for the task at the pane's width.
func (x *exerciseScreen) Resize() tea.Cmd {
	x.layout()
	return x.renderTask()
}

// Leave stops a verification in progress and the watcher; the app's exit
// waits until the checks' processes and the watcher are gone.
func (x *exerciseScreen) Leave() tea.Cmd {
	return tea.Batch(x.stopVerify(), x.stopWatch())
}

// Back cancels a pending solution before leaving.
func (x *exerciseScreen) Back() (tea.Cmd, bool) {
	if x.plan != nil {
		x.plan = nil
		x.layout()
		return nil, true
	}
	return nil, false
}

func (x *exerciseScreen) renderTask() tea.Cmd {
	want := docKey{width: max(x.taskW-5, render.MinWidth), style: x.c.styles.Markdown}
	if want == x.doc && x.readme != nil || x.pending != nil && *x.pending == want {
		return nil
	}
	x.pending = &want
	md, rend, mail := x.md, x.c.renderer, x.mail()
	return func() tea.Msg {
		out, err := rend.Render(md, want.width, want.style)
		return exerciseRenderedMsg{to: mail, key: want, text: out, err: err}
	}
}

func (x *exerciseScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case stylesChangedMsg:
		x.layout()
		return x.renderTask()
	case resumedMsg:
		x.layout()
	case exerciseRenderedMsg:
		if x.pending == nil || msg.key != *x.pending {
			return nil // for an old size
		}
		x.pending = nil
		if msg.err != nil {
			return reportError(msg.err)
		}
		x.doc = msg.key
		x.readme = strings.Split(strings.TrimRight(string(msg.text), "\n"), "\n")
		x.layout()
	case verifyMsg:
		return x.verifyStep(msg)
	case watchStartedMsg:
		return x.watchStarted(msg)
	case watchChangedMsg:
		return x.watchChanged(msg)
	case exerciseStartedMsg:
		return x.started(msg)
	case solutionPlanMsg:
		return x.solutionPlanned(msg)
	case solutionWrittenMsg:
		return x.solutionWritten(msg)
	case tea.KeyPressMsg:
		return x.key(msg)
	case tea.MouseWheelMsg:
		x.pane().wheel(msg)
	}
	return nil
}

func (x *exerciseScreen) pane() *scrollPane {
	if x.focus == paneChecks {
		return &x.checks
	}
	return &x.task
}

func (x *exerciseScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := x.keys
	if x.plan != nil {
		// S again confirms the solution; any other key cancels it and
		// does what it does.
		plan := x.plan
		x.plan = nil
		x.layout()
		if key.Matches(msg, k.Solution) {
			return x.applySolution(plan)
		}
	}
	switch {
	case key.Matches(msg, k.Start):
		return x.start()
	case key.Matches(msg, k.Verify):
		return x.verify("")
	case key.Matches(msg, k.Watch):
		if x.watch != nil {
			return tea.Batch(x.stopWatch(), info("watch off"))
		}
		return x.startWatching()
	case key.Matches(msg, k.Hint):
		return x.hint()
	case key.Matches(msg, k.Solution):
		return x.planSolution()
	case key.Matches(msg, k.Lesson):
		if len(x.ex.Lessons) == 0 {
			return info(x.ex.ID + " links no lesson section")
		}
		l := x.ex.Lessons[0]
		return openLessonAt(x.c, l.Lesson, l.Section)
	case key.Matches(msg, k.Pane):
		x.focus = 1 - x.focus
	default:
		x.pane().key(x.c.keys, msg)
	}
	return nil
}

// start writes the task and the scaffold into the exercise's directory;
// files already there are the learner's and are left alone.
func (x *exerciseScreen) start() tea.Cmd {
	e, dir, mail := x.ex, x.dir, x.mail()
	return func() tea.Msg {
		res, err := e.WriteStarter(dir)
		return exerciseStartedMsg{to: mail, dir: dir, res: res, err: err}
	}
}

func (x *exerciseScreen) started(msg exerciseStartedMsg) tea.Cmd {
	if msg.err != nil {
		return reportError(fmt.Errorf("cannot start %s in %s: %w", x.ex.ID, msg.dir, msg.err))
	}
	id, dir, now := x.ex.ID, msg.dir, x.c.now()
	save := x.c.saveProgress(func(p *progress.Progress) { p.StartExercise(id, dir, now) })
	x.layout()
	text := fmt.Sprintf("wrote %s into %s: edit them, then v verifies (w: on every save)", strings.Join(msg.res.Written, ", "), dir)
	if len(msg.res.Written) == 0 {
		text = "every file is already there (yours are never overwritten): edit them, then v verifies"
	} else if len(msg.res.Kept) > 0 {
		text += fmt.Sprintf("; left yours alone: %s", strings.Join(msg.res.Kept, ", "))
	}
	return tea.Batch(save, success(text))
}

// verify starts a verification, cancelling one in progress (its processes
// are stopped, and the app's exit waits for that).
func (x *exerciseScreen) verify(trigger string) tea.Cmd {
	stop := x.stopVerify()
	x.gen++
	run, cmd := startVerify(x.c.ctx, x.ex, x.dir, x.c.cacheDir, x.mail(), x.gen)
	x.run = run
	x.trigger, x.ranAt = trigger, x.c.now()
	x.report, x.runErr = nil, nil
	x.resetRows()
	x.checks.off = 0
	if !x.wide {
		x.focus = paneChecks
	}
	x.layout()
	return tea.Batch(stop, cmd, x.c.nodeNotice())
}

func (x *exerciseScreen) stopVerify() tea.Cmd {
	if x.run == nil {
		return nil
	}
	wait := x.run.stop()
	x.run = nil
	return x.c.chore(wait)
}

// verifyStep applies one step of the current verification.
func (x *exerciseScreen) verifyStep(msg verifyMsg) tea.Cmd {
	if x.run == nil || msg.gen != x.run.gen || !msg.ok {
		return nil
	}
	ev := msg.ev
	switch {
	case ev.progress != "":
		return tea.Batch(x.run.next(x.mail()), info(ev.progress))
	case ev.started != "":
		x.setRow(ev.started, checkRunning, exercise.CheckResult{})
	case ev.result != nil:
		x.setRow(ev.result.Name, checkDone, *ev.result)
	case ev.final:
		x.run = nil
		defer x.layout()
		return x.finished(ev.report, ev.err)
	}
	x.layout()
	return x.run.next(x.mail())
}

func (x *exerciseScreen) setRow(name string, st checkState, res exercise.CheckResult) {
	for i := range x.rows {
		if x.rows[i].name == name {
			x.rows[i].state, x.rows[i].res = st, res
			return
		}
	}
	// A check the list did not name (it cannot happen with one catalog,
	// but a row is better than a lost result).
	x.rows = append(x.rows, checkRow{name: name, state: st, res: res})
}

// finished records a verification in progress, like `nodedive verify`.
func (x *exerciseScreen) finished(r *exercise.Report, err error) tea.Cmd {
	if err != nil {
		x.runErr = err
		x.resetRows()
		return nil
	}
	x.report = r
	for i := range x.rows {
		if x.rows[i].state != checkDone {
			x.rows[i].state = checkNotRun
		}
	}
	id, dir, passed, now := x.ex.ID, r.Dir, r.Passed, x.c.now()
	first := passed && exerciseStatus(x.c, id) != progress.ExercisePassed
	save := x.c.saveProgress(func(p *progress.Progress) { p.RecordVerify(id, dir, passed, now) })
	if first {
		return tea.Batch(save, success(fmt.Sprintf("All %d checks pass: %s passed! S writes the reference solution to compare with", len(r.Checks), id)))
	}
	return save
}

func (x *exerciseScreen) startWatching() tea.Cmd {
	x.watchGen++
	x.watch = &watching{gen: x.watchGen, stop: make(chan struct{})}
	x.layout()
	return startWatch(x.dir, x.mail(), x.watchGen)
}

func (x *exerciseScreen) watchStarted(msg watchStartedMsg) tea.Cmd {
	if x.watch == nil || msg.gen != x.watch.gen {
		if f := msg.release(); f != nil {
			return x.c.chore(f) // watch was turned off meanwhile
		}
		return nil
	}
	if msg.err != nil {
		x.watch = nil
		x.layout()
		if errors.Is(msg.err, fs.ErrNotExist) {
			return warn(fmt.Sprintf("%s is not there yet: s starts the exercise, then w watches it", x.dir))
		}
		return reportError(fmt.Errorf("cannot watch %s: %w", x.dir, msg.err))
	}
	x.watch.w = msg.w
	// Like `nodedive watch`: verify now, then on every save.
	return tea.Batch(nextChange(msg.w, x.watch.stop, x.mail(), msg.gen), x.verify("watch on"))
}

func (x *exerciseScreen) watchChanged(msg watchChangedMsg) tea.Cmd {
	if x.watch == nil || x.watch.w == nil || msg.gen != x.watch.gen {
		return nil
	}
	next := nextChange(x.watch.w, x.watch.stop, x.mail(), msg.gen)
	if msg.err != nil {
		return tea.Batch(next, info("watching: "+msg.err.Error()))
	}
	return tea.Batch(next, x.verify("saved: "+strings.Join(msg.files, ", ")))
}

func (x *exerciseScreen) stopWatch() tea.Cmd {
	if x.watch == nil {
		return nil
	}
	closeIt := x.watch.end()
	x.watch = nil
	x.layout()
	if closeIt == nil {
		return nil
	}
	return x.c.chore(closeIt)
}

// hint reveals the next hint and remembers it.
func (x *exerciseScreen) hint() tea.Cmd {
	total := len(x.ex.Hints)
	if total == 0 {
		return info(x.ex.ID + " has no hints")
	}
	x.focus = paneChecks
	if x.hintsShown() >= total {
		x.layout()
		x.checks.show(x.hintLine)
		return info("that was the last hint: S writes the reference solution (your files are backed up first)")
	}
	id := x.ex.ID
	save := x.c.saveProgress(func(p *progress.Progress) { p.RevealHint(id, total) })
	x.layout()
	x.checks.show(x.hintLine)
	return save
}

func (x *exerciseScreen) hintsShown() int {
	return min(x.c.progress.Exercises[x.ex.ID].GetHints(), len(x.ex.Hints))
}

func (x *exerciseScreen) planSolution() tea.Cmd {
	e, dir, mail := x.ex, x.dir, x.mail()
	return func() tea.Msg {
		plan, err := e.PlanSolution(dir)
		return solutionPlanMsg{to: mail, plan: plan, err: err}
	}
}

func (x *exerciseScreen) solutionPlanned(msg solutionPlanMsg) tea.Cmd {
	if msg.err != nil {
		return reportError(msg.err)
	}
	if len(msg.plan.Create)+len(msg.plan.Replace) == 0 {
		return info("your files already are the reference solution")
	}
	x.plan = msg.plan
	x.layout()
	return nil
}

func (x *exerciseScreen) applySolution(plan *exercise.SolutionPlan) tea.Cmd {
	e, mail := x.ex, x.mail()
	return func() tea.Msg {
		backup, err := e.ApplySolution(plan)
		return solutionWrittenMsg{to: mail, dir: plan.Dir, backup: backup, err: err}
	}
}

func (x *exerciseScreen) solutionWritten(msg solutionWrittenMsg) tea.Cmd {
	if msg.err != nil {
		return reportError(fmt.Errorf("writing the reference solution: %w", msg.err))
	}
	var save tea.Cmd
	if exerciseStatus(x.c, x.ex.ID) != progress.ExercisePassed {
		id := x.ex.ID
		save = x.c.saveProgress(func(p *progress.Progress) { p.Exercise(id).Revealed = true })
	}
	text := "wrote the reference solution into " + msg.dir
	if msg.backup != "" {
		return tea.Batch(save, warn(text+"; your versions are in "+msg.backup))
	}
	return tea.Batch(save, success(text))
}

// layout works out the header, the panes' sizes and their lines for the
// current size and state. It runs after every change; View only draws.
func (x *exerciseScreen) layout() {
	w, h := x.c.width, x.c.bodyHeight()
	x.wide = w >= exerciseWide
	x.taskW, x.checksW = w, w
	if x.wide {
		x.taskW = w / 2
		x.checksW = w - x.taskW - 1
	}
	x.header = x.headerLines(w, max(h/3, 1))
	x.paneH = max(h-len(x.header), 0)
	x.task.resize(x.paneH - 2)
	x.checks.resize(x.paneH - 2)
	x.task.set(x.taskLines(max(x.taskW-4, 1)))
	x.checks.set(x.checkLines(max(x.checksW-4, 1)))
}

// headerLines say where the learner's files are and how things stand, in
// at most n lines.
func (x *exerciseScreen) headerLines(w, n int) []string {
	s := x.c.styles
	status := exerciseStatus(x.c, x.ex.ID)
	var where string
	if status == progress.ExerciseNew {
		where = s.Warning.Render("Not started: s writes the task and the scaffold into ") + x.dir
	} else {
		var names []string
		for _, f := range x.ex.Scaffold {
			names = append(names, f.Name)
		}
		where = s.Muted.Render("Your files: ") + x.dir + s.Muted.Render("  ("+strings.Join(names, ", ")+")")
	}
	state := statusLabel(s, status) + s.Muted.Render(" · ") + x.runState()
	if x.watch != nil {
		state += s.Muted.Render(" · ") + s.Accent.Render("watching: every save verifies again")
	}
	lines := wrapLines([]string{where, state}, max(w, 1))
	if p := x.plan; p != nil {
		what := "writes the reference solution into " + p.Dir
		if len(p.Replace) > 0 {
			what += ", replacing your " + strings.Join(p.Replace, ", ") + " (copied to " + exercise.BackupDir + " first)"
		}
		if exerciseStatus(x.c, x.ex.ID) != progress.ExercisePassed {
			what = "You have not passed yet. S again " + what
		} else {
			what = "S again " + what
		}
		lines = append(lines, wrapLines([]string{s.Warning.Render(what + ". Any other key cancels.")}, max(w, 1))...)
	}
	if len(lines) > n {
		lines = lines[:n]
	}
	return lines
}

// runState says what the checks are doing or last found.
func (x *exerciseScreen) runState() string {
	s := x.c.styles
	switch {
	case x.run != nil:
		done := 0
		for _, r := range x.rows {
			if r.state == checkDone {
				done++
			}
		}
		return s.Warning.Render(fmt.Sprintf("checking %d/%d…", min(done+1, len(x.rows)), len(x.rows)))
	case x.runErr != nil:
		return s.Danger.Render("could not verify")
	case x.report == nil:
		return s.Muted.Render("v runs the checks")
	case x.report.Passed:
		return s.Success.Render(fmt.Sprintf("all %d checks pass on node %s", len(x.report.Checks), x.report.Node))
	case !x.report.Loads():
		return s.Danger.Render("your code does not load")
	}
	r := x.report
	return s.Danger.Render(fmt.Sprintf("%d of %d checks pass", len(r.Checks)-r.Failed(), len(r.Checks)+r.NotRun)) +
		s.Muted.Render(" on node "+r.Node)
}

// taskLines are the lesson links, then the README as rendered.
func (x *exerciseScreen) taskLines(w int) []string {
	s := x.c.styles
	var lines []string
	for i, l := range x.ex.Lessons {
		title := l.Section
		if ls, err := x.c.course.Find(l.Lesson); err == nil {
			if n, err := ls.FindSection(l.Section); err == nil {
				title = ls.Sections[n].Title
			}
		}
		label := "See also: "
		if i == 0 {
			label = "Read first (o): "
		}
		lines = append(lines, wrapLines([]string{s.Muted.Render(label) + s.Accent.Render(l.Lesson+" › "+title)}, w)...)
	}
	if x.readme == nil {
		return append(lines, "", s.Muted.Render("Rendering the task…"))
	}
	return append(lines, x.readme...)
}

// checkLines are the checks (each as it finishes, with expected, observed
// and hint when it fails), the verdict, and the hints shown so far.
func (x *exerciseScreen) checkLines(w int) []string {
	s := x.c.styles
	var lines []string
	if x.trigger != "" || !x.ranAt.IsZero() {
		note := "run at " + clock(x.ranAt)
		if x.trigger != "" {
			note += " · " + x.trigger
		}
		lines = append(lines, ansi.Truncate(s.Muted.Render(note), w, "…"))
	}
	for _, r := range x.rows {
		lines = append(lines, x.rowLines(r, w)...)
	}
	lines = append(lines, "")
	lines = append(lines, x.verdictLines(w)...)

	lines = append(lines, "")
	shown, total := x.hintsShown(), len(x.ex.Hints)
	x.hintLine = len(lines)
	switch {
	case total == 0:
	case shown == 0:
		lines = append(lines, wrapLines([]string{s.Muted.Render(fmt.Sprintf("Stuck? h shows a hint (%d, from a nudge to nearly the answer).", total))}, w)...)
	default:
		for i := range shown {
			if i == shown-1 {
				x.hintLine = len(lines)
			}
			lines = append(lines, s.Accent.Render(fmt.Sprintf("Hint %d of %d", i+1, total)))
			lines = append(lines, wrapIndent("  ", clean(strings.ReplaceAll(x.ex.Hints[i], "**", "")), w)...)
			lines = append(lines, "")
		}
		more := fmt.Sprintf("h: hint %d", shown+1)
		if shown >= total {
			more = "That was the last hint; S writes the reference solution (yours are backed up first)."
		}
		lines = append(lines, wrapLines([]string{s.Muted.Render(more)}, w)...)
	}
	return lines
}

func (x *exerciseScreen) rowLines(r checkRow, w int) []string {
	s := x.c.styles
	switch r.state {
	case checkRunning:
		return wrapIndent(s.Warning.Render("▸ "), r.name+s.Muted.Render("  running…"), w)
	case checkNotRun:
		return wrapIndent(s.Muted.Render("– "), s.Muted.Render(r.name+" (not run)"), w)
	case checkPending:
		return wrapIndent(s.Muted.Render("· "), s.Muted.Render(r.name), w)
	}
	if r.res.Pass {
		return wrapIndent(s.Success.Render("✓ "), r.name, w)
	}
	lines := wrapIndent(s.Danger.Render("✗ "), s.Danger.Render(r.name), w)
	lines = append(lines, detailLines(s, "expected", r.res.Expected, w)...)
	lines = append(lines, detailLines(s, "observed", r.res.Observed, w)...)
	if r.res.Hint != "" {
		lines = append(lines, detailLines(s, "hint", r.res.Hint, w)...)
	}
	return lines
}

func (x *exerciseScreen) verdictLines(w int) []string {
	s := x.c.styles
	var text string
	switch {
	case x.runErr != nil && errors.Is(x.runErr, exercise.ErrNotStarted):
		text = s.Warning.Render("The exercise is not started: s writes the task and the scaffold into " + x.dir)
	case x.runErr != nil:
		text = s.Danger.Render("Could not verify: " + clean(x.runErr.Error()))
	case x.run != nil:
		text = s.Muted.Render("Checks run your code on node, each in a sandbox; leaving this screen stops them.")
	case x.report == nil:
		text = s.Muted.Render("v runs the checks on node; w runs them again on every save.")
	case x.report.Passed:
		text = s.Success.Render(fmt.Sprintf("All %d checks pass on node %s.", len(x.report.Checks), x.report.Node)) +
			s.Muted.Render(" S writes the reference solution, to compare.")
	case !x.report.Loads():
		text = s.Danger.Render(fmt.Sprintf("Your code does not load, so the other %d checks did not run.", x.report.NotRun)) +
			s.Muted.Render(" Node's error is above.")
	default:
		r := x.report
		text = s.Danger.Render(fmt.Sprintf("%d of %d checks fail.", r.Failed(), len(r.Checks))) +
			s.Muted.Render(" Each says what it expected and saw; h gives a hint.")
	}
	lines := wrapLines([]string{text}, w)
	if x.report != nil {
		for _, n := range x.report.Notes {
			lines = append(lines, wrapIndent(s.Warning.Render("Note: "), clean(n), w)...)
		}
	}
	return lines
}

func (x *exerciseScreen) View() string {
	c := x.c
	taskTitle := "Task · " + exercise.ReadmeFile
	checksTitle := "Checks"
	if x.task.more() {
		taskTitle += " ↓"
	}
	if x.checks.more() {
		checksTitle += " ↓"
	}
	if !x.wide {
		taskTitle += " · tab: checks"
		checksTitle += " · tab: task"
	}
	body := ""
	switch {
	case x.wide:
		body = joinColumns(1,
			c.panel(taskTitle, x.task.view(), x.taskW, x.paneH, x.focus == paneTask),
			c.panel(checksTitle, x.checks.view(), x.checksW, x.paneH, x.focus == paneChecks))
	case x.focus == paneTask:
		body = c.panel(taskTitle, x.task.view(), x.taskW, x.paneH, true)
	default:
		body = c.panel(checksTitle, x.checks.view(), x.checksW, x.paneH, true)
	}
	return strings.Join(append(append([]string(nil), x.header...), body), "\n")
}

func (x *exerciseScreen) Title() string   { return x.ex.ID }
func (x *exerciseScreen) Meta() string    { return x.ex.Title }
func (x *exerciseScreen) Capturing() bool { return false }

func (x *exerciseScreen) ShortHelp() []key.Binding {
	k := x.keys
	if exerciseStatus(x.c, x.ex.ID) == progress.ExerciseNew {
		return []key.Binding{k.Start, k.Verify, k.Hint, k.Lesson, k.Pane}
	}
	return []key.Binding{k.Verify, k.Watch, k.Hint, k.Lesson, k.Pane}
}

func (x *exerciseScreen) FullHelp() [][]key.Binding {
	k, g := x.keys, x.c.keys
	return [][]key.Binding{
		{g.Up, g.Down, g.PageUp, g.PageDown, g.HalfUp, g.HalfDown, g.Top, g.Bottom},
		{k.Start, k.Verify, k.Watch, k.Pane},
		{k.Hint, k.Solution, k.Lesson},
	}
}
