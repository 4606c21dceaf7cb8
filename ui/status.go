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
	// ttl is how long it stays; zero means a default by kind.
	ttl time.Duration
}

// clearInfoMsg removes the status message with the given serial, unless a
// newer one replaced it.
type clearInfoMsg struct{ serial int }

func info(text string) tea.Cmd    { return report(infoPlain, text) }
func success(text string) tea.Cmd { return report(infoSuccess, text) }
func warn(text string) tea.Cmd    { return report(infoWarn, text) }

// reportError shows err in the status bar.
func reportError(err error) tea.Cmd {
	if err == nil {
		return nil
	}
	return report(infoError, err.Error())
}

func report(kind infoKind, text string) tea.Cmd {
	return func() tea.Msg { return infoMsg{kind: kind, text: text} }
}

// status is the status bar's current message.
type status struct {
	msg    infoMsg
	serial int
}

func (s *status) set(c *common, m infoMsg) tea.Cmd {
	s.msg = m
	s.serial++
	ttl := m.ttl
	if ttl == 0 {
		ttl = 4 * time.Second
		if m.kind == infoError || m.kind == infoWarn {
			ttl = 10 * time.Second
		}
	}
	serial := s.serial
	return c.after(ttl, func() tea.Msg { return clearInfoMsg{serial} })
}

func (s *status) clear(serial int) {
	if serial == s.serial {
		s.msg = infoMsg{}
	}
}

func (s *status) active() bool { return s.msg.text != "" }
