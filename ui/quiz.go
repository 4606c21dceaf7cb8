package ui

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/quiz"
	"github.com/nodedive/nodedive/quiz/grade"
)

// quizPhase is where a quiz session is.
type quizPhase int

const (
	phaseAnswering quizPhase = iota
	phaseFeedback
	phaseReport
)

// answered is one question's result in this session.
type answered struct {
	q       *quiz.Question
	outcome *quiz.Outcome // nil when skipped
	took    time.Duration
}

// Messages of the quiz screen.
type (
	quizTickMsg struct {
		to
	}
	snippetRunMsg struct {
		to
		id  string
		res noderun.Result
		err error
	}
	bankLoadedMsg struct {
		bank *quiz.Bank
		err  error
	}
)

// quizScreen runs a quiz session: practice on a topic, a review of due
// questions, or a timed mock interview ending in a report.
type quizScreen struct {
	addr
	c     *common
	keys  QuizKeys
	title string
	mock  bool
	qs    []*quiz.Question
	i     int
	phase quizPhase

	editor  textarea.Model
	editing bool
	fill    textinput.Model
	cursor  int
	chosen  map[int]bool

	outcome  *quiz.Outcome
	snippet  *noderun.Result
	snipErr  error
	scroll   int
	results  []answered
	started  time.Time // when the current question was shown
	ctx      context.Context
	cancel   context.CancelFunc
	nowFunc  func() time.Time
	rendered []string // the feedback or the report, laid out for the width
}

func newQuizScreen(c *common, title string, qs []*quiz.Question, mock bool) *quizScreen {
	ctx, cancel := context.WithCancel(c.ctx)
	s := &quizScreen{
		addr: c.newAddr(), c: c, keys: c.keys.Quiz, title: title, qs: qs, mock: mock,
		ctx: ctx, cancel: cancel, nowFunc: c.now,
	}
	s.editor = textarea.New()
	s.editor.ShowLineNumbers = false
	s.editor.Prompt = "│ "
	s.editor.CharLimit = 8 << 10 // the grader reads at most 8 KiB
	st := s.editor.Styles()
	st.Cursor.Blink = false
	s.editor.SetStyles(st)
	s.fill = newInput(c, "", "the missing code")
	return s
}

// newPractice builds a practice session on a topic ("" for all topics).
func newPractice(c *common, topic string) (screen, error) {
	qs, err := c.bank.Practice(topic, rand.New(rand.NewPCG(uint64(c.now().UnixNano()), 7)))
	if err != nil {
		return nil, err
	}
	title := "Quiz"
	if topic != "" {
		title = "Quiz: " + topic
	}
	return newQuizScreen(c, title, qs, false), nil
}

// newMock builds a mock interview: five interview questions, one per topic.
func newMock(c *common) screen {
	qs := c.bank.MockInterview(rand.New(rand.NewPCG(uint64(c.now().UnixNano()), 11)))
	return newQuizScreen(c, "Mock interview", qs, true)
}

// newReviewSession asks the questions whose review is due.
func newReviewSession(c *common) (screen, error) {
	qs := c.bank.Due(c.progress, c.now())
	if len(qs) == 0 {
		return nil, errors.New("nothing is due for review: answer some quiz questions first")
	}
	return newQuizScreen(c, "Review", qs, false), nil
}

func (s *quizScreen) Init() tea.Cmd {
	if len(s.qs) == 0 {
		s.phase = phaseReport
		s.layout()
		return warn("no questions here")
	}
	return tea.Batch(s.show(0), s.tick())
}

// Resize is the quiz's resize hook.
func (s *quizScreen) Resize() tea.Cmd {
	s.layout()
	return nil
}

// layout sizes the inputs for the current question and lays out the
// feedback or report, for the body's size. It runs on resize and whenever
// the phase or question changes; View only draws.
func (s *quizScreen) layout() {
	w, h := s.c.width, s.c.bodyHeight()
	s.fill.SetWidth(max(w-4, 10))
	s.editor.SetWidth(max(w-2, 10))
	s.rendered = nil
	switch s.phase {
	case phaseAnswering:
		// The header, the label above the editor, and a line to spare.
		s.editor.SetHeight(max(h-len(s.header(w))-2, 3))
	case phaseFeedback:
		s.rendered = s.feedbackLines(w)
	case phaseReport:
		s.rendered = s.reportLines(w)
	}
	s.scrollBy(0)
}

// scrollBy moves the feedback or report by d lines, kept in range.
func (s *quizScreen) scrollBy(d int) {
	s.scroll = min(max(s.scroll+d, 0), max(len(s.rendered)-s.c.bodyHeight(), 0))
}

// Leave stops a snippet still running.
func (s *quizScreen) Leave() tea.Cmd {
	s.cancel()
	return nil
}

func (s *quizScreen) tick() tea.Cmd {
	if !s.mock {
		return nil
	}
	mail := s.mail()
	return s.c.after(time.Second, func() tea.Msg { return quizTickMsg{mail} })
}

func (s *quizScreen) current() *quiz.Question { return s.qs[s.i] }

// show prepares question i for answering.
func (s *quizScreen) show(i int) tea.Cmd {
	s.i, s.phase, s.outcome, s.snippet, s.snipErr, s.scroll = i, phaseAnswering, nil, nil, nil, 0
	s.cursor, s.chosen = 0, map[int]bool{}
	s.started = s.nowFunc()
	s.editor.Reset()
	s.fill.Reset()
	s.editing = false
	s.layout()
	switch s.current().Kind {
	case quiz.Interview, quiz.Output:
		s.editing = true
		s.fill.Blur()
		return s.editor.Focus()
	case quiz.Fill:
		s.editing = true
		return s.fill.Focus()
	}
	return nil
}

// timeLeft is the mock interview's remaining time for this question.
func (s *quizScreen) timeLeft() time.Duration {
	return quiz.MockQuestionTime - s.nowFunc().Sub(s.started)
}

func (s *quizScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case quizTickMsg:
		if s.phase == phaseReport {
			return nil
		}
		if s.phase == phaseAnswering && s.timeLeft() <= 0 {
			return tea.Batch(info("time is up: your answer was submitted as it stood"), s.submit(), s.tick())
		}
		return s.tick()
	case snippetRunMsg:
		if s.phase == phaseFeedback && msg.id == s.current().ID {
			s.snippet, s.snipErr = &msg.res, msg.err
			s.layout()
		}
		return nil
	case stylesChangedMsg:
		s.layout()
		return nil
	case tea.PasteMsg:
		if s.editing {
			return s.typeInto(msg)
		}
	case tea.KeyPressMsg:
		switch s.phase {
		case phaseAnswering:
			return s.answerKey(msg)
		case phaseFeedback:
			return s.feedbackKey(msg)
		case phaseReport:
			if key.Matches(msg, s.keys.Next) {
				return pop
			}
		}
	}
	return nil
}

func (s *quizScreen) typeInto(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if s.current().Kind == quiz.Fill {
		s.fill, cmd = s.fill.Update(msg)
	} else {
		s.editor, cmd = s.editor.Update(msg)
	}
	return cmd
}

func (s *quizScreen) answerKey(msg tea.KeyPressMsg) tea.Cmd {
	k, g := s.keys, s.c.keys
	q := s.current()
	switch {
	case key.Matches(msg, k.Submit):
		return s.submit()
	case key.Matches(msg, k.Skip):
		s.results = append(s.results, answered{q: q, took: s.nowFunc().Sub(s.started)})
		return s.advance()
	}
	if s.editing {
		switch {
		case msg.String() == "esc":
			s.editing = false
			s.editor.Blur()
			s.fill.Blur()
			return nil
		case q.Kind == quiz.Fill && key.Matches(msg, g.Select):
			return s.submit()
		}
		return s.typeInto(msg)
	}
	switch q.Kind {
	case quiz.Choice:
		if c, ok := s.listKeys().move(msg, s.cursor, len(q.Options)); ok {
			s.cursor = c
			return nil
		}
		switch {
		case key.Matches(msg, k.Toggle):
			s.toggle(s.cursor)
		case key.Matches(msg, g.Select):
			if len(s.chosen) == 0 {
				s.toggle(s.cursor)
			}
			return s.submit()
		case len(msg.Text) == 1 && msg.Text[0] >= 'a' && int(msg.Text[0]-'a') < len(q.Options):
			s.cursor = int(msg.Text[0] - 'a')
			s.toggle(s.cursor)
		}
	case quiz.TrueFalse:
		switch {
		case key.Matches(msg, k.True):
			return s.submitTrueFalse(true)
		case key.Matches(msg, k.False):
			return s.submitTrueFalse(false)
		}
	default:
		if key.Matches(msg, k.Edit) || key.Matches(msg, g.Select) {
			s.editing = true
			if q.Kind == quiz.Fill {
				return s.fill.Focus()
			}
			return s.editor.Focus()
		}
	}
	return nil
}

func (s *quizScreen) toggle(i int) {
	if !s.current().Multi() {
		s.chosen = map[int]bool{}
	}
	if s.chosen[i] {
		delete(s.chosen, i)
	} else {
		s.chosen[i] = true
	}
}

func (s *quizScreen) submitTrueFalse(v bool) tea.Cmd {
	o := s.current().CheckTrueFalse(v)
	return s.finish(o)
}

// submit grades the current answer (grading is pure and takes well under
// a millisecond, so it runs here).
func (s *quizScreen) submit() tea.Cmd {
	q := s.current()
	var o quiz.Outcome
	switch q.Kind {
	case quiz.Choice:
		var sel []int
		for i := range q.Options {
			if s.chosen[i] {
				sel = append(sel, i)
			}
		}
		if len(sel) == 0 {
			return info("choose an option first (space), then enter")
		}
		o = q.CheckChoices(sel)
	case quiz.TrueFalse:
		return info("press t for true or f for false")
	case quiz.Fill:
		if strings.TrimSpace(s.fill.Value()) == "" {
			return info("type the missing code first")
		}
		o = q.CheckFill(s.fill.Value())
	case quiz.Output:
		o = q.CheckOutput(s.editor.Value())
	default:
		var err error
		if o, err = q.Evaluate(s.editor.Value()); err != nil {
			return reportError(err)
		}
	}
	return s.finish(o)
}

// finish records an outcome, in the session and in the progress file.
func (s *quizScreen) finish(o quiz.Outcome) tea.Cmd {
	q := s.current()
	s.outcome = &o
	s.phase = phaseFeedback
	s.editing = false
	s.editor.Blur()
	s.fill.Blur()
	s.scroll = 0
	s.layout()
	now := s.nowFunc()
	s.results = append(s.results, answered{q: q, outcome: &o, took: now.Sub(s.started)})
	// Record decodes and re-encodes cards; it cannot fail on cards it
	// wrote itself, and a hand-edited bad card is replaced.
	return s.c.saveProgress(func(p *progress.Progress) {
		if err := quiz.Record(p, q, o, now); err != nil {
			p.Question(q.ID).Review, p.Question(q.ID).Concepts = nil, nil
			_ = quiz.Record(p, q, o, now)
		}
	})
}

func (s *quizScreen) advance() tea.Cmd {
	if s.i+1 >= len(s.qs) {
		s.phase = phaseReport
		s.scroll = 0
		s.layout()
		return nil
	}
	return s.show(s.i + 1)
}

func (s *quizScreen) feedbackKey(msg tea.KeyPressMsg) tea.Cmd {
	k, g := s.keys, s.c.keys
	q := s.current()
	switch {
	case key.Matches(msg, k.Next):
		return s.advance()
	case key.Matches(msg, g.Down):
		s.scrollBy(1)
	case key.Matches(msg, g.Up):
		s.scrollBy(-1)
	case key.Matches(msg, g.PageDown):
		s.scrollBy(s.c.bodyHeight() / 2)
	case key.Matches(msg, g.PageUp):
		s.scrollBy(-s.c.bodyHeight() / 2)
	case key.Matches(msg, k.RunSnippet) && q.Kind == quiz.Output:
		prog, ctx, id, mail := q.Program(), s.ctx, q.ID, s.mail()
		return tea.Batch(info("running the snippet on node…"), s.c.nodeNotice(), func() tea.Msg {
			res, err := noderun.Run(ctx, prog, noderun.Options{Timeout: runTimeout, MaxOutput: runOutputCap})
			return snippetRunMsg{to: mail, id: id, res: res, err: err}
		})
	case key.Matches(msg, k.Lesson):
		return openLessonAt(s.c, q.Lesson, q.Section)
	}
	return nil
}

func (s *quizScreen) View() string {
	w, h := s.c.width, s.c.bodyHeight()
	if s.phase == phaseAnswering {
		return s.answerView(w, h)
	}
	start := min(s.scroll, len(s.rendered))
	return strings.Join(s.rendered[start:min(start+h, len(s.rendered))], "\n")
}

func (s *quizScreen) header(w int) []string {
	st := s.c.styles
	q := s.current()
	kind := map[quiz.Kind]string{
		quiz.Interview: "interview", quiz.Choice: "choice", quiz.TrueFalse: "true or false",
		quiz.Output: "what does it print?", quiz.Fill: "fill the blank",
	}[q.Kind]
	if q.Kind == quiz.Choice && q.Multi() {
		kind = "choose all that apply"
	}
	top := fmt.Sprintf("Question %d of %d · %s · %s", s.i+1, len(s.qs), q.ID, kind)
	lines := []string{st.Muted.Render(ansi.Truncate(top, w, "…")), ""}
	for _, l := range wrapLines([]string{q.Prompt}, w-2) {
		lines = append(lines, st.Title.Render(l))
	}
	lines = append(lines, "")
	if q.Code != "" {
		for _, l := range strings.Split(strings.TrimRight(q.Code, "\n"), "\n") {
			lines = append(lines, ansi.Truncate("  "+st.Accent.Render(strings.ReplaceAll(l, "\t", "  ")), w, "…"))
		}
		lines = append(lines, "")
	}
	return lines
}

func (s *quizScreen) answerView(w, h int) string {
	st := s.c.styles
	q := s.current()
	lines := s.header(w)
	switch q.Kind {
	case quiz.Choice:
		for i, o := range q.Options {
			box := "( )"
			switch {
			case q.Multi() && s.chosen[i]:
				box = st.Success.Render("[x]")
			case q.Multi():
				box = "[ ]"
			case s.chosen[i]:
				box = st.Success.Render("(•)")
			}
			cursor := "  "
			if i == s.cursor {
				cursor = st.Accent.Render(st.Cursor)
			}
			text := wrapLines([]string{fmt.Sprintf("%c. %s", 'a'+i, o.Text)}, max(w-8, 10))
			lines = append(lines, cursor+box+" "+text[0])
			for _, more := range text[1:] {
				lines = append(lines, "      "+more)
			}
		}
		lines = append(lines, "", st.Muted.Render("space or a-z chooses · enter submits"))
	case quiz.TrueFalse:
		lines = append(lines, st.Muted.Render("t: true · f: false"))
	case quiz.Fill:
		lines = append(lines, s.fill.View(), "", st.Muted.Render("enter checks it"))
	default:
		label := "Your answer, as you would say it in an interview"
		if q.Kind == quiz.Output {
			label = "What does node print? One line per line of output"
		}
		lines = append(lines, st.Accent.Render(label)+st.Muted.Render("  (ctrl+s submits · esc stops typing)"))
		lines = append(lines, strings.Split(s.editor.View(), "\n")...)
	}
	if len(lines) > h {
		// Keep the answer area: cut the prompt's top instead.
		lines = lines[len(lines)-h:]
	}
	return strings.Join(lines, "\n")
}

// feedbackLines explains the grade: the learner's own text with the
// phrases that earned each concept and the ones flagged as misconceptions
// highlighted, what was missing, the corrections, and the model answer.
func (s *quizScreen) feedbackLines(w int) []string {
	st := s.c.styles
	q, o := s.current(), s.outcome
	lines := s.header(w)
	verdictStyle := map[grade.Verdict]func(...string) string{
		grade.Strong: st.Success.Render, grade.Partial: st.Warning.Render, grade.Weak: st.Danger.Render,
	}[o.Verdict]
	if verdictStyle == nil {
		verdictStyle = st.Text.Render
	}
	lines = append(lines, fmt.Sprintf("%s  %s %s", verdictStyle(fmt.Sprintf("%d/100 %s", o.Score, o.Verdict)),
		st.bar(float64(o.Score)/100, 20), st.Muted.Render("enter: next · o: lesson section")))
	for _, n := range o.Notices {
		lines = append(lines, st.Warning.Render("note: "+n))
	}
	lines = append(lines, "")

	if q.Kind == quiz.Interview {
		lines = append(lines, st.Accent.Render("Your answer")+st.Muted.Render("  (green: earned a concept [n] · red: a misconception)"))
		for _, l := range wrapLines(strings.Split(s.highlightAnswer(o.Result), "\n"), w-2) {
			lines = append(lines, "  "+l)
		}
		lines = append(lines, "")
		if len(o.Covered) > 0 {
			lines = append(lines, st.Success.Render(fmt.Sprintf("Covered (%d)", len(o.Covered))))
			for i, c := range o.Covered {
				lines = append(lines, wrapIndent(fmt.Sprintf("  ✓ [%d] ", i+1), c.Label, w)...)
			}
		}
		if len(o.Missing) > 0 {
			lines = append(lines, st.Warning.Render(fmt.Sprintf("Missing (%d)", len(o.Missing))))
			for _, c := range o.Missing {
				lines = append(lines, wrapIndent("  ✗ ", c.Label, w)...)
			}
		}
	} else if o.Correct != nil {
		verdict := st.Danger.Render("✗ not quite")
		if *o.Correct {
			verdict = st.Success.Render("✓ correct")
		}
		lines = append(lines, verdict)
		if o.Expected != "" {
			lines = append(lines, st.Accent.Render("Answer:"))
			for _, l := range strings.Split(strings.TrimRight(o.Expected, "\n"), "\n") {
				lines = append(lines, "  "+l)
			}
		}
	}
	if len(o.Misconceptions) > 0 {
		lines = append(lines, st.Danger.Render("Misconceptions"))
		for _, m := range o.Misconceptions {
			lines = append(lines, wrapIndent("  ✗ ", m.Claim, w)...)
			lines = append(lines, wrapIndent("    → ", m.Correction, w)...)
		}
	}
	if o.Explanation != "" {
		lines = append(lines, "", st.Accent.Render("Why"))
		lines = append(lines, wrapIndent("  ", o.Explanation, w)...)
	}
	if q.Kind == quiz.Output {
		lines = append(lines, "")
		switch {
		case s.snippet != nil:
			lines = append(lines, st.Accent.Render(fmt.Sprintf("node just printed (exit %d):", s.snippet.ExitCode)))
			for _, l := range strings.Split(strings.TrimRight(s.snippet.Output, "\n"), "\n") {
				lines = append(lines, "  "+l)
			}
		case s.snipErr != nil:
			lines = append(lines, st.Danger.Render(s.snipErr.Error()))
		default:
			lines = append(lines, st.Muted.Render("r: run the snippet on your node and see for yourself"))
		}
	}
	if q.Kind == quiz.Interview {
		if model, err := q.ModelAnswer(); err == nil {
			lines = append(lines, "", st.Accent.Render("Model answer"))
			for _, para := range strings.Split(model, "\n\n") {
				lines = append(lines, wrapIndent("  ", para, w)...)
			}
		}
	}
	return lines
}

// highlightAnswer styles the byte spans of the graded text: covered
// concepts in green, numbered as in the Covered list; misconceptions in red
// (they win where spans overlap).
func (s *quizScreen) highlightAnswer(r grade.Result) string {
	st := s.c.styles
	text := r.Text
	if strings.TrimSpace(text) == "" {
		return st.Muted.Render("(empty)")
	}
	type mark struct {
		start, end int
		bad        bool
		n          int
	}
	var marks []mark
	for _, m := range r.Misconceptions {
		for _, sp := range m.Spans {
			marks = append(marks, mark{sp.Start, sp.End, true, 0})
		}
	}
	for i, c := range r.Covered {
		for _, sp := range c.Spans {
			marks = append(marks, mark{sp.Start, sp.End, false, i + 1})
		}
	}
	slices.SortStableFunc(marks, func(a, b mark) int {
		if a.start != b.start {
			return a.start - b.start
		}
		if a.bad != b.bad { // misconceptions first, so they win overlaps
			if a.bad {
				return -1
			}
			return 1
		}
		return 0
	})
	var b strings.Builder
	pos := 0
	for _, m := range marks {
		start, end := max(m.start, pos), min(m.end, len(text))
		if start >= end {
			continue
		}
		b.WriteString(text[pos:start])
		if m.bad {
			b.WriteString(st.Danger.Underline(true).Render(text[start:end]))
		} else {
			b.WriteString(st.Success.Underline(true).Render(text[start:end]))
			b.WriteString(st.Muted.Render(fmt.Sprintf("[%d]", m.n)))
		}
		pos = end
	}
	b.WriteString(text[pos:])
	return b.String()
}

// reportLines is the end of a session; for a mock interview, the report an
// interviewer would give.
func (s *quizScreen) reportLines(w int) []string {
	st := s.c.styles
	title := "Session report"
	if s.mock {
		title = "Mock interview report"
	}
	lines := []string{st.Title.Render(title), ""}
	total, n := 0, 0
	var took time.Duration
	missing := map[string]int{}
	for _, r := range s.results {
		took += r.took
		if r.outcome == nil {
			lines = append(lines, fmt.Sprintf("  %-12s %s", r.q.ID, st.Muted.Render("skipped")))
			n++
			continue
		}
		total += r.outcome.Score
		n++
		verdict := string(r.outcome.Verdict)
		lines = append(lines, ansi.Truncate(fmt.Sprintf("  %-12s %3d %-8s %s  %s", r.q.ID, r.outcome.Score, verdict,
			st.bar(float64(r.outcome.Score)/100, 10), st.Muted.Render(r.took.Round(time.Second).String())), w, "…"))
		for _, m := range r.outcome.Missing {
			missing[m.Label]++
		}
		for _, m := range r.outcome.Misconceptions {
			lines = append(lines, ansi.Truncate("      "+st.Danger.Render("✗ "+m.Claim), w, "…"))
		}
	}
	if n > 0 {
		lines = append(lines, "", fmt.Sprintf("Average %d/100 over %d questions in %s", total/n, n, took.Round(time.Second)))
	}
	if s.mock && n > 0 {
		avg := total / n
		verdict := "not yet: review the lessons of your weakest answers, then try again"
		switch {
		case avg >= 75:
			verdict = "hire: clear, complete answers"
		case avg >= 55:
			verdict = "lean hire: right ideas, some gaps"
		}
		lines = append(lines, st.Accent.Render("Interviewer's call: ")+verdict)
	}
	if len(missing) > 0 {
		lines = append(lines, "", st.Warning.Render("Concepts you left out"))
		keys := make([]string, 0, len(missing))
		for k := range missing {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			lines = append(lines, wrapIndent("  · ", k, w)...)
		}
	}
	lines = append(lines, "", st.Muted.Render("Missed concepts are scheduled for review; enter goes back."))
	return lines
}

func (s *quizScreen) listKeys() listKeys { return s.c.keys.list() }

func (s *quizScreen) Title() string { return s.title }

func (s *quizScreen) Meta() string {
	if s.phase == phaseReport {
		return "done"
	}
	meta := fmt.Sprintf("%d/%d", s.i+1, len(s.qs))
	if s.mock && s.phase == phaseAnswering {
		left := max(s.timeLeft(), 0).Round(time.Second)
		meta += fmt.Sprintf(" · %d:%02d left", int(left.Minutes()), int(left.Seconds())%60)
	}
	return meta
}

func (s *quizScreen) Capturing() bool { return s.phase == phaseAnswering && s.editing }

// Back stops typing before leaving the session.
func (s *quizScreen) Back() (tea.Cmd, bool) {
	if s.editing {
		s.editing = false
		s.editor.Blur()
		s.fill.Blur()
		return nil, true
	}
	return nil, false
}

func (s *quizScreen) ShortHelp() []key.Binding {
	k, g := s.keys, s.c.keys
	switch {
	case s.phase == phaseReport:
		return []key.Binding{k.Next}
	case s.phase == phaseFeedback:
		if s.current().Kind == quiz.Output {
			return []key.Binding{k.Next, k.RunSnippet, k.Lesson, g.Down}
		}
		return []key.Binding{k.Next, k.Lesson, g.Down}
	case s.editing:
		return []key.Binding{k.Submit, k.Skip}
	case s.current().Kind == quiz.Choice:
		return []key.Binding{g.Up, g.Down, k.Toggle, k.Choose, k.Skip}
	case s.current().Kind == quiz.TrueFalse:
		return []key.Binding{k.True, k.False, k.Skip}
	}
	return []key.Binding{k.Edit, k.Submit, k.Skip}
}

func (s *quizScreen) FullHelp() [][]key.Binding {
	k, g := s.keys, s.c.keys
	return [][]key.Binding{{k.Submit, k.Edit, k.Skip}, {k.Toggle, k.Choose, k.True, k.False}, {k.Next, k.RunSnippet, k.Lesson, g.Up, g.Down}}
}
