package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/lessons"
)

// homeEntry is one selectable line of the home screen.
type homeEntry struct {
	label string
	desc  string
	// lesson is set for lesson entries (drawn with progress bars).
	lesson *lessons.Lesson
	open   func() tea.Cmd
	// section groups entries under a heading.
	section string
}

// home is the start screen: the topics with progress, the way back into
// the last lesson, and the doors to quizzes, reviews and labs.
type home struct {
	addr
	c       *common
	entries []homeEntry
	cursor  int
}

func newHome(c *common) *home {
	h := &home{addr: c.newAddr(), c: c}
	h.build()
	return h
}

// build recomputes the entries from the course and current progress.
func (h *home) build() {
	c := h.c
	var es []homeEntry
	if last := c.progress.Last; last != nil {
		if l, err := c.course.Find(last.Lesson); err == nil {
			where := l.Title
			if i := sectionIndex(l, last.Section); i >= 0 {
				where += " · " + l.Sections[i].Title
			}
			es = append(es, homeEntry{
				label:   "Continue where you left off",
				desc:    l.ID + " " + where,
				section: "",
				open:    func() tea.Cmd { return push(newReaderAt(c, l, last.Section, last.Scroll)) },
			})
		}
	}
	for _, l := range c.course.Lessons {
		es = append(es, homeEntry{
			label:   l.Title,
			lesson:  l,
			section: "Lessons",
			open:    func() tea.Cmd { return push(newReader(c, l)) },
		})
	}
	es = append(es,
		homeEntry{
			label: "Search all lessons", desc: "find a word or phrase anywhere in the course", section: "Practice",
			open: func() tea.Cmd { return push(newSearch(c, "")) },
		},
	)
	for _, e := range practiceEntries(c) {
		e.section = "Practice"
		es = append(es, e)
	}
	h.entries = es
	h.cursor = min(h.cursor, len(es)-1)
}

// sectionIndex finds a section by slug, or -1.
func sectionIndex(l *lessons.Lesson, slug string) int {
	for i, s := range l.Sections {
		if s.Slug == slug {
			return i
		}
	}
	return -1
}

func (h *home) Init() tea.Cmd { return nil }

func (h *home) Update(msg tea.Msg) tea.Cmd {
	k := h.c.keys
	switch msg := msg.(type) {
	case resumedMsg:
		h.build()
	case tea.KeyPressMsg:
		if c, ok := h.listKeys().move(msg, h.cursor, len(h.entries)); ok {
			h.cursor = c
			return nil
		}
		switch {
		case key.Matches(msg, k.Select):
			return h.entries[h.cursor].open()
		case key.Matches(msg, k.SearchAll):
			return push(newSearch(h.c, ""))
		case len(msg.Text) == 1 && msg.Text[0] >= '0' && msg.Text[0] <= '9':
			// Digits open lessons by their place in the course.
			n := int(msg.Text[0] - '0')
			for i, e := range h.entries {
				if e.lesson != nil && e.lesson.Order == n {
					h.cursor = i
					return e.open()
				}
			}
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			h.cursor = min(h.cursor+1, len(h.entries)-1)
		case tea.MouseWheelUp:
			h.cursor = max(h.cursor-1, 0)
		}
	}
	return nil
}

func (h *home) View() string {
	c := h.c
	s := c.styles
	w := c.width
	var lines []string
	cursorLine := 0
	lines = append(lines, "", s.Title.Render("  Node.js deep dive")+s.Subtitle.Render("  modules · events · scaling · clustering · security"), "")
	section := "-"
	for i, e := range h.entries {
		if e.section != section {
			section = e.section
			if section != "" {
				if len(lines) > 3 {
					lines = append(lines, "")
				}
				lines = append(lines, s.Muted.Render("  "+strings.ToUpper(section))+h.columnTitles(section))
			}
		}
		if i == h.cursor {
			cursorLine = len(lines)
		}
		lines = append(lines, h.entryLine(e, i == h.cursor, w))
	}
	// Keep the cursor in view on short terminals.
	return strings.Join(window(lines, cursorLine, cursorLine, c.bodyHeight()), "\n")
}

// Column layout of lesson rows, chosen by width.
func (h *home) barWidth() int {
	switch w := h.c.width; {
	case w >= 110:
		return 16
	case w >= 80:
		return 10
	case w >= 60:
		return 6
	default:
		return 0
	}
}

func (h *home) columnTitles(section string) string {
	if section != "Lessons" || h.barWidth() == 0 {
		return ""
	}
	bw := h.barWidth()
	titleW := h.titleWidth()
	return h.c.styles.Muted.Render(strings.Repeat(" ", max(titleW-len("LESSONS")+2, 1)) +
		padRight("read", bw+6) + "quiz")
}

func (h *home) titleWidth() int {
	bw := h.barWidth()
	if bw == 0 {
		return max(h.c.width-8, 10)
	}
	return max(h.c.width-2*(bw+6)-10, 12)
}

func (h *home) entryLine(e homeEntry, selected bool, w int) string {
	s := h.c.styles
	cursor := "  "
	if selected {
		cursor = s.Accent.Render(s.Cursor)
	}
	style := s.Item
	if selected {
		style = s.ItemSelected
	}
	if e.lesson == nil {
		line := style.Render(e.label)
		if e.desc != "" {
			line += s.ItemDesc.Render("  " + e.desc)
		}
		return cursor + ansi.Truncate(line, max(w-2, 0), "…")
	}
	l := e.lesson
	// The digit opens the lesson from here; the ID is what the CLI takes.
	title := ansi.Truncate(fmt.Sprintf("%d %-5s %s", l.Order, l.ID, l.Title), h.titleWidth(), "…")
	line := cursor + style.Render(padRight(title, h.titleWidth()))
	if bw := h.barWidth(); bw > 0 {
		read := readFraction(h.c, l)
		line += "  " + s.bar(read, bw) + s.Muted.Render(fmt.Sprintf(" %3.0f%%", read*100))
		if l.IsTopic() {
			q := quizMastery(h.c, l)
			line += "  " + s.bar(q, bw) + s.Muted.Render(fmt.Sprintf(" %3.0f%%", q*100))
		}
	} else {
		line += s.Muted.Render(fmt.Sprintf(" %3.0f%%", readFraction(h.c, l)*100))
	}
	return line
}

// readFraction is the share of a lesson's sections the learner has read.
func readFraction(c *common, l *lessons.Lesson) float64 {
	if len(l.Sections) == 0 {
		return 0
	}
	n := 0
	for _, s := range l.Sections {
		if c.progress.IsRead(l.ID, s.Slug) {
			n++
		}
	}
	return float64(n) / float64(len(l.Sections))
}

func padRight(s string, w int) string {
	if gap := w - ansi.StringWidth(s); gap > 0 {
		return s + strings.Repeat(" ", gap)
	}
	return s
}

func (h *home) listKeys() listKeys { return h.c.keys.list() }

func (h *home) Title() string   { return "Home" }
func (h *home) Meta() string    { return fmt.Sprintf("%d lessons", len(h.c.course.Lessons)) }
func (h *home) Capturing() bool { return false }

func (h *home) ShortHelp() []key.Binding {
	k := h.c.keys
	return []key.Binding{k.Up, k.Down, k.Select, k.SearchAll}
}

func (h *home) FullHelp() [][]key.Binding {
	k := h.c.keys
	digits := key.NewBinding(key.WithKeys("0"), key.WithHelp("0-5", "open lesson N"))
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Select, digits, k.SearchAll}}
}
