package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// scrollPane is a block of lines shown h at a time, scrolled with the
// paging keys. Its lines are worked out when something changes; View only
// slices them.
type scrollPane struct {
	lines  []string
	off, h int
}

func (p *scrollPane) set(lines []string) {
	p.lines = lines
	p.clamp()
}

func (p *scrollPane) resize(h int) {
	p.h = max(h, 1)
	p.clamp()
}

func (p *scrollPane) clamp() { p.off = max(min(p.off, len(p.lines)-p.h), 0) }

func (p *scrollPane) scroll(d int) {
	p.off += d
	p.clamp()
}

// show scrolls so that line is in view, at the top if it was not.
func (p *scrollPane) show(line int) {
	if line < p.off || line >= p.off+p.h {
		p.off = line
		p.clamp()
	}
}

// more reports whether lines below the view are hidden.
func (p *scrollPane) more() bool { return p.off+p.h < len(p.lines) }

func (p *scrollPane) view() string {
	end := min(p.off+p.h, len(p.lines))
	if p.off >= end {
		return ""
	}
	return strings.Join(p.lines[p.off:end], "\n")
}

// key scrolls for the paging keys and reports whether msg was one.
func (p *scrollPane) key(k KeyMap, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Up):
		p.scroll(-1)
	case key.Matches(msg, k.Down):
		p.scroll(1)
	case key.Matches(msg, k.PageUp):
		p.scroll(-p.h)
	case key.Matches(msg, k.PageDown):
		p.scroll(p.h)
	case key.Matches(msg, k.HalfUp):
		p.scroll(-max(p.h/2, 1))
	case key.Matches(msg, k.HalfDown):
		p.scroll(max(p.h/2, 1))
	case key.Matches(msg, k.Top):
		p.off = 0
	case key.Matches(msg, k.Bottom):
		p.off = len(p.lines)
		p.clamp()
	default:
		return false
	}
	return true
}

// wheel scrolls for the mouse wheel.
func (p *scrollPane) wheel(msg tea.MouseWheelMsg) {
	switch msg.Button {
	case tea.MouseWheelDown:
		p.scroll(3)
	case tea.MouseWheelUp:
		p.scroll(-3)
	}
}
