package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/lessons/progress"
)

// exerciseDir is where the learner works on e: where it was started (from
// the app or `nodedive exercise start --dir`), else the default.
func exerciseDir(c *common, e *exercise.Exercise) string {
	if rec := c.progress.Exercises[e.ID]; rec != nil && rec.Dir != "" {
		return rec.Dir
	}
	return filepath.Join(c.exercisesDir, e.ID)
}

// exerciseStatus is new, started or passed, as `exercise list` says.
func exerciseStatus(c *common, id string) string { return c.progress.Exercises[id].Status() }

// exercisesPassed counts the exercises passed, and all of them.
func exercisesPassed(c *common) (passed, total int) {
	if c.exercises == nil {
		return 0, 0
	}
	for _, e := range c.exercises.All() {
		total++
		if exerciseStatus(c, e.ID) == progress.ExercisePassed {
			passed++
		}
	}
	return passed, total
}

// exercisesEntry is the home screen's door to the exercises.
func exercisesEntry(c *common) homeEntry {
	passed, total := exercisesPassed(c)
	return homeEntry{
		label: "Exercises",
		desc:  fmt.Sprintf("%d of %d passed · write the code, nodedive runs it on node", passed, total),
		open:  func() tea.Cmd { return openExercises(c, "") },
	}
}

// openExercises opens the exercise list, on one topic ("" for all).
func openExercises(c *common, topic string) tea.Cmd {
	if c.exercises == nil {
		return reportError(fmt.Errorf("the exercises could not be loaded: %w", c.exercisesErr))
	}
	return push(newExercisesMenu(c, topic))
}

// labTopic is the course topic of a lab, from the lesson it demonstrates.
func labTopic(c *common, name string) string {
	if lab, ok := findLab(name); ok {
		if l, err := c.course.Find(lab.lesson); err == nil {
			return l.QuizTopic
		}
	}
	return ""
}

// exercisesMenu lists the exercises by topic with the learner's status:
// every exercise the catalog has, or one topic's.
type exercisesMenu struct {
	addr
	c     *common
	topic string
	// note says why a topic's list shows every exercise instead.
	note   string
	items  []*exercise.Exercise
	cursor int
	// lines is the list as drawn, first and last the selected item's
	// lines; worked out by layout, shown by View.
	lines       []string
	first, last int
}

func newExercisesMenu(c *common, topic string) *exercisesMenu {
	m := &exercisesMenu{addr: c.newAddr(), c: c, topic: topic}
	if topic != "" {
		m.items = c.exercises.Topic(topic)
	}
	if len(m.items) == 0 {
		if topic != "" {
			m.note = fmt.Sprintf("There are no %s exercises yet; here are all of them.", topic)
		}
		m.topic = ""
		m.items = c.exercises.All()
	}
	return m
}

func (m *exercisesMenu) Init() tea.Cmd   { return nil }
func (m *exercisesMenu) Resize() tea.Cmd { m.layout(); return nil }

func (m *exercisesMenu) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case resumedMsg, stylesChangedMsg:
		m.layout() // a status may have changed on the exercise's screen
	case tea.KeyPressMsg:
		if len(m.items) == 0 {
			return nil
		}
		if c, moved := m.listKeys().move(msg, m.cursor, len(m.items)); moved {
			m.cursor = c
			m.layout()
			return nil
		}
		if key.Matches(msg, m.c.keys.Select) {
			return push(newExerciseScreen(m.c, m.items[m.cursor]))
		}
	}
	return nil
}

// statusLabel draws an exercise's status as a fixed-width badge.
func statusLabel(s Styles, status string) string {
	switch status {
	case progress.ExercisePassed:
		return s.Success.Render("✓ passed ")
	case progress.ExerciseStarted:
		return s.Warning.Render("● started")
	}
	return s.Muted.Render("· new    ")
}

// layout draws the list for the current width and cursor.
func (m *exercisesMenu) layout() {
	s := m.c.styles
	w := m.c.width
	lines := []string{"", s.Title.Render("  Exercises") + s.Subtitle.Render("  write the code; nodedive proves it works by running it on node"), ""}
	if m.note != "" {
		lines = append(lines, wrapLines([]string{"  " + s.Warning.Render(m.note)}, max(w, 1))...)
		lines = append(lines, "")
	}
	topic := ""
	for i, e := range m.items {
		if e.Topic != topic {
			topic = e.Topic
			if i > 0 {
				lines = append(lines, "")
			}
			lines = append(lines, s.Muted.Render("  "+strings.ToUpper(topic)))
		}
		cursor, st := "  ", s.Item
		if i == m.cursor {
			cursor, st = s.Accent.Render(s.Cursor), s.ItemSelected
			m.first = len(lines)
		}
		line := cursor + statusLabel(s, exerciseStatus(m.c, e.ID)) + "  " + st.Render(e.Title) + s.Muted.Render("  "+e.ID)
		lines = append(lines, ansi.Truncate(line, w, "…"))
		m.last = len(lines) - 1
		if i == m.cursor && e.Summary != "" {
			// The selected exercise says what it is about.
			for _, l := range wrapLines([]string{e.Summary}, max(w-15, 10)) {
				lines = append(lines, strings.Repeat(" ", 15)+s.ItemDesc.Render(l))
			}
			m.last = len(lines) - 1
		}
	}
	m.lines = lines
}

func (m *exercisesMenu) View() string {
	return strings.Join(window(m.lines, m.first, m.last, m.c.bodyHeight()), "\n")
}

func (m *exercisesMenu) listKeys() listKeys { return m.c.keys.list() }

func (m *exercisesMenu) Title() string {
	if m.topic != "" {
		return "Exercises · " + m.topic
	}
	return "Exercises"
}

func (m *exercisesMenu) Meta() string {
	passed := 0
	for _, e := range m.items {
		if exerciseStatus(m.c, e.ID) == progress.ExercisePassed {
			passed++
		}
	}
	return fmt.Sprintf("%d of %d passed", passed, len(m.items))
}

func (m *exercisesMenu) Capturing() bool { return false }

func (m *exercisesMenu) ShortHelp() []key.Binding {
	k := m.c.keys
	return []key.Binding{k.Up, k.Down, k.Select}
}

func (m *exercisesMenu) FullHelp() [][]key.Binding {
	k := m.c.keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.Select}}
}
