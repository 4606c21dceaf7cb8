// Package quiz holds the question bank and everything a quiz session needs
// without any UI: loading and filtering questions, checking choice,
// true/false, fill and output answers, grading interview answers (through
// quiz/grade) and picking a mock interview.
//
// The bank is YAML in content/quiz: lexicon.yaml (synonyms and shared term
// lists) and one file per topic:
//
//	topic: modules            # one of Topics
//	lesson: q11               # default lesson of every question
//	subjects: {...}           # subjects shared by the topic's rubrics
//	terms: {...}              # term lists shared by the topic's rubrics
//	questions:
//	  - id: modules-03
//	    kind: choice          # interview, choice, truefalse, output, fill
//	    section: Explanation  # lesson section the question comes from
//	    prompt: ...
//	    options: [{text: ..., correct: true}, {text: ...}]
//	    explanation: ...
//
// truefalse questions have answer: true|false, output questions code and
// expected (what node prints on stdout; module: esm runs it as .mjs), fill
// questions code with a ____ blank and accept: [...]. Interview questions
// have a rubric (see grade.Rubric) and a model answer, or model: lesson to
// use the lesson's "Interview answer" section.
package quiz

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/quiz/grade"
)

// Topics are the course topics, in course order. They match the lessons'
// quiz: front matter.
var Topics = []string{"modules", "events", "scaling", "cluster", "security"}

// Kind is the kind of a question.
type Kind string

// The kinds of question in the bank.
const (
	Interview Kind = "interview" // free text graded by a rubric
	Choice    Kind = "choice"    // one or several correct options
	TrueFalse Kind = "truefalse" // a statement, usually a common misconception
	Output    Kind = "output"    // predict what a snippet prints
	Fill      Kind = "fill"      // complete the code
)

// Kinds lists every kind.
var Kinds = []Kind{Interview, Choice, TrueFalse, Output, Fill}

// Blank marks the gap in a fill question's code.
const Blank = "____"

// ModelFromLesson as a question's model answer means "the lesson's
// Interview answer section".
const ModelFromLesson = "lesson"

// Option is one answer of a choice question.
type Option struct {
	Text    string `yaml:"text" json:"text"`
	Correct bool   `yaml:"correct" json:"-"`
	// Why explains the option after answering.
	Why string `yaml:"why" json:"-"`
}

// Question is one question of the bank.
type Question struct {
	ID      string `yaml:"id" json:"id"`
	Topic   string `yaml:"-" json:"topic"`
	Kind    Kind   `yaml:"kind" json:"kind"`
	Lesson  string `yaml:"lesson" json:"lesson"`
	Section string `yaml:"section" json:"section,omitempty"`
	Prompt  string `yaml:"prompt" json:"prompt"`
	// Code is the snippet of output and fill questions.
	Code string `yaml:"code" json:"code,omitempty"`
	// Module is "esm" when an output snippet runs as an ES module.
	Module  string   `yaml:"module" json:"module,omitempty"`
	Options []Option `yaml:"options" json:"options,omitempty"`
	// Answer is the truth of a truefalse statement.
	Answer *bool `yaml:"answer" json:"-"`
	// Accept lists the accepted fills of the blank.
	Accept []string `yaml:"accept" json:"-"`
	// Expected is what an output snippet prints on stdout.
	Expected    string `yaml:"expected" json:"-"`
	Explanation string `yaml:"explanation" json:"-"`
	// Model is an interview question's model answer, or ModelFromLesson.
	Model  string        `yaml:"model" json:"-"`
	Rubric *grade.Rubric `yaml:"rubric" json:"-"`

	grader *grade.Grader
}

// Multi reports whether a choice question has several correct options.
func (q *Question) Multi() bool {
	n := 0
	for _, o := range q.Options {
		if o.Correct {
			n++
		}
	}
	return n > 1
}

// Grader returns the compiled rubric of an interview question, nil for
// other kinds.
func (q *Question) Grader() *grade.Grader { return q.grader }

// ModelAnswer returns the model answer of an interview question: its own,
// or the lesson's interview answer for the questions of the source notes.
func (q *Question) ModelAnswer() (string, error) {
	if q.Kind != Interview {
		return "", fmt.Errorf("question %s is a %s question: only interview questions have a model answer", q.ID, q.Kind)
	}
	if q.Model != ModelFromLesson {
		return q.Model, nil
	}
	course, err := lessons.Load()
	if err != nil {
		return "", err
	}
	l, err := course.Find(q.Lesson)
	if err != nil {
		return "", fmt.Errorf("model answer of %s: %w", q.ID, err)
	}
	if l.InterviewAnswer == "" {
		return "", fmt.Errorf("model answer of %s: lesson %s has no interview answer", q.ID, l.ID)
	}
	return l.InterviewAnswer, nil
}

// Bank is the loaded question bank.
type Bank struct {
	// Questions are in topic order, then file order.
	Questions []*Question
	byID      map[string]*Question
	detector  *grade.Detector // see learned.go
}

var (
	bankOnce sync.Once
	bank     *Bank
	bankErr  error
)

// LoadBank parses and compiles the embedded bank once. The files are part
// of the binary, so an error is a bug the tests catch.
func LoadBank() (*Bank, error) {
	bankOnce.Do(func() { bank, bankErr = loadEmbedded(content.Quiz()) })
	return bank, bankErr
}

type topicFile struct {
	Topic     string              `yaml:"topic"`
	Lesson    string              `yaml:"lesson"`
	Subjects  map[string][]string `yaml:"subjects"`
	Terms     map[string][]string `yaml:"terms"`
	Questions []*Question         `yaml:"questions"`
}

// LexiconFile holds the shared synonyms and term lists.
const LexiconFile = "lexicon.yaml"

// LoadBankFS parses lexicon.yaml and every other *.yaml file of fsys,
// checks each question and compiles the rubrics.
func LoadBankFS(fsys fs.FS) (*Bank, error) {
	var lex grade.Lexicon
	if err := decodeFile(fsys, LexiconFile, &lex); err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	b := &Bank{byID: map[string]*Question{}}
	byTopic := map[string][]*Question{}
	for _, name := range names {
		if name == LexiconFile {
			continue
		}
		var tf topicFile
		if err := decodeFile(fsys, name, &tf); err != nil {
			return nil, err
		}
		if !slices.Contains(Topics, tf.Topic) {
			return nil, fmt.Errorf("%s: topic %q is not one of %s", name, tf.Topic, strings.Join(Topics, ", "))
		}
		topicLex := grade.Lexicon{Synonyms: lex.Synonyms, Terms: maps.Clone(lex.Terms)}
		if topicLex.Terms == nil {
			topicLex.Terms = map[string][]string{}
		}
		maps.Copy(topicLex.Terms, tf.Terms)
		for _, q := range tf.Questions {
			q.Topic = tf.Topic
			if q.Lesson == "" {
				q.Lesson = tf.Lesson
			}
			if err := q.check(topicLex, tf.Subjects); err != nil {
				return nil, fmt.Errorf("%s: question %q: %w", name, q.ID, err)
			}
			if other, dup := b.byID[strings.ToLower(q.ID)]; dup {
				return nil, fmt.Errorf("%s: question ID %s is also used in topic %s", name, q.ID, other.Topic)
			}
			b.byID[strings.ToLower(q.ID)] = q
			byTopic[tf.Topic] = append(byTopic[tf.Topic], q)
		}
	}
	for _, t := range Topics {
		b.Questions = append(b.Questions, byTopic[t]...)
	}
	if len(b.Questions) == 0 {
		return nil, errors.New("the question bank is empty")
	}
	if err := b.loadDetector(fsys); err != nil && !errors.Is(err, errNoWeights) {
		return nil, err
	}
	return b, nil
}

func decodeFile(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// check validates one question and compiles its rubric.
func (q *Question) check(lex grade.Lexicon, topicSubjects map[string][]string) error {
	if q.ID == "" || strings.ContainsAny(q.ID, " \t\n") {
		return errors.New("id must be set and have no spaces")
	}
	if strings.TrimSpace(q.Prompt) == "" {
		return errors.New("prompt is empty")
	}
	if q.Lesson == "" {
		return errors.New("no lesson: set lesson on the question or the topic file")
	}
	need := func(ok bool, what string) error {
		if !ok {
			return fmt.Errorf("a %s question needs %s", q.Kind, what)
		}
		return nil
	}
	var errs []error
	switch q.Kind {
	case Interview:
		errs = append(errs, need(q.Rubric != nil, "a rubric"), need(q.Model != "", "a model answer (or model: lesson)"))
		if q.Rubric != nil {
			r := *q.Rubric
			r.Subjects = maps.Clone(topicSubjects)
			if r.Subjects == nil {
				r.Subjects = map[string][]string{}
			}
			maps.Copy(r.Subjects, q.Rubric.Subjects)
			g, err := grade.Compile(r, lex)
			if err != nil {
				return fmt.Errorf("rubric: %w", err)
			}
			q.grader = g
		}
	case Choice:
		correct := 0
		for _, o := range q.Options {
			if o.Correct {
				correct++
			}
		}
		errs = append(errs, need(len(q.Options) >= 2 && len(q.Options) <= 8, "2 to 8 options"),
			need(correct >= 1, "at least one correct option"), need(q.Explanation != "", "an explanation"))
	case TrueFalse:
		errs = append(errs, need(q.Answer != nil, "answer: true or false"), need(q.Explanation != "", "an explanation"))
	case Output:
		errs = append(errs, need(q.Code != "", "code"), need(q.Expected != "", "expected output"),
			need(q.Module == "" || q.Module == "esm" || q.Module == "cjs", `module "esm" or "cjs"`),
			need(q.Explanation != "", "an explanation"))
	case Fill:
		errs = append(errs, need(strings.Count(q.Code, Blank) == 1, "code with exactly one "+Blank+" blank"),
			need(len(q.Accept) > 0, "accepted answers"), need(q.Explanation != "", "an explanation"))
	default:
		return fmt.Errorf("unknown kind %q (want one of %v)", q.Kind, Kinds)
	}
	if q.Kind != Interview && (q.Rubric != nil || q.Model != "") {
		errs = append(errs, errors.New("only interview questions have a rubric or model answer"))
	}
	return errors.Join(errs...)
}

// Find returns the question with the given ID (case-insensitive). An
// unknown ID gives a *suggest.NotFoundError with the nearest IDs.
func (b *Bank) Find(id string) (*Question, error) {
	if q, ok := b.byID[strings.ToLower(strings.TrimSpace(id))]; ok {
		return q, nil
	}
	return nil, &suggest.NotFoundError{Kind: "question", Name: id, Suggestions: suggest.Nearest(id, b.IDs(), 3)}
}

// IDs lists every question ID in bank order.
func (b *Bank) IDs() []string {
	ids := make([]string, len(b.Questions))
	for i, q := range b.Questions {
		ids[i] = q.ID
	}
	return ids
}

// ByTopic returns the questions of one topic in bank order; an empty topic
// means all of them. An unknown topic gives a *suggest.NotFoundError.
func (b *Bank) ByTopic(topic string) ([]*Question, error) {
	topic = strings.ToLower(strings.TrimSpace(topic))
	if topic == "" {
		return slices.Clone(b.Questions), nil
	}
	if !slices.Contains(Topics, topic) {
		return nil, &suggest.NotFoundError{Kind: "topic", Name: topic, Suggestions: suggest.Nearest(topic, Topics, 2), Known: Topics}
	}
	var out []*Question
	for _, q := range b.Questions {
		if q.Topic == topic {
			out = append(out, q)
		}
	}
	return out, nil
}

// Gradable lists the IDs of the interview questions.
func (b *Bank) Gradable() []string {
	var ids []string
	for _, q := range b.Questions {
		if q.Kind == Interview {
			ids = append(ids, q.ID)
		}
	}
	return ids
}
