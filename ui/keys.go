package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is every key binding of the app: the app's own, the shared ones
// (lists, paging, text inputs) and each screen's group. Help text comes
// from the bindings themselves, so it cannot drift.
//
// The app tries its keys first (Quit always; Help and Back unless the
// screen is reading text), then a screen tries the list keys it moves with
// (see lister), then its own. TestNoScreenBindingIsShadowed checks that no
// screen binding is taken by one tried before it.
type KeyMap struct {
	Quit, Back, Help key.Binding

	Up, Down, PageUp, PageDown, HalfUp, HalfDown, Top, Bottom key.Binding
	Select                                                    key.Binding
	// First and Last are Top and Bottom without g and G, for dashboards.
	First, Last key.Binding

	// Home
	SearchAll key.Binding

	// Reader
	NextSection, PrevSection key.Binding
	TOC, FocusTOC            key.Binding
	Search                   key.Binding
	NextMatch, PrevMatch     key.Binding
	OpenLab, OpenQuiz        key.Binding
	RunBlock                 key.Binding

	// Text inputs
	Submit, Cancel, SwitchScope key.Binding

	// Exercises opens the exercises of the topic on screen (a lesson, a
	// lab); the app handles it for every such screen (see topical).
	Exercises key.Binding

	Exercise ExerciseKeys
	Quiz     QuizKeys
	Modules  ModulesKeys
	Emitter  EmitterKeys
	Scale    ScaleKeys
	Cluster  ClusterKeys
	Secure   SecureKeys
}

// ExerciseKeys are the exercise screen's.
type ExerciseKeys struct {
	Start, Verify, Watch, Hint, Lesson, Solution, Pane key.Binding
}

// QuizKeys are the quiz screen's.
type QuizKeys struct {
	Submit, Edit, Next, Skip, Toggle, Choose, True, False, RunSnippet, Lesson key.Binding
}

// ModulesKeys are the modules lab's.
type ModulesKeys struct {
	Predict, Run, RunAll, Submit, StopEdit, ScrollDown, ScrollUp key.Binding
}

// EmitterKeys are the EventEmitter lab's.
type EmitterKeys struct {
	Deposit, Withdraw, More, Less, Toggle, Restart, Notes, Script key.Binding
}

// ScaleKeys are the scaling lab's.
type ScaleKeys struct {
	Load, Workload, Kill, Revive, Balancing, Cache, Queue, Sessions, Redis, Lesson key.Binding
}

// ClusterKeys are the cluster lab's.
type ClusterKeys struct {
	Load, Kill, Restart, Policy, KeepAlive, Runtime, More, Fewer, Panel, Lesson key.Binding
}

// SecureKeys are the security lab's.
type SecureKeys struct {
	Run, RunAll, Express, Side, Weak, Store, Lesson key.Binding
}

// bind makes a binding whose help text is shown in the help bar.
func bind(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// DefaultKeyMap is nodedive's key layout: vim keys and arrows everywhere.
func DefaultKeyMap() KeyMap {
	b := bind
	return KeyMap{
		Quit: b("ctrl+c", "quit", "ctrl+c"),
		Back: b("q/esc", "back", "q", "esc"),
		Help: b("?", "help", "?"),

		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup/b", "page up", "pgup", "b"),
		PageDown: b("pgdn/space", "page down", "pgdown", "space", "f"),
		HalfUp:   b("u", "½ page up", "u", "ctrl+u"),
		HalfDown: b("d", "½ page down", "d", "ctrl+d"),
		Top:      b("g/home", "top", "g", "home"),
		Bottom:   b("G/end", "bottom", "G", "end"),
		Select:   b("enter", "open", "enter"),
		First:    b("home", "first", "home"),
		Last:     b("end", "last", "end"),

		SearchAll: b("/", "search all lessons", "/"),

		NextSection: b("]/→", "next section", "]", "right", "l"),
		PrevSection: b("[/←", "previous section", "[", "left", "h"),
		TOC:         b("t", "contents", "t"),
		FocusTOC:    b("tab", "focus contents", "tab"),
		Search:      b("/", "search", "/"),
		NextMatch:   b("n", "next match", "n"),
		PrevMatch:   b("N", "previous match", "N"),
		OpenLab:     b("L", "open the lab", "L"),
		OpenQuiz:    b("Q", "quiz on this", "Q"),
		RunBlock:    b("r", "run code block", "r"),

		Submit:      b("enter", "search", "enter"),
		Cancel:      b("esc", "cancel", "esc"),
		SwitchScope: b("tab", "this lesson / all lessons", "tab"),

		Exercises: b("E", "exercises", "E"),

		Exercise: ExerciseKeys{
			Start:    b("s", "start: write the task and scaffold", "s"),
			Verify:   b("v", "verify: run the checks", "v"),
			Watch:    b("w", "watch: verify on every save", "w"),
			Hint:     b("h", "next hint", "h"),
			Lesson:   b("o", "open the lesson section", "o"),
			Solution: b("S", "write the reference solution", "S"),
			Pane:     b("tab", "task / checks", "tab"),
		},

		Quiz: QuizKeys{
			Submit:     b("ctrl+s", "submit answer", "ctrl+s", "ctrl+d"),
			Edit:       b("i", "type again", "i"),
			Next:       b("enter/n", "next question", "enter", "n"),
			Skip:       b("tab", "skip question", "tab"),
			Toggle:     b("space", "choose option", "space", "x"),
			Choose:     b("enter", "submit", "enter"),
			True:       b("t", "true", "t", "y"),
			False:      b("f", "false", "f"),
			RunSnippet: b("r", "run the snippet on node", "r"),
			Lesson:     b("o", "open the lesson section", "o"),
		},
		Modules: ModulesKeys{
			Predict:    b("p/enter", "predict the output", "p", "enter"),
			Run:        b("r", "run on node", "r"),
			RunAll:     b("a", "run all", "a"),
			Submit:     b("ctrl+r", "run and compare", "ctrl+r", "ctrl+s"),
			StopEdit:   b("esc", "stop typing", "esc"),
			ScrollDown: b("pgdn", "scroll code", "pgdown", "space"),
			ScrollUp:   b("pgup", "scroll code", "pgup", "b"),
		},
		Emitter: EmitterKeys{
			Deposit:  b("d", "deposit", "d"),
			Withdraw: b("w", "withdraw", "w"),
			More:     b("+", "larger amount", "+", "="),
			Less:     b("-", "smaller amount", "-"),
			Toggle:   b("1-4", "listener on/off", "1", "2", "3", "4"),
			Restart:  b("r", "restart process", "r"),
			Notes:    b("n", "run the notes' script", "n"),
			Script:   b("s", "show as JavaScript", "s"),
		},
		Scale: ScaleKeys{
			Load:      b("l", "start/stop load", "l"),
			Workload:  b("w", "workload", "w"),
			Kill:      b("x", "kill instance", "x"),
			Revive:    b("v", "revive instance", "v"),
			Balancing: b("b", "balancing", "b"),
			Cache:     b("c", "cache mode", "c"),
			Queue:     b("u", "queue on/off", "u"),
			Sessions:  b("S", "check sessions", "S"),
			Redis:     b("R", "kill Redis / bring it back", "R"),
			Lesson:    b("o", "open the lesson", "o"),
		},
		Cluster: ClusterKeys{
			Load:      b("s", "start/stop load", "s"),
			Kill:      b("x", "kill selected worker", "x"),
			Restart:   b("R", "rolling restart", "R"),
			Policy:    b("p", "policy rr/none", "p"),
			KeepAlive: b("a", "keep-alive on/off", "a"),
			Runtime:   b("g", "runtime go/node", "g"),
			More:      b("+", "more workers", "+", "="),
			Fewer:     b("-", "fewer workers", "-"),
			Panel:     b("tab", "next panel", "tab"),
			Lesson:    b("o", "open the lesson here", "o"),
		},
		Secure: SecureKeys{
			Run:     b("enter", "run this probe", "enter"),
			RunAll:  b("a", "run all probes", "a"),
			Express: b("e", "Express side by side", "e"),
			Side:    b("tab", "details: Go / Express", "tab"),
			Weak:    b("w", "defences off/on (Go)", "w"),
			Store:   b("s", "rate-limit store", "s"),
			Lesson:  b("o", "open the lesson row", "o"),
		},
	}
}

// listKeys move a cursor through a list. Zero bindings match nothing.
type listKeys struct{ Up, Down, Top, Bottom key.Binding }

// list is the full set: arrows, j/k, g/G, home/end.
func (k KeyMap) list() listKeys { return listKeys{k.Up, k.Down, k.Top, k.Bottom} }

// dashList is for dashboards, where letters are controls: the arrows and
// j/k move, home/end jump; g and G stay free for the dashboard.
func (k KeyMap) dashList() listKeys { return listKeys{k.Up, k.Down, k.First, k.Last} }

func (lk listKeys) bindings() []key.Binding { return []key.Binding{lk.Up, lk.Down, lk.Top, lk.Bottom} }

// lister is implemented by screens that move a cursor with listKeys before
// trying their own bindings.
type lister interface{ listKeys() listKeys }

// move applies the list keys (up and down wrap around; top, bottom) to
// cursor over n items, and reports whether msg was one of them.
func (lk listKeys) move(msg tea.KeyPressMsg, cursor, n int) (int, bool) {
	if n == 0 {
		return 0, false
	}
	switch {
	case key.Matches(msg, lk.Up):
		return (cursor - 1 + n) % n, true
	case key.Matches(msg, lk.Down):
		return (cursor + 1) % n, true
	case key.Matches(msg, lk.Top):
		return 0, true
	case key.Matches(msg, lk.Bottom):
		return n - 1, true
	}
	return cursor, false
}
