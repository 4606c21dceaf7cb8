package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/quiz"
)

// openTopicQuiz opens a practice session on topic from the quiz menu.
func openTopicQuiz(t *testing.T, d *driver, topic string) *quizScreen {
	t.Helper()
	if d.m.c.bank == nil {
		t.Fatal("the question bank did not load")
	}
	d.send(push(newQuizMenu(d.m.c))())
	menu := d.m.top().(*quizMenu)
	for i, it := range menu.items {
		if it == topic {
			menu.cursor = i
		}
	}
	d.keys("enter")
	s, ok := d.m.top().(*quizScreen)
	if !ok {
		t.Fatalf("the quiz menu opened %T", d.m.top())
	}
	return s
}

// jumpTo moves the session to the first question matching pick.
func jumpTo(t *testing.T, d *driver, s *quizScreen, pick func(*quiz.Question) bool) *quiz.Question {
	t.Helper()
	for i, q := range s.qs {
		if pick(q) {
			d.run(s.show(i), 0)
			return q
		}
	}
	t.Fatal("no such question in the session")
	return nil
}

func TestQuizChoiceIsCheckedAndRecorded(t *testing.T) {
	store := progress.Open(t.TempDir())
	d := &driver{t: t, m: newTestApp(t, true, store)}
	d.m.c.noTimers = true
	d.run(d.m.Init(), 0)
	d.send(teaSize(100, 32))
	s := openTopicQuiz(t, d, "cluster")
	q := jumpTo(t, d, s, func(q *quiz.Question) bool { return q.Kind == quiz.Choice && !q.Multi() })
	right := 0
	for i, o := range q.Options {
		if o.Correct {
			right = i
		}
	}
	d.keys(string(rune('a' + right)))
	d.keys("enter")
	if s.phase != phaseFeedback || s.outcome == nil || s.outcome.Correct == nil || !*s.outcome.Correct {
		t.Fatalf("choosing the right option: phase %v outcome %+v", s.phase, s.outcome)
	}
	if !strings.Contains(ansi.Strip(d.view()), "✓ correct") {
		t.Errorf("feedback does not say correct:\n%s", ansi.Strip(d.view()))
	}
	saved, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if rec := saved.Quiz[q.ID]; rec == nil || rec.Attempts != 1 || rec.BestScore != 100 || len(rec.Review) == 0 {
		t.Errorf("the answer was not recorded with a review card: %+v", rec)
	}
}

func TestQuizInterviewFeedbackHighlightsTheLearnersText(t *testing.T) {
	d := newDriver(t, true, 100, 40)
	s := openTopicQuiz(t, d, "cluster")
	jumpTo(t, d, s, func(q *quiz.Question) bool { return q.ID == "q14" })
	answer := "The cluster module forks one worker process per CPU core and they share the port. " +
		"Cluster workers share memory, so sessions work across them."
	d.typeText(answer)
	d.send(ctrlKey('s'))
	o := s.outcome
	if o == nil || len(o.Covered) == 0 || len(o.Misconceptions) == 0 {
		t.Fatalf("outcome = %+v", o)
	}
	v := ansi.Strip(d.view())
	for _, want := range []string{"Your answer", "Covered", "Missing", "Misconceptions", o.Misconceptions[0].Correction[:30], "Model answer"} {
		if !strings.Contains(strings.Join(strings.Fields(v), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("feedback lacks %q", want)
		}
	}
	// The phrase that made the misconception is red and underlined in the
	// learner's own text; a phrase that earned a concept is marked [1].
	hl := s.highlightAnswer(o.Result)
	bad := o.Text[o.Misconceptions[0].Spans[0].Start:o.Misconceptions[0].Spans[0].End]
	if !strings.Contains(hl, d.m.c.styles.Danger.Underline(true).Render(bad)) {
		t.Errorf("misconception %q is not highlighted in %q", bad, hl)
	}
	if !strings.Contains(ansi.Strip(hl), "[1]") {
		t.Errorf("covered phrases are not numbered: %q", ansi.Strip(hl))
	}
	if ansi.Strip(hl) == o.Text {
		t.Error("highlighting added nothing")
	}
}

func TestMockInterviewTimesOutAndReports(t *testing.T) {
	d := newDriver(t, true, 100, 40)
	d.send(push(newMock(d.m.c))())
	s := d.m.top().(*quizScreen)
	if len(s.qs) != 5 {
		t.Fatalf("a mock interview has %d questions, want 5", len(s.qs))
	}
	for _, q := range s.qs {
		if q.Kind != quiz.Interview {
			t.Errorf("mock question %s is a %s question", q.ID, q.Kind)
		}
	}
	if !strings.Contains(d.m.top().Meta(), "left") {
		t.Errorf("no countdown in the header: %q", d.m.top().Meta())
	}
	d.typeText("The primary forks workers that share the port.")
	// Three minutes later the clock submits what was typed.
	start := s.started
	s.nowFunc = func() time.Time { return start.Add(quiz.MockQuestionTime + time.Second) }
	d.send(quizTickMsg{s.mail()})
	if s.phase != phaseFeedback || s.outcome == nil {
		t.Fatalf("time up did not submit: phase %v", s.phase)
	}
	s.nowFunc = time.Now
	d.keys("enter")
	for range 4 {
		d.keys("tab")
	}
	if s.phase != phaseReport {
		t.Fatalf("after five questions the phase is %v", s.phase)
	}
	v := ansi.Strip(d.view())
	for _, want := range []string{"Mock interview report", "skipped", "Interviewer's call"} {
		if !strings.Contains(v, want) {
			t.Errorf("report lacks %q:\n%s", want, v)
		}
	}
}

func TestReviewDueComesBackOnTheHomeScreen(t *testing.T) {
	store := progress.Open(t.TempDir())
	d := &driver{t: t, m: newTestApp(t, true, store)}
	d.m.c.noTimers = true
	d.run(d.m.Init(), 0)
	d.send(teaSize(100, 32))
	s := openTopicQuiz(t, d, "security")
	q := jumpTo(t, d, s, func(q *quiz.Question) bool { return q.Kind == quiz.TrueFalse })
	wrong := "f"
	if q.Answer != nil && !*q.Answer {
		wrong = "t"
	}
	d.keys(wrong)
	if s.outcome == nil || s.outcome.Correct == nil || *s.outcome.Correct {
		t.Fatalf("a wrong true/false answer: %+v", s.outcome)
	}
	d.keys("esc", "esc") // back to the quiz menu, then home

	// Two days later the missed question is due.
	later := fixedNow.Add(48 * time.Hour)
	d.m.c.now = func() time.Time { return later }
	d.send(resumedMsg{})
	if v := ansi.Strip(d.view()); !strings.Contains(v, "Review due (1)") {
		t.Fatalf("home does not show the due review:\n%s", v)
	}
	home := d.m.stack[0].(*home)
	for i, e := range home.entries {
		if strings.HasPrefix(e.label, "Review due") {
			home.cursor = i
		}
	}
	d.keys("enter")
	r, ok := d.m.top().(*quizScreen)
	if !ok || len(r.qs) != 1 || r.qs[0].ID != q.ID {
		t.Fatalf("review session = %T %v", d.m.top(), r)
	}
}

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
