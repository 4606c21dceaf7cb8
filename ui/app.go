// Package ui is nodedive's full-screen app: a home screen, the lesson
// reader, quizzes and lab dashboards. It drives everything through the
// lessons, quiz and labs packages; nothing here computes course content.
package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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
	c := &common{
		styles:   appStyles(dark),
		keys:     DefaultKeyMap(),
		width:    80,
		height:   24,
		course:   o.Course,
		renderer: o.Renderer,
		progress: o.Progress,
		now:      o.Now,
		cacheDir: o.CacheDir,
	}
	if o.Store != nil {
		c.saver = &saver{store: o.Store}
	}
	m := &Model{c: c, help: help.New(), askedBg: o.Dark == nil, notice: o.Notice, open: o.Open, quizTopic: o.Quiz, quizMock: o.QuizMock}
	m.stack = []screen{newHome(c)}
	m.applyHelpStyles()
	return m
}

// Run starts the app on the terminal and blocks until it quits.
func Run(ctx context.Context, o Options) error {
	p := tea.NewProgram(New(o), tea.WithContext(ctx))
	_, err := p.Run()
	if err != nil && ctx.Err() != nil {
		return nil // interrupted from outside: a normal way to leave
	}
	return err
}

// Init starts the first screen, loads the quiz bank and asks the terminal
// for its background.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.top().Init(), loadBank}
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

// Update handles app-wide messages and hands the rest to the top screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width, m.c.height = max(msg.Width, 0), max(msg.Height, 0)
		m.help.SetWidth(m.c.width)
		var cmds []tea.Cmd
		for _, s := range m.stack {
			cmds = append(cmds, s.Update(msg))
		}
		return m, tea.Batch(cmds...)

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
		return m, m.status.set(m.c, msg)
	case clearInfoMsg:
		m.status.clear(msg.serial)
		return m, nil

	case progressSavedMsg:
		switch {
		case msg.err != nil:
			return m, reportError(fmt.Errorf("progress not saved: %w", msg.err))
		case msg.recovery != nil:
			return m, warn(msg.recovery.String())
		}
		return m, nil

	case pushMsg:
		m.stack = append(m.stack, msg.s)
		m.showHelp = false
		return m, tea.Batch(msg.s.Update(tea.WindowSizeMsg{Width: m.c.width, Height: m.c.height}), msg.s.Init())

	case popMsg:
		return m, m.popScreen()

	case quitMsg:
		return m, tea.Quit

	case tea.KeyPressMsg:
		if cmd, handled := m.globalKey(msg); handled {
			return m, cmd
		}
	}
	return m, m.top().Update(msg)
}

// loadBank parses the question bank in the background: the home screen
// draws without waiting for it.
func loadBank() tea.Msg {
	b, err := quiz.LoadBank()
	return bankLoadedMsg{bank: b, err: err}
}

// quitMsg ends the program once pending saves have been issued.
type quitMsg struct{}

// globalKey handles keys that work on every screen.
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.c.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit(), true
	case m.top().Capturing():
		return nil, false
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
		return nil, true
	case m.showHelp && key.Matches(msg, k.Back):
		m.showHelp = false
		return nil, true
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

// popScreen closes the top screen, letting it save first.
func (m *Model) popScreen() tea.Cmd {
	if len(m.stack) == 1 {
		return nil
	}
	var cmd tea.Cmd
	if l, ok := m.top().(leaver); ok {
		cmd = l.Leave()
	}
	m.stack = m.stack[:len(m.stack)-1]
	// The screen below may have been sized for another terminal size, and
	// progress shown on it may have changed.
	return tea.Batch(cmd, m.top().Update(tea.WindowSizeMsg{Width: m.c.width, Height: m.c.height}), m.top().Update(resumedMsg{}))
}

// quit lets every open screen clean up (stop labs, queue its last
// progress), waits until that and all queued progress are done, bounded,
// then quits.
func (m *Model) quit() tea.Cmd {
	var cleanups []tea.Cmd
	for i := len(m.stack) - 1; i >= 0; i-- {
		if l, ok := m.stack[i].(leaver); ok {
			cleanups = append(cleanups, l.Leave())
		}
	}
	sv := m.c.saver
	return func() tea.Msg {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, c := range cleanups {
				if c != nil {
					c()
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(6 * time.Second):
		}
		if sv != nil {
			sv.wait(5 * time.Second)
		}
		return quitMsg{}
	}
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
	// Header, body and footer are each exactly c.width wide.
	return m.header() + "\n" + fitBlock(body, c.width, c.bodyHeight()) + "\n" + fitBlock(m.footer(), c.width, footerHeight)
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

func (m *Model) footer() string {
	s := m.c.styles
	if m.status.active() {
		st := s.Status[m.status.msg.kind]
		return ansi.Truncate(st.Render(m.status.msg.text), m.c.width, "…")
	}
	bindings := append(m.top().ShortHelp(), m.c.keys.Help)
	if !m.top().Capturing() {
		bindings = append(bindings, m.c.keys.Back)
	}
	return ansi.Truncate(m.help.ShortHelpView(bindings), m.c.width, "…")
}

func (m *Model) fullHelp() string {
	k := m.c.keys
	groups := append(m.top().FullHelp(), []key.Binding{k.Help, k.Back, k.Quit})
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
