// Package ui is nodedive's full-screen app: a home screen, the lesson
// reader, quizzes and lab dashboards. It drives everything through the
// lessons, quiz and labs packages; nothing here computes course content.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/lessons/render"
	"github.com/nodedive/nodedive/quiz"
)

// Minimum size the app draws in; smaller terminals get a short notice.
const (
	minWidth  = 24
	minHeight = 6
)

// Options configure the app.
type Options struct {
	Course   *lessons.Course
	Renderer *render.Renderer
	// Store persists progress; nil keeps it in memory (tests, read-only).
	Store    *progress.Store
	Progress *progress.Progress
	// CacheDir is where labs keep installs (npm packages); empty means a
	// directory under the system temp dir.
	CacheDir string
	// Exercises is the exercise catalog; nil means the built-in one.
	Exercises *exercise.Catalog
	// ExercisesDir is where exercises are started from the app, one
	// directory per exercise (as `nodedive exercise start` does); empty
	// means a directory under the system temp dir.
	ExercisesDir string
	// Notice is shown in the status bar at start (e.g. a recovered file).
	Notice string
	// Dark forces the background; nil asks the terminal (and assumes dark
	// until it answers, so the first frame never waits).
	Dark *bool
	Now  func() time.Time
	// Open is an optional first screen: a lesson ID (e.g. "q14").
	Open string
	// Quiz opens a quiz session first: a topic ("" for all topics) with
	// QuizMock false, or a mock interview with QuizMock true.
	Quiz     *string
	QuizMock bool
	// Input and Output are the terminal; nil means os.Stdin and os.Stdout.
	Input  io.Reader
	Output io.Writer
}

// Model is the root bubbletea model.
type Model struct {
	c        *common
	stack    []screen
	status   status
	help     help.Model
	showHelp bool
	askedBg  bool
	notice   string
	open     string
	// The quiz to open once the bank is loaded (nodedive quiz).
	quizTopic *string
	quizMock  bool

	// The one way out (see exit): quitting is set when it starts; left
	// once every screen has been left.
	cancel   context.CancelFunc
	quitting bool
	left     bool
	exitOnce sync.Once
}

// New builds the app. It does no I/O: progress comes in Options.
func New(o Options) *Model {
	dark := true
	if o.Dark != nil {
		dark = *o.Dark
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = progress.New()
	}
	if o.Renderer == nil {
		o.Renderer = render.New("")
	}
	if o.CacheDir == "" {
		o.CacheDir = filepath.Join(os.TempDir(), "nodedive-cache")
	}
	if o.ExercisesDir == "" {
		o.ExercisesDir = filepath.Join(os.TempDir(), "nodedive-exercises")
	}
	// The catalog is embedded content, parsed once per process; a failure
	// is a bug, reported when the learner opens the exercises.
	exercises, exercisesErr := o.Exercises, error(nil)
	if exercises == nil {
		exercises, exercisesErr = catalog.Load()
	}
	// The app's life is its own, not the caller's: a signal asks the app to
	// quit through its exit path rather than killing it mid-way.
	ctx, cancel := context.WithCancel(context.Background())
	c := &common{
		styles:      appStyles(dark),
		keys:        DefaultKeyMap(),
		width:       80,
		height:      24,
		footerLines: 1,
		ctx:         ctx,
		chores:      newChores(),
		course:      o.Course,
		renderer:    o.Renderer,
		progress:    o.Progress,
		now:         o.Now,
		cacheDir:    o.CacheDir,

		exercises:    exercises,
		exercisesErr: exercisesErr,
		exercisesDir: o.ExercisesDir,
	}
	if o.Store != nil {
		c.saver = &saver{store: o.Store}
	}
	m := &Model{c: c, help: help.New(), askedBg: o.Dark == nil, notice: o.Notice, open: o.Open, quizTopic: o.Quiz, quizMock: o.QuizMock, cancel: cancel}
	m.stack = []screen{newHome(c)}
	m.applyHelpStyles()
	return m
}

// stopMsg asks the app to quit from outside (a signal): it takes the same
// way out as q and ctrl+c.
type stopMsg struct{}

// Run starts the app on the terminal and blocks until it quits. When ctx
// ends (SIGINT, SIGTERM, SIGHUP) the app quits the way q does: labs are
// stopped and progress is written before Run returns. If the program ends
// any other way (the terminal is gone), Run does that clean-up itself.
func Run(ctx context.Context, o Options) error {
	m := New(o)
	opts := []tea.ProgramOption{tea.WithoutSignalHandler()} // signals arrive through ctx
	if o.Input != nil {
		opts = append(opts, tea.WithInput(o.Input))
	}
	if o.Output != nil {
		opts = append(opts, tea.WithOutput(o.Output))
	}
	p := tea.NewProgram(m, opts...)
	stop := context.AfterFunc(ctx, func() { p.Send(stopMsg{}) })
	defer stop()
	_, err := p.Run()
	if !m.left {
		m.leaveAll() // the event loop is over: nothing else touches the screens
	}
	m.exit()
	if errors.Is(err, tea.ErrInterrupted) {
		return nil
	}
	return err
}

// Init starts the first screen, loads the quiz bank and asks the terminal
// for its background.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.resizeScreen(m.top()), m.top().Init(), loadBank}
	if m.askedBg {
		// Asked, not awaited: the first frame is drawn dark at once and
		// redrawn if the terminal says it is light.
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if m.notice != "" {
		cmds = append(cmds, warn(m.notice))
	}
	if m.open != "" {
		if l, err := m.c.course.Find(m.open); err != nil {
			cmds = append(cmds, reportError(err))
		} else {
			cmds = append(cmds, push(newReader(m.c, l)))
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) top() screen { return m.stack[len(m.stack)-1] }

// find returns the open screen with address id, or nil.
func (m *Model) find(id screenID) screen {
	for _, s := range m.stack {
		if s.address() == id {
			return s
		}
	}
	return nil
}

// Update handles app-wide messages, delivers addressed ones to their
// screen and hands input to the top screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if msg, ok := msg.(addressed); ok {
		return m, m.deliver(msg)
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width, m.c.height = max(msg.Width, 0), max(msg.Height, 0)
		return m, m.relayout(true)

	case tea.BackgroundColorMsg:
		if m.c.styles.Dark == msg.IsDark() {
			return m, nil
		}
		m.c.styles = appStyles(msg.IsDark())
		m.applyHelpStyles()
		var cmds []tea.Cmd
		for _, s := range m.stack {
			cmds = append(cmds, s.Update(stylesChangedMsg{}))
		}
		return m, tea.Batch(cmds...)

	case bankLoadedMsg:
		if msg.err != nil {
			return m, reportError(fmt.Errorf("quiz bank: %w", msg.err))
		}
		m.c.bank = msg.bank
		cmds := []tea.Cmd{m.stack[0].Update(resumedMsg{})}
		if m.quizTopic != nil || m.quizMock {
			cmds = append(cmds, openQuiz(m.c, m.quizTopic, m.quizMock))
			m.quizTopic, m.quizMock = nil, false
		}
		return m, tea.Batch(cmds...)

	case infoMsg:
		cmd := m.status.set(m.c, msg)
		return m, tea.Batch(cmd, m.relayout(false))
	case clearInfoMsg:
		m.status.clear(msg.serial)
		return m, m.relayout(false)

	case progressSavedMsg:
		switch {
		case msg.err != nil:
			return m, reportError(fmt.Errorf("progress not saved: %w", msg.err))
		case msg.recovery != nil:
			return m, warn(msg.recovery.String())
		}
		return m, nil

	case pushMsg:
		if m.quitting {
			return m, nil
		}
		m.stack = append(m.stack, msg.s)
		m.showHelp = false
		return m, tea.Batch(m.resizeScreen(msg.s), msg.s.Init())

	case popMsg:
		return m, m.popScreen()

	case stopMsg:
		return m, m.quit()

	case quitMsg:
		return m, tea.Quit

	case tea.KeyPressMsg:
		if cmd, handled := m.globalKey(msg); handled {
			return m, cmd
		}
	}
	if m.quitting {
		return m, nil // on the way out: no new work
	}
	return m, m.top().Update(msg)
}

// deliver hands msg to the screen it is addressed to, wherever it is in the
// stack. Mail for a closed screen (or any, once the app is on its way out,
// when every screen has been left) is dropped, and what it holds released.
func (m *Model) deliver(msg addressed) tea.Cmd {
	if s := m.find(msg.recipient()); s != nil && !m.quitting {
		return s.Update(msg)
	}
	if r, ok := msg.(releaser); ok {
		if f := r.release(); f != nil {
			return m.c.chore(f)
		}
	}
	return nil
}

// relayout works out the footer's height and, when the body's size changed
// (or force), lets every screen lay itself out again.
func (m *Model) relayout(force bool) tea.Cmd {
	before := m.c.bodyHeight()
	m.c.footerLines = len(m.footerLines())
	if !force && m.c.bodyHeight() == before {
		return nil
	}
	var cmds []tea.Cmd
	for _, s := range m.stack {
		cmds = append(cmds, m.resizeScreen(s))
	}
	return tea.Batch(cmds...)
}

// resizeScreen calls the screen's resize hook, if it has one.
func (m *Model) resizeScreen(s screen) tea.Cmd {
	if r, ok := s.(resizer); ok {
		return r.Resize()
	}
	return nil
}

// loadBank parses the question bank in the background: the home screen
// draws without waiting for it.
func loadBank() tea.Msg {
	b, err := quiz.LoadBank()
	return bankLoadedMsg{bank: b, err: err}
}

// quitMsg ends the program once the exit's clean-up is done.
type quitMsg struct{}

// globalKey handles keys that work on every screen.
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.c.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit(), true
	case m.quitting:
		return nil, true
	case m.top().Capturing():
		return nil, false
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
		return nil, true
	case m.showHelp && key.Matches(msg, k.Back):
		m.showHelp = false
		return nil, true
	case key.Matches(msg, k.Back) && m.status.notice.text != "":
		m.status.dismiss()
		return m.relayout(false), true
	case key.Matches(msg, k.Exercises):
		if t, ok := m.top().(topical); ok {
			return openExercises(m.c, t.exerciseTopic()), true
		}
		return nil, false
	case key.Matches(msg, k.Back):
		if b, ok := m.top().(backer); ok {
			if cmd, handled := b.Back(); handled {
				return cmd, true
			}
		}
		if len(m.stack) == 1 {
			return m.quit(), true
		}
		return m.popScreen(), true
	}
	return nil, false
}

// popScreen closes the top screen, letting it save and stop first.
func (m *Model) popScreen() tea.Cmd {
	if len(m.stack) == 1 || m.quitting {
		return nil
	}
	var cmd tea.Cmd
	if l, ok := m.top().(leaver); ok {
		cmd = l.Leave()
	}
	m.stack = m.stack[:len(m.stack)-1]
	// The screen below may have been laid out for another size, and
	// progress shown on it may have changed.
	return tea.Batch(cmd, m.resizeScreen(m.top()), m.top().Update(resumedMsg{}))
}

// quit is the app's one way out, whatever asked for it (q on the home
// screen, ctrl+c, a signal): every screen is left (labs stop, places are
// queued for saving), then a Cmd waits for that and for the progress file,
// bounded, and ends the program.
func (m *Model) quit() tea.Cmd {
	if m.quitting {
		return nil
	}
	m.quitting = true
	m.showHelp = false
	cmds := append(m.leaveAll(), m.relayout(false))
	return tea.Batch(append(cmds, func() tea.Msg {
		m.exit()
		return quitMsg{}
	})...)
}

// leaveAll leaves every open screen, top first. The clean-ups they start
// are chores, which exit waits for; the Cmds returned only report.
func (m *Model) leaveAll() []tea.Cmd {
	m.left = true
	var cmds []tea.Cmd
	for i := len(m.stack) - 1; i >= 0; i-- {
		if l, ok := m.stack[i].(leaver); ok {
			cmds = append(cmds, l.Leave())
		}
	}
	return cmds
}

// Bounds of the exit: labs get this long to stop (a cluster drains its
// workers for up to 10 s), the progress file this long to be written.
const (
	exitChoresLimit = 12 * time.Second
	exitSaveLimit   = 5 * time.Second
)

// exit waits for the clean-ups and the progress file, then ends the app's
// context, which kills whatever is still running. It runs once; a second
// call waits for the first. It touches no screen, so a Cmd may run it.
func (m *Model) exit() {
	m.exitOnce.Do(func() {
		m.c.chores.finish(exitChoresLimit)
		if sv := m.c.saver; sv != nil {
			sv.wait(exitSaveLimit)
		}
		m.cancel()
	})
}

// stylesChangedMsg tells screens the palette changed (dark/light).
type stylesChangedMsg struct{}

// resumedMsg tells a screen it is on top again.
type resumedMsg struct{}

// View draws header, top screen and footer in the alternate screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "nodedive · " + m.top().Title()
	return v
}

func (m *Model) render() string {
	c := m.c
	if c.width < minWidth || c.height < minHeight {
		msg := fmt.Sprintf("nodedive needs at least %dx%d (now %dx%d)", minWidth, minHeight, c.width, c.height)
		return ansi.Truncate(msg, max(c.width, 0), "…")
	}
	body := m.top().View()
	if m.showHelp {
		body = m.fullHelp()
	}
	// Header, body and footer are each exactly c.width wide, and together
	// exactly c.height tall (relayout keeps c.footerLines up to date; the
	// frame never depends on it being so).
	footer := m.footerLines()
	bodyH := max(c.height-headerHeight-len(footer), 0)
	return m.header() + "\n" + fitBlock(body, c.width, bodyH) + "\n" + fitBlock(strings.Join(footer, "\n"), c.width, len(footer))
}

func (m *Model) header() string {
	s := m.c.styles
	parts := []string{s.Logo.Render("◆ nodedive")}
	for _, sc := range m.stack[1:] {
		parts = append(parts, s.Crumb.Render(sc.Title()))
	}
	left := strings.Join(parts, s.CrumbSep.Render(" › "))
	right := s.HeaderMeta.Render(m.top().Meta())
	return spread(left, right, m.c.width)
}

// footerLines is the footer: a notice, wrapped to the width, that stays
// until dismissed; then a passing message, or the keys of the screen.
func (m *Model) footerLines() []string {
	c := m.c
	s := c.styles
	w := max(c.width, 1)
	// However long the messages, the body keeps half the screen.
	room := max((c.height-headerHeight)/2, 1)
	var lines []string
	if n := m.status.notice; n.text != "" {
		lines = wrapLines([]string{s.Status[n.kind].Render(n.text) + s.Muted.Render("  (esc: dismiss)")}, w)
	}
	last := []string{m.keysLine()}
	switch {
	case m.quitting:
		last = wrapLines([]string{s.Status[infoPlain].Render("stopping labs and saving progress…")}, w)
	case m.status.flash.text != "":
		f := m.status.flash
		last = wrapLines([]string{s.Status[f.kind].Render(f.text)}, w)
	}
	lines = append(lines, last...)
	if len(lines) > room {
		lines = lines[:room]
		lines[room-1] = ansi.Truncate(lines[room-1], w-1, "") + "…"
	}
	return lines
}

// keysLine shows the screen's main keys, as many as fit, and always help
// and back (or quit, while the screen reads text).
func (m *Model) keysLine() string {
	k := m.c.keys
	always := []key.Binding{k.Help, k.Back}
	if m.top().Capturing() {
		always = []key.Binding{k.Quit}
	}
	short := m.top().ShortHelp()
	for n := len(short); n >= 0; n-- {
		line := m.help.ShortHelpView(append(short[:n:n], always...))
		if ansi.StringWidth(line) <= m.c.width {
			return line
		}
	}
	return ansi.Truncate(m.help.ShortHelpView(always), m.c.width, "…")
}

func (m *Model) fullHelp() string {
	k := m.c.keys
	global := []key.Binding{k.Help, k.Back, k.Quit}
	if _, ok := m.top().(topical); ok {
		global = append([]key.Binding{k.Exercises}, global...)
	}
	groups := append(m.top().FullHelp(), global)
	title := m.c.styles.Title.Render("Keys: " + m.top().Title())
	return title + "\n\n" + m.help.FullHelpView(groups) + "\n\n" + m.c.styles.Muted.Render("Press ? or esc to close.")
}

func (m *Model) applyHelpStyles() {
	st := help.DefaultStyles(m.c.styles.Dark)
	st.ShortKey = m.c.styles.HelpKey
	st.FullKey = m.c.styles.HelpKey
	st.ShortDesc = m.c.styles.HelpDesc
	st.FullDesc = m.c.styles.HelpDesc
	m.help.Styles = st
}

// fitBlock makes s exactly w cells wide and h lines tall: long lines are
// truncated and short blocks padded, so a screen can never push the footer
// off the terminal or leave stale cells behind.
func fitBlock(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lw := ansi.StringWidth(l)
		switch {
		case lw > w:
			lines[i] = ansi.Truncate(l, w, "")
		case lw < w:
			lines[i] = l + strings.Repeat(" ", w-lw)
		}
	}
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return strings.Join(lines, "\n")
}

// spread puts left and right on one line of width w. right gets at most
// half the line, so the left side (where you are) always shows.
func spread(left, right string, w int) string {
	right = ansi.Truncate(right, w/2, "…")
	rw := ansi.StringWidth(right)
	left = ansi.Truncate(left, w-rw-1, "…")
	gap := w - ansi.StringWidth(left) - rw
	return left + strings.Repeat(" ", max(gap, 0)) + right
}

func repeat(s string, n int) string { return strings.Repeat(s, max(n, 0)) }

// appStyles builds the styles for the background, honouring NO_COLOR.
func appStyles(dark bool) Styles {
	s := NewStyles(dark)
	if os.Getenv("NO_COLOR") != "" {
		s = s.withoutColor()
	}
	return s
}
