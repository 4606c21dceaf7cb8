package ui

import (
	"context"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nodedive/nodedive/internal/coursecheck"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/lessons/render"
	"github.com/nodedive/nodedive/quiz"
)

// common is what every screen shares: look, keys, size, the app's life and
// the learner's data. Screens hold a pointer to the one the app owns.
type common struct {
	styles Styles
	keys   KeyMap
	width  int
	height int
	// footerLines is the footer's height: one line, plus a notice that
	// stays until dismissed.
	footerLines int

	// ctx is the app's life: every background job a screen starts runs
	// under a context derived from it, and it ends when the app exits.
	ctx context.Context
	// chores are clean-ups running in the background (a lab stopping);
	// the app's exit waits for them.
	chores *chores
	// lastID numbers screens, so background results find their screen.
	lastID screenID

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
	// exercises is the exercise catalog (nil, with exercisesErr, if it
	// failed to load); exercisesDir is where an exercise is started when
	// progress has no directory for it: exercisesDir/<id>.
	exercises    *exercise.Catalog
	exercisesErr error
	exercisesDir string
	// noTimers turns off timed messages (status expiry, clocks): tests
	// drive the model synchronously and cannot wait for them.
	noTimers bool
	// nodeJudged is set once the node on PATH has been judged (see
	// nodeNotice): its warning is shown once a session.
	nodeJudged bool
}

// after delivers msg() once d has passed.
func (c *common) after(d time.Duration, msg func() tea.Msg) tea.Cmd {
	if c.noTimers {
		return nil
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return msg() })
}

// nodeNotice is for a screen about to run node: the first time in a session
// it returns a Cmd that asks the node on PATH its version and shows what
// coursecheck.Support says about it (an old node, examples that print
// something else there) as a notice that stays until dismissed. Later
// calls, and a node the app cannot ask (the run reports that), show
// nothing.
func (c *common) nodeNotice() tea.Cmd {
	if c.nodeJudged {
		return nil
	}
	c.nodeJudged = true
	ctx := c.ctx
	return func() tea.Msg {
		v, err := noderun.Version(ctx, "")
		if err != nil {
			return nil
		}
		if _, warning := coursecheck.Support(v); warning != "" {
			return infoMsg{kind: infoWarn, text: warning}
		}
		return nil
	}
}

// headerHeight is the header's height; the footer's is c.footerLines.
const headerHeight = 1

// bodyHeight is the height a screen may draw in.
func (c *common) bodyHeight() int { return max(0, c.height-headerHeight-max(c.footerLines, 1)) }

// newAddr gives a new screen its address.
func (c *common) newAddr() addr {
	c.lastID++
	return addr{c.lastID}
}

// chore runs a slow clean-up (stopping a lab, waiting for its processes) in
// a Cmd, never in Update, and lets the app's exit wait for it.
func (c *common) chore(f func()) tea.Cmd {
	run := c.chores.add(f)
	return func() tea.Msg {
		run()
		return nil
	}
}

// chores tracks clean-ups that run in Cmds.
type chores struct {
	mu      sync.Mutex
	next    int
	pending map[int]func()
}

func newChores() *chores { return &chores{pending: map[int]func(){}} }

// add registers f and returns the func that runs it: the first call runs f,
// later ones wait for it to finish.
func (ch *chores) add(f func()) func() {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	id := ch.next
	ch.next++
	var once sync.Once
	run := func() {
		once.Do(func() {
			defer func() {
				ch.mu.Lock()
				delete(ch.pending, id)
				ch.mu.Unlock()
			}()
			f()
		})
	}
	ch.pending[id] = run
	return run
}

// finish runs every chore not yet started and waits for all of them,
// including any added meanwhile, at most d. It reports whether they all
// ended in time.
func (ch *chores) finish(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		ch.mu.Lock()
		runs := make([]func(), 0, len(ch.pending))
		for _, r := range ch.pending {
			runs = append(runs, r)
		}
		ch.mu.Unlock()
		if len(runs) == 0 {
			return true
		}
		var wg sync.WaitGroup
		for _, r := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r()
			}()
		}
		if !waitGroupFor(&wg, time.Until(deadline)) {
			return false
		}
	}
}

// waitGroupFor waits for wg, at most d.
func waitGroupFor(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

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
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = s.flush() // a failed write was reported when it was queued
		s.pending.Wait()
	}()
	waitGroupFor(&wg, d)
}

// screenID is a screen's address: background results carry the address of
// the screen that asked for them and reach it even when another screen
// covers it (a covered dashboard keeps sampling).
type screenID int

// addr is embedded in screens: it holds and reports their address.
type addr struct{ id screenID }

func (a addr) address() screenID { return a.id }

// to is embedded in messages for one screen. The app delivers them to that
// screen wherever it is in the stack, and drops them once it is closed
// (after releasing what they hold, see releaser).
type to struct{ screen screenID }

func (t to) recipient() screenID { return t.screen }

// mail addresses a message to this screen.
func (a addr) mail() to { return to{a.id} }

// addressed is a message for one screen.
type addressed interface{ recipient() screenID }

// releaser is an addressed message that holds something running (a lab
// that finished starting); if its screen is gone, the app releases it.
type releaser interface {
	addressed
	release() func()
}

// screen is one page of the app. The root model is the only tea.Model;
// screens are plain structs it calls directly.
//
// The house rules: Update never blocks and never starts a goroutine (slow
// work goes in a tea.Cmd, clean-ups in c.chore); a Cmd never changes a
// screen's fields; sizes are worked out in Resize (and after changes of
// state), never in View.
type screen interface {
	// address is the screen's own (embed the addr from c.newAddr).
	address() screenID
	// Init starts the screen's work when it is opened.
	Init() tea.Cmd
	// Update handles the key presses and other input while the screen is on
	// top, and the messages addressed to it wherever it is.
	Update(msg tea.Msg) tea.Cmd
	// View draws the body: c.width wide, c.bodyHeight() tall. It only reads.
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

// resizer is implemented by screens that lay out widgets for the body's
// size: the app calls Resize when the terminal or the footer changes size,
// when the screen opens and when it is on top again.
type resizer interface{ Resize() tea.Cmd }

// backer is implemented by screens that have something to close (a panel,
// a search) before q/esc leaves the screen itself.
type backer interface{ Back() (tea.Cmd, bool) }

// leaver is implemented by screens that save state or stop work when they
// are closed. Leave runs in Update: it cancels and queues (c.chore,
// c.saveProgress) and returns at once.
type leaver interface{ Leave() tea.Cmd }

// topical is implemented by screens about one course topic (a lesson, a
// lab): the app opens that topic's exercises on KeyMap.Exercises. An empty
// topic (the introduction) opens them all.
type topical interface{ exerciseTopic() string }

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
