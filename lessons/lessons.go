// Package lessons loads the embedded course lessons and exposes their
// structure: metadata from the front matter, a table of contents, the code
// blocks (with a runnable flag) and the model interview answer.
//
// A lesson is a markdown file in content/lessons with YAML front matter:
//
//	---
//	id: q14
//	title: Clustering and the cluster module
//	aliases: [cluster, clustering]
//	order: 4
//	labs: [cluster]
//	quiz: cluster
//	summary: One line shown in lists.
//	---
//
// Topic lessons (those with a quiz topic) must have the sections listed in
// RequiredSections as level-2 headings.
package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/suggest"
)

// RequiredSections are the level-2 headings every topic lesson has, in order.
var RequiredSections = []string{
	"Definition",
	"Explanation",
	"Examples",
	"Best practices",
	"Interview answer",
	"Modern Node",
}

// wordsPerMinute is a typical reading speed for technical prose.
const wordsPerMinute = 200

// Lesson is one parsed lesson.
type Lesson struct {
	ID        string   `yaml:"id" json:"id"`
	Title     string   `yaml:"title" json:"title"`
	Aliases   []string `yaml:"aliases" json:"aliases,omitempty"`
	Order     int      `yaml:"order" json:"order"`
	Labs      []string `yaml:"labs" json:"labs,omitempty"`
	QuizTopic string   `yaml:"quiz" json:"quiz,omitempty"`
	Summary   string   `yaml:"summary" json:"summary,omitempty"`

	// Body is the markdown after the front matter.
	Body []byte `yaml:"-" json:"-"`
	// Sections is the table of contents: level-2 and level-3 headings in
	// document order.
	Sections []Section `yaml:"-" json:"sections"`
	// Blocks are the fenced code blocks in document order, output blocks
	// excepted (they are their runnable block's Outputs).
	Blocks []CodeBlock `yaml:"-" json:"-"`
	// Notes are the marker comments about prose, not about a code block:
	// claims that no check covers, and why.
	Notes []Marker `yaml:"-" json:"-"`
	// InterviewAnswer is the plain text of the "Interview answer" section.
	InterviewAnswer string `yaml:"-" json:"-"`
	// Words counts prose and code words, for the reading time.
	Words int `yaml:"-" json:"words"`
	// File is the lesson's file name inside content/lessons.
	File string `yaml:"-" json:"-"`

	misplaced []Problem // output blocks and markers out of place
}

// Section is one heading of the table of contents. Start and End are byte
// offsets into Lesson.Body covering the heading and everything up to the next
// heading of the same or a higher level.
type Section struct {
	Level int    `json:"level"`
	Title string `json:"title"`
	Slug  string `json:"slug"`
	Start int    `json:"-"`
	End   int    `json:"-"`
}

// IsTopic reports whether the lesson teaches one of the course topics (as
// opposed to the intro), and so must have the required sections.
func (l *Lesson) IsTopic() bool { return l.QuizTopic != "" }

// ReadingMinutes estimates the reading time, at least one minute.
func (l *Lesson) ReadingMinutes() int {
	return max(1, (l.Words+wordsPerMinute/2)/wordsPerMinute)
}

// Names returns the ID followed by the aliases.
func (l *Lesson) Names() []string { return append([]string{l.ID}, l.Aliases...) }

// SectionMarkdown returns the markdown of section i (0-based), including its
// subsections.
func (l *Lesson) SectionMarkdown(i int) []byte {
	s := l.Sections[i]
	return l.Body[s.Start:s.End]
}

// FindSection resolves a section reference: a 1-based number as shown in
// the table of contents, or a name matched against titles and slugs (exact
// first, then unique prefix or substring). It returns the 0-based index.
func (l *Lesson) FindSection(ref string) (int, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return 0, errors.New("empty section reference")
	}
	if n, ok := atoi(ref); ok {
		if n < 1 || n > len(l.Sections) {
			return 0, fmt.Errorf("lesson %s has sections 1 to %d, not %d", l.ID, len(l.Sections), n)
		}
		return n - 1, nil
	}
	want := strings.ToLower(ref)
	wantSlug := Slugify(ref)
	var partial []int
	for i, s := range l.Sections {
		if strings.ToLower(s.Title) == want || s.Slug == wantSlug {
			return i, nil
		}
		if strings.Contains(strings.ToLower(s.Title), want) || strings.Contains(s.Slug, wantSlug) {
			partial = append(partial, i)
		}
	}
	if len(partial) == 1 {
		return partial[0], nil
	}
	titles := make([]string, len(l.Sections))
	for i, s := range l.Sections {
		titles[i] = s.Title
	}
	if len(partial) > 1 {
		var names []string
		for _, i := range partial {
			names = append(names, fmt.Sprintf("%d %q", i+1, l.Sections[i].Title))
		}
		return 0, fmt.Errorf("section %q is ambiguous in lesson %s: it matches %s", ref, l.ID, strings.Join(names, ", "))
	}
	return 0, &suggest.NotFoundError{Kind: "section", Name: ref, Suggestions: suggest.Nearest(ref, titles, 3)}
}

// Course is the set of lessons, sorted by Order.
type Course struct {
	Lessons []*Lesson
	byName  map[string]*Lesson
}

var (
	loadOnce sync.Once
	loaded   *Course
	loadErr  error
)

// Load parses the embedded lessons once and returns them. The embedded files
// are part of the binary, so an error here is a bug caught by the tests.
func Load() (*Course, error) {
	loadOnce.Do(func() { loaded, loadErr = LoadFS(content.Lessons()) })
	return loaded, loadErr
}

// LoadFS parses every *.md file at the root of fsys.
func LoadFS(fsys fs.FS) (*Course, error) {
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, err
	}
	c := &Course{byName: map[string]*Lesson{}}
	for _, name := range names {
		if strings.EqualFold(name, "README.md") {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		l, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		l.File = path.Base(name)
		for _, n := range l.Names() {
			key := strings.ToLower(n)
			if other, dup := c.byName[key]; dup {
				return nil, fmt.Errorf("%s: name %q is already used by lesson %s", name, n, other.ID)
			}
			c.byName[key] = l
		}
		c.Lessons = append(c.Lessons, l)
	}
	slices.SortStableFunc(c.Lessons, func(a, b *Lesson) int { return a.Order - b.Order })
	return c, nil
}

// Find returns the lesson with the given ID or alias (case-insensitive). An
// unknown name gives a *suggest.NotFoundError listing the nearest names.
func (c *Course) Find(name string) (*Lesson, error) {
	if l, ok := c.byName[strings.ToLower(strings.TrimSpace(name))]; ok {
		return l, nil
	}
	var all []string
	for _, l := range c.Lessons {
		all = append(all, l.Names()...)
	}
	return nil, &suggest.NotFoundError{Kind: "lesson", Name: name, Suggestions: suggest.Nearest(name, all, 3), Known: c.IDs()}
}

// IDs lists the lesson IDs in course order.
func (c *Course) IDs() []string {
	ids := make([]string, len(c.Lessons))
	for i, l := range c.Lessons {
		ids[i] = l.ID
	}
	return ids
}

// ByQuizTopic returns the lesson whose quiz topic is topic, or nil.
func (c *Course) ByQuizTopic(topic string) *Lesson {
	for _, l := range c.Lessons {
		if l.QuizTopic == topic {
			return l
		}
	}
	return nil
}

// Parse reads one lesson: front matter, then markdown.
func Parse(data []byte) (*Lesson, error) {
	front, body, err := splitFrontMatter(data)
	if err != nil {
		return nil, err
	}
	l := &Lesson{}
	dec := yaml.NewDecoder(bytes.NewReader(front))
	dec.KnownFields(true)
	if err := dec.Decode(l); err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	if l.ID == "" || l.Title == "" {
		return nil, errors.New("front matter: id and title are required")
	}
	var joined []int
	l.Body, joined = unwrapSoftBreaks(body)
	lines := lineMap{body: l.Body, joins: joined, before: bytes.Count(data[:len(data)-len(body)], []byte("\n"))}
	if err := parseBody(l, lines); err != nil {
		return nil, err
	}
	return l, nil
}

// splitFrontMatter separates a leading "---" YAML block from the markdown.
func splitFrontMatter(data []byte) (front, body []byte, err error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	rest, ok := bytes.CutPrefix(data, []byte("---\n"))
	if !ok {
		return nil, nil, errors.New("missing front matter: the file must start with a line of three dashes")
	}
	front, body, ok = bytes.Cut(rest, []byte("\n---\n"))
	if !ok {
		return nil, nil, errors.New("front matter is not closed by a line of three dashes")
	}
	return front, body, nil
}

// Slugify turns a heading into a lower-case, dash-separated identifier.
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	return b.String()
}

func atoi(s string) (int, bool) {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 1e6 {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, s != ""
}
