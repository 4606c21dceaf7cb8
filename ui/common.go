package ui

import (
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/lessons/render"
	"github.com/nodedive/nodedive/quiz"
)

// common is what every screen shares: look, keys, size and the learner's
// data. Screens hold a pointer to the one the app owns.
type common struct {
	styles Styles
	keys   KeyMap
	width  int
	height int

	course *lessons.Course
	// bank is loaded in the background at start; nil until then.
	bank     *quiz.Bank
	renderer *render.Renderer
	// saver persists progress; nil keeps progress in memory only.
	saver    *saver
	progress *progress.Progress
	now      func() time.Time
	// cacheDir holds what labs install (the Express app's npm packages).
	cacheDir string
	// noTimers turns off timed messages (status expiry, clocks): tests
	// drive the model synchronously and cannot wait for them.
	noTimers bool
}

// after delivers msg() once d has passed.
func (c *common) after(d time.Duration, msg func() tea.Msg) tea.Cmd {
	if c.noTimers {
		return nil
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return msg() })
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

// saveProgress applies fn to the app's copy of the progress now, and queues
// it for the file. fn must only use values it captured, never a screen's
// state, since it runs again later in a Cmd.
func (c *common) saveProgress(fn func(*progress.Progress)) tea.Cmd {
	fn(c.progress)
	if c.saver == nil {
		return nil
	}
	return c.saver.enqueue(fn)
}

// saver writes queued progress changes to the store in the order they were
// made, batching those that pile up into one locked read-modify-write (so
// another running nodedive's updates are kept). Quitting waits for it.
type saver struct {
	store   *progress.Store
	mu      sync.Mutex // guards queue
	queue   []func(*progress.Progress)
	writing sync.Mutex // one write at a time keeps the queue's order
	pending sync.WaitGroup
}

func (s *saver) enqueue(fn func(*progress.Progress)) tea.Cmd {
	s.mu.Lock()
	s.queue = append(s.queue, fn)
	s.pending.Add(1)
	s.mu.Unlock()
	return func() tea.Msg {
		rec, err := s.flush()
		if rec == nil && err == nil {
			return nil
		}
		return progressSavedMsg{recovery: rec, err: err}
	}
}

// flush writes everything queued so far.
func (s *saver) flush() (*progress.Recovery, error) {
	s.writing.Lock()
	defer s.writing.Unlock()
	s.mu.Lock()
	batch := s.queue
	s.queue = nil
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil, nil
	}
	defer s.pending.Add(-len(batch))
	_, rec, err := s.store.Update(func(p *progress.Progress) error {
		for _, fn := range batch {
			fn(p)
		}
		return nil
	})
	return rec, err
}

// wait blocks until every queued change is written, or d passes.
func (s *saver) wait(d time.Duration) {
	done := make(chan struct{})
	go func() {
		s.flush()
		s.pending.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
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
