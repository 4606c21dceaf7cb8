package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

type infoKind int

const (
	infoPlain infoKind = iota
	infoSuccess
	infoWarn
	infoError
)

// infoMsg puts a message in the status bar; errors never crash the app,
// they end up here.
type infoMsg struct {
	kind infoKind
	text string
}

// clearInfoMsg removes the passing message with the given serial, unless a
// newer one replaced it.
type clearInfoMsg struct{ serial int }

func info(text string) tea.Cmd    { return report(infoPlain, text) }
func success(text string) tea.Cmd { return report(infoSuccess, text) }

// warn shows something the learner has to act on (a path, a hint, a
// command to type): it stays, wrapped to the width, until dismissed.
func warn(text string) tea.Cmd { return report(infoWarn, text) }

// reportError shows err until dismissed.
func reportError(err error) tea.Cmd {
	if err == nil {
		return nil
	}
	return report(infoError, err.Error())
}

func report(kind infoKind, text string) tea.Cmd {
	return func() tea.Msg { return infoMsg{kind: kind, text: text} }
}

// flashTTL is how long a passing message (info, success) stays.
const flashTTL = 4 * time.Second

// status is the status bar: a passing message that a timer clears, and a
// notice (warnings and errors) that stays until the learner dismisses it.
type status struct {
	flash  infoMsg
	serial int
	notice infoMsg
}

// set shows m; it returns the timer that ends a passing message.
func (s *status) set(c *common, m infoMsg) tea.Cmd {
	if m.kind == infoWarn || m.kind == infoError {
		s.notice = m
		return nil
	}
	s.flash = m
	s.serial++
	serial := s.serial
	return c.after(flashTTL, func() tea.Msg { return clearInfoMsg{serial} })
}

func (s *status) clear(serial int) {
	if serial == s.serial {
		s.flash = infoMsg{}
	}
}

// dismiss closes the notice; it reports whether there was one.
func (s *status) dismiss() bool {
	had := s.notice.text != ""
	s.notice = infoMsg{}
	return had
}
