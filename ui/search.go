package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/lessons"
)

// searchHit is one line of a lesson that contains the query.
type searchHit struct {
	lesson  *lessons.Lesson
	section int    // index into lesson.Sections, -1 before the first
	text    string // the line as shown (markdown markers removed)
	start   int    // cell range of the match in text
	end     int
}

// maxHits bounds the result list; a one-letter query would list everything.
const maxHits = 200

// searchAll finds query (case-insensitively) in every lesson's text.
func searchAll(course *lessons.Course, query string) []searchHit {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil
	}
	var hits []searchHit
	for _, l := range course.Lessons {
		offset := 0
		inFence := false
		for _, raw := range strings.SplitAfter(string(l.Body), "\n") {
			lineStart := offset
			offset += len(raw)
			line := strings.TrimRight(raw, "\n")
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inFence = !inFence
				continue
			}
			text := displayLine(line, inFence)
			lower := strings.ToLower(text)
			if len(lower) != len(text) {
				lower = text
			}
			i := strings.Index(lower, q)
			if i < 0 {
				continue
			}
			start := ansi.StringWidth(text[:i])
			hits = append(hits, searchHit{
				lesson: l, section: sectionAt(l, lineStart), text: text,
				start: start, end: start + ansi.StringWidth(text[i:i+len(q)]),
			})
			if len(hits) == maxHits {
				return hits
			}
		}
	}
	return hits
}

// displayLine strips the markdown markers a reader would not see.
func displayLine(line string, code bool) string {
	if code {
		return strings.TrimSpace(line)
	}
	t := strings.TrimSpace(line)
	t = strings.TrimLeft(t, "#>|-* ")
	t = strings.NewReplacer("**", "", "`", "", "|", " ").Replace(t)
	return strings.Join(strings.Fields(t), " ")
}

// sectionAt is the innermost section holding byte offset off of the body.
func sectionAt(l *lessons.Lesson, off int) int {
	best := -1
	for i, s := range l.Sections {
		if s.Start <= off && off < s.End {
			best = i
		}
	}
	return best
}

// search is the across-lessons search screen: type, see hits as you type,
// open one to land on it in the reader with the matches highlighted.
type search struct {
	addr
	c      *common
	input  textinput.Model
	hits   []searchHit
	cursor int
	typing bool
}

func newSearch(c *common, query string) *search {
	s := &search{addr: c.newAddr(), c: c, input: newInput(c, "search all lessons: ", "e.g. keep-alive, isPrimary, Retry-After"), typing: query == ""}
	s.input.SetValue(query)
	s.hits = searchAll(c.course, query)
	return s
}

// Resize fits the input to the width.
func (s *search) Resize() tea.Cmd {
	s.input.SetWidth(max(s.c.width-ansi.StringWidth(s.input.Prompt)-2, 1))
	return nil
}

func (s *search) Init() tea.Cmd {
	if s.typing {
		return s.input.Focus()
	}
	return nil
}

func (s *search) Update(msg tea.Msg) tea.Cmd {
	k := s.c.keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if s.typing {
			switch {
			case key.Matches(msg, k.Submit), key.Matches(msg, k.Down):
				s.typing = false
				s.input.Blur()
				return nil
			case key.Matches(msg, k.Cancel):
				return pop
			}
			var cmd tea.Cmd
			s.input, cmd = s.input.Update(msg)
			s.hits = searchAll(s.c.course, s.input.Value())
			s.cursor = 0
			return cmd
		}
		switch {
		case key.Matches(msg, k.Up):
			if s.cursor == 0 {
				s.typing = true
				return s.input.Focus()
			}
			s.cursor--
		case key.Matches(msg, k.Down):
			s.cursor = min(s.cursor+1, max(len(s.hits)-1, 0))
		case key.Matches(msg, k.Search):
			s.typing = true
			return s.input.Focus()
		case key.Matches(msg, k.Select):
			if len(s.hits) == 0 {
				return nil
			}
			h := s.hits[s.cursor]
			slug := ""
			if h.section >= 0 {
				slug = h.lesson.Sections[h.section].Slug
			}
			return push(newReaderSearching(s.c, h.lesson, slug, strings.TrimSpace(s.input.Value())))
		}
	case tea.PasteMsg:
		if s.typing {
			var cmd tea.Cmd
			s.input, cmd = s.input.Update(msg)
			s.hits = searchAll(s.c.course, s.input.Value())
			return cmd
		}
	}
	return nil
}

func (s *search) View() string {
	st := s.c.styles
	w, h := s.c.width, s.c.bodyHeight()
	lines := []string{s.input.View(), ""}
	q := strings.TrimSpace(s.input.Value())
	switch {
	case q == "":
		lines = append(lines, st.Muted.Render("Type to search the text of every lesson."))
	case len(s.hits) == 0:
		lines = append(lines, st.Muted.Render(fmt.Sprintf("No lesson mentions %q.", q)))
	default:
		n := fmt.Sprintf("%d matches", len(s.hits))
		if len(s.hits) == maxHits {
			n = fmt.Sprintf("first %d matches", maxHits)
		}
		lines = append(lines, st.Muted.Render(n+" · enter opens the lesson there"))
	}
	list := make([]string, 0, len(s.hits))
	for i, hit := range s.hits {
		where := hit.lesson.ID
		if hit.section >= 0 {
			where += " › " + hit.lesson.Sections[hit.section].Title
		}
		where = ansi.Truncate(where, max(w/3, 12), "…")
		text := lipgloss.StyleRanges(hit.text, lipgloss.NewRange(hit.start, hit.end, st.Match))
		// Show the match even when the line is longer than the screen.
		if room := w - ansi.StringWidth(where) - 6; hit.end > room && room > 10 {
			cut := hit.start - room/3
			text = "…" + ansi.TruncateLeft(text, cut, "")
		}
		line := st.Accent.Render(where) + "  " + text
		prefix := "  "
		if !s.typing && i == s.cursor {
			prefix = st.Accent.Render(st.Cursor)
		}
		list = append(list, ansi.Truncate(prefix+line, w, "…"))
	}
	room := max(h-len(lines), 0)
	if len(list) > room {
		start := min(max(s.cursor-room/2, 0), len(list)-room)
		list = list[start : start+room]
	}
	return strings.Join(append(lines, list...), "\n")
}

func (s *search) Title() string   { return "Search" }
func (s *search) Meta() string    { return "" }
func (s *search) Capturing() bool { return s.typing }

func (s *search) ShortHelp() []key.Binding {
	k := s.c.keys
	if s.typing {
		return []key.Binding{k.Submit, k.Cancel}
	}
	return []key.Binding{k.Up, k.Down, k.Select, k.Search}
}

func (s *search) FullHelp() [][]key.Binding {
	k := s.c.keys
	if s.typing {
		return [][]key.Binding{{k.Submit, k.Cancel}}
	}
	return [][]key.Binding{{k.Up, k.Down, k.Select}, {k.Search}}
}
