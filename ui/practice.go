package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/quiz"
)

// labInfo describes one live lab for the labs menu.
type labInfo struct {
	name    string
	title   string
	desc    string
	lesson  string // the lesson it demonstrates
	command string // the headless equivalent
	// open builds the lab's dashboard; nil until the lab has one.
	open func(c *common) screen
}

// labCatalog lists the labs in course order.
func labCatalog() []labInfo {
	return []labInfo{
		{
			name: "modules", title: "Module experiments", lesson: "q11", command: "nodedive lab modules",
			desc: "predict, then run require/import experiments on your node", open: newModulesLab,
		},
		{
			name: "emitter", title: "EventEmitter bank account", lesson: "q12", command: "nodedive lab emitter --demo bank",
			desc: "deposit, withdraw, toggle listeners, watch Node's exact semantics", open: newEmitterLab,
		},
		{
			name: "scale", title: "Scaling: nginx + Redis", lesson: "q13", command: "nodedive lab scale",
			desc: "instances behind a real load balancer, shared sessions, cache, queue", open: newScaleLab,
		},
		{
			name: "cluster", title: "Cluster: primary and workers", lesson: "q14", command: "nodedive lab cluster",
			desc: "a real multi-process server: load, crashes, rolling restarts", open: newClusterLab,
		},
		{
			name: "secure", title: "Hardened server under attack", lesson: "q15", command: "nodedive lab secure --probe",
			desc: "fire probes at the Go and Express apps and see each defence hold", open: newSecureLab,
		},
	}
}

func findLab(name string) (labInfo, bool) {
	for _, l := range labCatalog() {
		if l.name == name {
			return l, true
		}
	}
	return labInfo{}, false
}

// openLab opens a lab's dashboard, or says how to run it headless.
func openLab(c *common, l labInfo) tea.Cmd {
	if l.open == nil {
		return warn(fmt.Sprintf("the %s lab has no dashboard in this build; run it from a shell: %s", l.name, l.command))
	}
	return push(l.open(c))
}

// openLabFor opens the first lab linked to a lesson.
func openLabFor(c *common, l *lessons.Lesson) tea.Cmd {
	for _, name := range l.Labs {
		if lab, ok := findLab(name); ok {
			return openLab(c, lab)
		}
	}
	return info(l.ID + " has no lab; press Q for its quiz")
}

// openQuizFor opens practice questions on a lesson's topic.
func openQuizFor(c *common, l *lessons.Lesson) tea.Cmd {
	if l.QuizTopic == "" {
		return info(l.ID + " has no quiz")
	}
	topic := l.QuizTopic
	return openQuiz(c, &topic, false)
}

// openQuiz opens a practice session on a topic, or a mock interview.
func openQuiz(c *common, topic *string, mock bool) tea.Cmd {
	if c.bank == nil {
		return info("the question bank is still loading; try again in a moment")
	}
	if mock {
		return push(newMock(c))
	}
	t := ""
	if topic != nil {
		t = *topic
	}
	s, err := newPractice(c, t)
	if err != nil {
		return reportError(err)
	}
	return push(s)
}

// quizMastery is how much of a lesson's topic the learner has shown they
// know (0 until the bank is loaded).
func quizMastery(c *common, l *lessons.Lesson) float64 {
	if c.bank == nil || l.QuizTopic == "" {
		return 0
	}
	return c.bank.Mastery(c.progress, l.QuizTopic)
}

// practiceEntries are the home screen's doors to quizzes, reviews,
// exercises and labs.
func practiceEntries(c *common) []homeEntry {
	due := 0
	if c.bank != nil {
		due = len(c.bank.Due(c.progress, c.now()))
	}
	reviewDesc := "nothing due: questions you miss come back here on a schedule"
	if due > 0 {
		reviewDesc = "questions and concepts you missed, spaced out so they stick"
	}
	return []homeEntry{
		{
			label: "Quiz", desc: "practice by topic, or a timed mock interview",
			open: func() tea.Cmd { return push(newQuizMenu(c)) },
		},
		{
			label: fmt.Sprintf("Review due (%d)", due), desc: reviewDesc,
			open: func() tea.Cmd {
				if c.bank == nil {
					return info("the question bank is still loading")
				}
				s, err := newReviewSession(c)
				if err != nil {
					return info(err.Error())
				}
				return push(s)
			},
		},
		exercisesEntry(c),
		{
			label: "Labs", desc: "cluster · secure · emitter · modules · scale",
			open: func() tea.Cmd { return push(newLabsMenu(c)) },
		},
	}
}

// quizMenu picks a practice topic or the mock interview.
type quizMenu struct {
	addr
	c      *common
	items  []string // "" = all topics, "mock" = mock interview, else a topic
	cursor int
}

func newQuizMenu(c *common) *quizMenu {
	items := []string{"mock", ""}
	items = append(items, quiz.Topics...)
	return &quizMenu{addr: c.newAddr(), c: c, items: items}
}

func (m *quizMenu) Init() tea.Cmd { return nil }

func (m *quizMenu) Update(msg tea.Msg) tea.Cmd {
	k := m.c.keys
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		if c, moved := m.listKeys().move(msg, m.cursor, len(m.items)); moved {
			m.cursor = c
			return nil
		}
		switch {
		case key.Matches(msg, k.Select):
			item := m.items[m.cursor]
			if item == "mock" {
				return openQuiz(m.c, nil, true)
			}
			return openQuiz(m.c, &item, false)
		}
	}
	return nil
}

func (m *quizMenu) View() string {
	s := m.c.styles
	w := m.c.width
	lines := []string{"", s.Title.Render("  Quiz") + s.Subtitle.Render("  answers are graded by concept against model interview answers"), ""}
	selected := 0
	for i, item := range m.items {
		label, desc := item, ""
		switch item {
		case "mock":
			label, desc = "Mock interview", fmt.Sprintf("five interview questions, one per topic, %s each, then a report", quiz.MockQuestionTime)
		case "":
			label, desc = "All topics", "every question, quick kinds first"
		default:
			if m.c.bank != nil {
				if qs, err := m.c.bank.ByTopic(item); err == nil {
					desc = fmt.Sprintf("%d questions · mastery %.0f%%", len(qs), m.c.bank.Mastery(m.c.progress, item)*100)
				}
			}
		}
		cursor, st := "  ", s.Item
		if i == m.cursor {
			cursor, st = s.Accent.Render(s.Cursor), s.ItemSelected
			selected = len(lines)
		}
		lines = append(lines, ansi.Truncate(cursor+st.Render(label)+"  "+s.ItemDesc.Render(desc), w, "…"))
	}
	return strings.Join(window(lines, selected, selected, m.c.bodyHeight()), "\n")
}

func (m *quizMenu) listKeys() listKeys { return m.c.keys.list() }

func (m *quizMenu) Title() string   { return "Quiz" }
func (m *quizMenu) Meta() string    { return "" }
func (m *quizMenu) Capturing() bool { return false }
func (m *quizMenu) ShortHelp() []key.Binding {
	k := m.c.keys
	return []key.Binding{k.Up, k.Down, k.Select}
}
func (m *quizMenu) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

// labsMenu lists the labs.
type labsMenu struct {
	addr
	c      *common
	labs   []labInfo
	cursor int
}

func newLabsMenu(c *common) *labsMenu { return &labsMenu{addr: c.newAddr(), c: c, labs: labCatalog()} }

func (m *labsMenu) Init() tea.Cmd { return nil }

func (m *labsMenu) Update(msg tea.Msg) tea.Cmd {
	k := m.c.keys
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		if c, moved := m.listKeys().move(msg, m.cursor, len(m.labs)); moved {
			m.cursor = c
		} else if key.Matches(msg, k.Select) {
			return openLab(m.c, m.labs[m.cursor])
		}
	}
	return nil
}

func (m *labsMenu) View() string {
	s := m.c.styles
	w := m.c.width
	lines := []string{"", s.Title.Render("  Live labs") + s.Subtitle.Render("  real processes on your machine, on 127.0.0.1"), ""}
	first, last := 0, 0
	for i, l := range m.labs {
		cursor, st := "  ", s.Item
		if i == m.cursor {
			cursor, st = s.Accent.Render(s.Cursor), s.ItemSelected
			first = len(lines)
		}
		lines = append(lines,
			ansi.Truncate(cursor+st.Render(l.title)+s.Muted.Render("  ("+l.lesson+")"), w, "…"),
			ansi.Truncate("    "+s.ItemDesc.Render(l.desc), w, "…"),
			ansi.Truncate("    "+s.Muted.Render("$ "+l.command), w, "…"))
		if i == m.cursor {
			last = len(lines) - 1
		}
		lines = append(lines, "")
	}
	return strings.Join(window(lines, first, last, m.c.bodyHeight()), "\n")
}

// window picks h lines of lines that show lines first..last (the
// selection), centred when there is room: on a short terminal the list
// scrolls with the cursor.
func window(lines []string, first, last, h int) []string {
	if h <= 0 {
		return nil
	}
	if len(lines) <= h {
		return lines
	}
	start := first - max(h-(last-first+1), 0)/2
	start = min(max(start, 0), len(lines)-h)
	return lines[start : start+h]
}

func (m *labsMenu) listKeys() listKeys { return m.c.keys.list() }

func (m *labsMenu) Title() string   { return "Labs" }
func (m *labsMenu) Meta() string    { return "" }
func (m *labsMenu) Capturing() bool { return false }
func (m *labsMenu) ShortHelp() []key.Binding {
	k := m.c.keys
	return []key.Binding{k.Up, k.Down, k.Select}
}
func (m *labsMenu) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
