package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is every key binding of the app, grouped by where it applies. Help
// text comes from the bindings themselves, so it cannot drift.
type KeyMap struct {
	Quit, Back, Help key.Binding

	Up, Down, PageUp, PageDown, HalfUp, HalfDown, Top, Bottom key.Binding
	Select                                                    key.Binding

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
	}
}

// moveCursor applies the list keys (up and down wrap around; top, bottom)
// to cursor over n items, and reports whether msg was one of them.
func moveCursor(k KeyMap, msg tea.KeyPressMsg, cursor, n int) (int, bool) {
	if n == 0 {
		return 0, false
	}
	switch {
	case key.Matches(msg, k.Up):
		return (cursor - 1 + n) % n, true
	case key.Matches(msg, k.Down):
		return (cursor + 1) % n, true
	case key.Matches(msg, k.Top):
		return 0, true
	case key.Matches(msg, k.Bottom):
		return n - 1, true
	}
	return cursor, false
}
