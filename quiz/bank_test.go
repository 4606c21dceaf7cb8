package quiz_test

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/quiz"
	"github.com/nodedive/nodedive/quiz/grade"
)

// TestBankShape checks the bank against the course's requirements: enough
// questions per topic, every kind present, the notes' interview questions,
// and every question pointing at an existing lesson and section whose quiz
// topic is the question's topic.
func TestBankShape(t *testing.T) {
	b := mustBank(t)
	if len(b.Questions) < 60 {
		t.Errorf("the bank has %d questions, want at least 60", len(b.Questions))
	}
	course, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	perTopic := map[string]int{}
	perKind := map[quiz.Kind]int{}
	interviewPerTopic := map[string]int{}
	for _, q := range b.Questions {
		perTopic[q.Topic]++
		perKind[q.Kind]++
		if q.Kind == quiz.Interview {
			interviewPerTopic[q.Topic]++
		}
		l, err := course.Find(q.Lesson)
		if err != nil {
			t.Errorf("%s: lesson: %v", q.ID, err)
			continue
		}
		if l.QuizTopic != q.Topic {
			t.Errorf("%s: topic %s but lesson %s has quiz topic %q", q.ID, q.Topic, l.ID, l.QuizTopic)
		}
		if q.Section == "" {
			t.Errorf("%s: no section: every question links to the part of the lesson it tests", q.ID)
		} else if _, err := l.FindSection(q.Section); err != nil {
			t.Errorf("%s: section: %v", q.ID, err)
		}
		if q.Kind == quiz.Fill && !strings.Contains(q.Code, quiz.Blank) {
			t.Errorf("%s: fill code has no blank", q.ID)
		}
	}
	for _, topic := range quiz.Topics {
		if perTopic[topic] < 8 {
			t.Errorf("topic %s has %d questions, want at least 8", topic, perTopic[topic])
		}
		if interviewPerTopic[topic] < 2 {
			t.Errorf("topic %s has %d interview questions, want the notes' one plus more", topic, interviewPerTopic[topic])
		}
		if course.ByQuizTopic(topic) == nil {
			t.Errorf("no lesson has quiz topic %s", topic)
		}
	}
	for _, k := range quiz.Kinds {
		if perKind[k] == 0 {
			t.Errorf("no %s questions", k)
		}
	}
	t.Logf("questions per topic %v, per kind %v", perTopic, perKind)
	for i, id := range quiz.NotesQuestions {
		q, err := b.Find(id)
		if err != nil {
			t.Fatal(err)
		}
		if q.Kind != quiz.Interview || q.Topic != quiz.Topics[i] || q.Model != quiz.ModelFromLesson || q.Lesson != id {
			t.Errorf("%s: want the %s interview question with the lesson's model answer, got %s/%s/%q/%s", id, quiz.Topics[i], q.Kind, q.Topic, q.Model, q.Lesson)
		}
	}
}

// TestChoiceQuestionsAreAnswerable checks every choice question: the right
// options score 100, each single wrong option scores below strong, and each
// wrong option explains itself.
func TestChoiceQuestionsAreAnswerable(t *testing.T) {
	b := mustBank(t)
	for _, q := range b.Questions {
		switch q.Kind {
		case quiz.Choice:
			var right []int
			for i, o := range q.Options {
				if o.Correct {
					right = append(right, i)
				} else if o.Why == "" && len(q.Options) > 2 {
					t.Errorf("%s: wrong option %q has no why", q.ID, o.Text)
				}
				if strings.TrimSpace(o.Text) == "" {
					t.Errorf("%s: empty option", q.ID)
				}
			}
			if out := q.CheckChoices(right); !*out.Correct || out.Score != 100 {
				t.Errorf("%s: the right options %v are not accepted: %+v", q.ID, right, out)
			}
			for i, o := range q.Options {
				if o.Correct {
					continue
				}
				out := q.CheckChoices(append(slices.Clone(right), i))
				if *out.Correct || out.Verdict == grade.Strong || len(out.Misconceptions) != 1 {
					t.Errorf("%s: adding wrong option %d still gives %+v", q.ID, i, out)
				}
			}
		case quiz.TrueFalse:
			if out := q.CheckTrueFalse(*q.Answer); !*out.Correct {
				t.Errorf("%s: its own answer is wrong", q.ID)
			}
			out := q.CheckTrueFalse(!*q.Answer)
			if *out.Correct || out.Score != 0 {
				t.Errorf("%s: the opposite answer is accepted", q.ID)
			}
			if !*q.Answer && len(out.Misconceptions) != 1 {
				t.Errorf("%s: believing the false statement is not reported as a misconception", q.ID)
			}
		case quiz.Fill:
			for _, a := range q.Accept {
				if out := q.CheckFill("  " + a + " ;"); !*out.Correct {
					t.Errorf("%s: accepted answer %q is rejected", q.ID, a)
				}
			}
			if out := q.CheckFill("definitelyWrong"); *out.Correct {
				t.Errorf("%s: a wrong fill is accepted", q.ID)
			}
		}
	}
}

func TestEvaluateParsesAnswers(t *testing.T) {
	b := mustBank(t)
	q, _ := b.Find("events-02") // on, once, prependListener are correct
	for _, in := range []string{"a,b,c", "A B C", "1 2 3", "c, a, b"} {
		out, err := q.Evaluate(in)
		if err != nil || !*out.Correct {
			t.Errorf("choice %q: %+v %v", in, out, err)
		}
	}
	if out, err := q.Evaluate("a"); err != nil || *out.Correct || out.Verdict != grade.Partial {
		t.Errorf("a partly right multi-select should be partial: %+v %v", out, err)
	}
	for _, in := range []string{"", "z", "9", "a,7"} {
		if _, err := q.Evaluate(in); !errors.Is(err, quiz.ErrUnparsable) {
			t.Errorf("choice %q: want ErrUnparsable, got %v", in, err)
		}
	}
	tf, _ := b.Find("cluster-04") // false
	for in, want := range map[string]bool{"false": true, "F": true, "no": true, "true": false, "yes": false} {
		out, err := tf.Evaluate(in)
		if err != nil || *out.Correct != want {
			t.Errorf("truefalse %q: %+v %v", in, out, err)
		}
	}
	if _, err := tf.Evaluate("maybe"); !errors.Is(err, quiz.ErrUnparsable) {
		t.Errorf("truefalse maybe: %v", err)
	}
	fill, _ := b.Find("cluster-09")
	if out, _ := fill.Evaluate("isMaster"); *out.Correct {
		t.Error("fill: the deprecated isMaster is accepted")
	}
	iv, _ := b.Find("q14")
	out, err := iv.Evaluate("The primary forks one worker per core; each worker is a separate process.")
	if err != nil || out.Correct != nil || len(out.Covered) == 0 {
		t.Errorf("interview evaluate: %+v %v", out, err)
	}
}

func TestFindAndTopics(t *testing.T) {
	b := mustBank(t)
	if q, err := b.Find(" Q14 "); err != nil || q.ID != "q14" {
		t.Errorf("Find is not case- and space-insensitive: %v %v", q, err)
	}
	_, err := b.Find("q16")
	var nf *suggest.NotFoundError
	if !errors.As(err, &nf) || len(nf.Suggestions) == 0 {
		t.Errorf("unknown ID: want suggestions, got %v", err)
	}
	qs, err := b.ByTopic("cluster")
	if err != nil || len(qs) < 8 {
		t.Fatalf("ByTopic(cluster) = %d, %v", len(qs), err)
	}
	for _, q := range qs {
		if q.Topic != "cluster" {
			t.Errorf("ByTopic(cluster) returned %s of %s", q.ID, q.Topic)
		}
	}
	if _, err := b.ByTopic("clustr"); !errors.As(err, &nf) || !slices.Contains(nf.Suggestions, "cluster") {
		t.Errorf("ByTopic(clustr): want a suggestion of cluster, got %v", err)
	}
	for in, want := range map[string]string{"q14": "cluster", "clustering": "cluster", "Security": "security", "require": "modules"} {
		if got, err := quiz.ResolveTopic(in); err != nil || got != want {
			t.Errorf("ResolveTopic(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := quiz.ResolveTopic("scalling"); err == nil || !strings.Contains(err.Error(), "scaling") {
		t.Errorf("ResolveTopic(scalling) = %v, want a suggestion", err)
	}
}

func TestMockInterview(t *testing.T) {
	b := mustBank(t)
	notes := b.MockInterview(nil)
	var ids []string
	for _, q := range notes {
		ids = append(ids, q.ID)
	}
	if !slices.Equal(ids, quiz.NotesQuestions) {
		t.Errorf("MockInterview(nil) = %v, want %v", ids, quiz.NotesQuestions)
	}
	seen := map[string]bool{}
	for seed := range uint64(20) {
		qs := b.MockInterview(rand.New(rand.NewPCG(seed, 1)))
		if len(qs) != len(quiz.Topics) {
			t.Fatalf("seed %d: %d questions", seed, len(qs))
		}
		for i, q := range qs {
			if q.Kind != quiz.Interview || q.Topic != quiz.Topics[i] {
				t.Errorf("seed %d: question %d is %s (%s, %s)", seed, i, q.ID, q.Kind, q.Topic)
			}
			seen[q.ID] = true
		}
		again := b.MockInterview(rand.New(rand.NewPCG(seed, 1)))
		if !slices.Equal(qs, again) {
			t.Errorf("seed %d: the mock is not deterministic", seed)
		}
	}
	if len(seen) <= len(quiz.Topics) {
		t.Errorf("20 random mocks used only %d distinct questions", len(seen))
	}
	qs, err := b.Practice("events", rand.New(rand.NewPCG(1, 2)))
	if err != nil || len(qs) == 0 {
		t.Fatal(err)
	}
	if qs[len(qs)-1].Kind != quiz.Interview || qs[0].Kind == quiz.Interview {
		t.Errorf("practice should end with the interview questions: first %s, last %s", qs[0].Kind, qs[len(qs)-1].Kind)
	}
}

// TestBankErrors feeds broken banks to the loader: each mistake must be
// reported with the file and question.
func TestBankErrors(t *testing.T) {
	lexicon, err := fs.ReadFile(content.Quiz(), quiz.LexiconFile)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct{ yaml, want string }{
		"unknown topic": {"topic: databases\nlesson: q11\nquestions: []\n", `topic "databases"`},
		"unknown field": {"topic: modules\nlesson: q11\nquestions:\n  - id: x\n    kind: truefalse\n    promt: hi\n", "promt"},
		"no answer":     {"topic: modules\nlesson: q11\nquestions:\n  - id: x\n    kind: truefalse\n    prompt: hi\n    explanation: e\n", "answer: true or false"},
		"no correct option": {
			"topic: modules\nlesson: q11\nquestions:\n  - id: x\n    kind: choice\n    prompt: hi\n    explanation: e\n    options: [{text: a}, {text: b}]\n",
			"at least one correct option",
		},
		"two blanks":   {"topic: modules\nlesson: q11\nquestions:\n  - id: x\n    kind: fill\n    prompt: hi\n    explanation: e\n    code: \"____ ____\"\n    accept: [a]\n", "exactly one ____"},
		"unknown kind": {"topic: modules\nlesson: q11\nquestions:\n  - id: x\n    kind: essay\n    prompt: hi\n", `unknown kind "essay"`},
		"bad subject": {
			"topic: modules\nlesson: q11\nquestions:\n  - id: x\n    kind: interview\n    prompt: hi\n    model: m\n    rubric:\n      concepts:\n        - {id: c, label: l, weight: 1, subject: nope, says: [a]}\n",
			`unknown subject "nope"`,
		},
		"bad term": {
			"topic: modules\nlesson: q11\nquestions:\n  - id: x\n    kind: interview\n    prompt: hi\n    model: m\n    rubric:\n      concepts:\n        - {id: c, label: l, weight: 1, says: [\"@nope\"]}\n",
			"unknown term list @nope",
		},
		"duplicate id": {
			"topic: modules\nlesson: q11\nquestions:\n  - {id: x, kind: truefalse, prompt: a, answer: true, explanation: e}\n  - {id: X, kind: truefalse, prompt: b, answer: true, explanation: e}\n",
			"ID X is also used",
		},
	}
	for name, c := range cases {
		fsys := fstest.MapFS{
			quiz.LexiconFile: {Data: lexicon},
			"modules.yaml":   {Data: []byte(c.yaml)},
		}
		_, err := quiz.LoadBankFS(fsys)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, c.want)
		}
	}
}
