package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/lessons/render"
)

// common is what every screen shares: look, keys, size and the learner's
// data. Screens hold a pointer to the one the app owns.
type common struct {
	styles Styles
	keys   KeyMap
	width  int
	height int

	course   *lessons.Course
	renderer *render.Renderer
	// store persists progress; nil keeps progress in memory only.
	store    *progress.Store
	progress *progress.Progress
	now      func() time.Time
}

// headerHeight and footerHeight frame every screen's body.
const (
	headerHeight = 1
	footerHeight = 1
)

// bodyHeight is the height a screen may draw in.
func (c *common) bodyHeight() int { return max(0, c.height-headerHeight-footerHeight) }

// progressSavedMsg reports the end of a background save.
type progressSavedMsg struct {
	recovery *progress.Recovery
	err      error
}

// saveProgress applies fn to the app's copy of the progress now, and to the
// file in the background (under its lock, on the latest saved state, so
// another running nodedive's updates are kept). fn must only use values it
// captured, never the screen's state, since it also runs inside a Cmd.
func (c *common) saveProgress(fn func(*progress.Progress)) tea.Cmd {
	fn(c.progress)
	if c.store == nil {
		return nil
	}
	store := c.store
	return func() tea.Msg {
		_, rec, err := store.Update(func(p *progress.Progress) error {
			fn(p)
			return nil
		})
		return progressSavedMsg{recovery: rec, err: err}
	}
}

// screen is one page of the app. The root model is the only tea.Model;
// screens are plain structs it calls directly.
type screen interface {
	// Init starts the screen's work when it is opened.
	Init() tea.Cmd
	// Update handles a message while the screen is on top (size messages
	// reach every screen in the stack).
	Update(msg tea.Msg) tea.Cmd
	// View draws the body: c.width wide, c.bodyHeight() tall.
	View() string
	// Title is the screen's breadcrumb; Meta is shown on the header's right.
	Title() string
	Meta() string
	// Capturing reports whether the screen is reading text, so that keys
	// like q and ? are typed rather than acted on.
	Capturing() bool
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// backer is implemented by screens that have something to close (a panel,
// a search) before q/esc leaves the screen itself.
type backer interface{ Back() (tea.Cmd, bool) }

// leaver is implemented by screens that save state when they are closed.
type leaver interface{ Leave() tea.Cmd }

// pushMsg opens a screen on top of the current one; popMsg closes the top.
type (
	pushMsg struct{ s screen }
	popMsg  struct{}
)

func push(s screen) tea.Cmd { return func() tea.Msg { return pushMsg{s} } }
func pop() tea.Msg          { return popMsg{} }

// newInput is a one-line text input in the app's style. The cursor does not
// blink: a blinking cursor wakes the app twice a second for nothing.
func newInput(c *common, prompt, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	in.CharLimit = 200
	st := in.Styles()
	st.Cursor.Blink = false
	st.Focused.Prompt = c.styles.Prompt
	st.Blurred.Prompt = c.styles.Prompt
	st.Focused.Placeholder = c.styles.Muted
	st.Blurred.Placeholder = c.styles.Muted
	in.SetStyles(st)
	return in
}
