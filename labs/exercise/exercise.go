// Package exercise is the framework of nodedive's exercises: the learner
// writes JavaScript, and checks run it on real node processes (never reading
// its source) to prove it works.
//
// # Pieces
//
// An exercise is content plus a verifier:
//
//   - Content, one directory per exercise under content/exercises/<id>/:
//     README.md (YAML front matter: id, topic, title, order, summary, hints,
//     lessons; then the task in markdown), scaffold/ (the files the learner
//     starts from) and solution/ (the reference solution, the same file
//     names). Load parses them. A scaffold that holds package-lock.json
//     (with its package.json) declares npm packages: Verify installs them
//     once into Options.CacheDir and links them into every check (see
//     packages.go).
//   - A Verifier in Go, written by the topic's package: the checks, the
//     harness scripts they run (consumer scripts, scenarios), and where the
//     learner's files go in the check's work directory (Mount).
//
// Checks run in the order given. The first, Verifier.Load, proves the code
// starts at all; when it fails, its message (with the program's stderr) is
// the only one reported, not a stack of failed checks. Every check gets a
// fresh work directory holding a snapshot of the learner's files (taken once
// when Verify starts, so edits made while checks run do not mix versions),
// the topic's harness files and check.cjs (see below), and runs its node
// processes through package sandbox: time limit, output cap, own process
// group, HOST=127.0.0.1 and a PORT, nothing left running. Two rules hold for
// every check whatever it looks at: a process the code leaves running after
// it exits, or a socket it listens on that other machines can reach, fails
// the check with a message saying so.
//
// # Adding a topic (the extension points)
//
//  1. Write content/exercises/<id>/ for each exercise (see above; three
//     hints, from a nudge to nearly the answer; lessons: sections of the
//     topic's lesson by slug, which a test in package main resolves).
//  2. Write a package labs/exercise/<topic> with one file of verifiers,
//     exporting func Verifiers() []*exercise.Verifier, and its harness
//     scripts embedded under harness/<id>/ (see labs/exercise/events).
//  3. Add one line to labs/exercise/catalog: the topic's Verifiers().
//  4. Test it with labs/exercise/exercisetest.Prove: the reference solution
//     passes every check, the scaffold fails, and each plausible wrong
//     solution under testdata/<id>/<name>/ fails the check that should
//     catch it. The test package's TestMain must call
//     sandbox.RunChildIfRequested.
//
// An exercise whose code needs npm packages (Express, a Redis client) ships
// package.json and package-lock.json in its scaffold; the lockfile is what
// declares them (see packages.go): Verify installs them with npm ci once per
// version of those two files into Options.CacheDir (package npmcache) and
// links node_modules at the root of every check's work directory, where node
// finds it from the learner's files and the harness alike. The learner's own
// node_modules is never copied.
//
// Most checks are Script checks: a harness script runs the learner's code,
// judges it, and reports {pass, expected, observed} with the helpers of
// check.cjs, which Verify writes next to the harness:
//
//	const { report, same, show } = require('./check.cjs');
//	const { convert } = require('./app/convert.js');
//	same('212 °F in °C', 100, convert(212));   // reports pass or fail
//
// A check whose script never reports (it crashed, hung, or exited early)
// fails with how the process ended and the tail of its stderr, with the
// check's temporary paths rewritten to the learner's. Load scripts should
// let a load error go uncaught, so node prints the learner's line. Checks
// that need more use Check.Run with the Trial: Run and Report for processes
// that end, Serve for a server (it waits for PORT and fails one that listens
// beyond loopback; it is stopped when the check ends), WriteFile to change a
// file between runs, NodeVersion for version-dependent expectations,
// ServeSpec and Start for servers and background processes that need more
// environment (labs/exercise/cluster and labs/exercise/scaling drive real
// clusters, Redis and nginx this way).
// Verifier.Notes adds a remark for a node version (a mistake that only shows
// on newer lines).
package exercise

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Topics are the course topics exercises belong to, in course order.
var Topics = []string{"modules", "events", "scaling", "cluster", "security"}

// Exercise is one exercise as its content describes it.
type Exercise struct {
	ID    string `yaml:"id" json:"id"`
	Topic string `yaml:"topic" json:"topic"`
	Title string `yaml:"title" json:"title"`
	// Order sorts the exercises of a topic.
	Order   int    `yaml:"order" json:"order"`
	Summary string `yaml:"summary" json:"summary,omitempty"`
	// Hints are revealed one at a time, from a nudge to nearly the answer.
	Hints []string `yaml:"hints" json:"-"`
	// Lessons are the lesson sections that teach what the exercise needs.
	Lessons []LessonLink `yaml:"lessons" json:"lessons,omitempty"`

	// README is the task: the markdown after the front matter.
	README []byte `yaml:"-" json:"-"`
	// Scaffold and Solution are the learner's starting files and the
	// reference solution, by slash-separated name.
	Scaffold []File `yaml:"-" json:"-"`
	Solution []File `yaml:"-" json:"-"`
	// Packages are the scaffold's package-lock.json and package.json when
	// it has a lockfile: the npm packages the checks install (see
	// packages.go).
	Packages []File `yaml:"-" json:"-"`

	verifier *Verifier
}

// LessonLink points at a section of a lesson ("q11", "Loading ESM from
// CommonJS"), as `nodedive read LESSON --section SECTION` takes them.
type LessonLink struct {
	Lesson  string `yaml:"lesson" json:"lesson"`
	Section string `yaml:"section" json:"section"`
}

// File is one file of a scaffold or solution.
type File struct {
	Name string // slash-separated, relative to the exercise directory
	Data []byte
}

// ReadmeFile is the name the task is written under in the learner's
// directory, next to the scaffold.
const ReadmeFile = "README.md"

// StarterFiles are the files `exercise start` writes: the task, then the
// scaffold.
func (e *Exercise) StarterFiles() []File {
	return append([]File{{Name: ReadmeFile, Data: e.README}}, e.Scaffold...)
}

// CheckNames lists the exercise's checks in the order they run, so a screen
// can show them before they do.
func (e *Exercise) CheckNames() []string {
	if e.verifier == nil {
		return nil
	}
	names := []string{e.verifier.Load.Name}
	for _, c := range e.verifier.Checks {
		names = append(names, c.Name)
	}
	return names
}

// Load parses every exercise directory at the root of fsys (see the package
// documentation for the layout). It does not attach verifiers: NewCatalog
// does.
func Load(fsys fs.FS) ([]*Exercise, error) {
	dirs, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []*Exercise
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		e, err := loadOne(fsys, d.Name())
		if err != nil {
			return nil, fmt.Errorf("exercise %s: %w", d.Name(), err)
		}
		out = append(out, e)
	}
	sortExercises(out)
	return out, nil
}

func loadOne(fsys fs.FS, dir string) (*Exercise, error) {
	data, err := fs.ReadFile(fsys, path.Join(dir, "README.md"))
	if err != nil {
		return nil, err
	}
	front, body, err := splitFrontMatter(data)
	if err != nil {
		return nil, fmt.Errorf("README.md: %w", err)
	}
	e := &Exercise{}
	dec := yaml.NewDecoder(bytes.NewReader(front))
	dec.KnownFields(true)
	if err := dec.Decode(e); err != nil {
		return nil, fmt.Errorf("README.md front matter: %w", err)
	}
	e.README = bytes.TrimLeft(body, "\n")
	if e.Scaffold, err = readTree(fsys, path.Join(dir, "scaffold")); err != nil {
		return nil, err
	}
	if e.Solution, err = readTree(fsys, path.Join(dir, "solution")); err != nil {
		return nil, err
	}
	e.Packages = packageFiles(e.Scaffold)
	return e, e.validate(dir)
}

func (e *Exercise) validate(dir string) error {
	var problems []string
	if e.ID != dir {
		problems = append(problems, fmt.Sprintf("id %q differs from its directory name", e.ID))
	}
	if !slices.Contains(Topics, e.Topic) {
		problems = append(problems, fmt.Sprintf("topic %q is not one of %s", e.Topic, strings.Join(Topics, ", ")))
	}
	if e.Title == "" {
		problems = append(problems, "no title")
	}
	if len(e.Hints) == 0 {
		problems = append(problems, "no hints")
	}
	if len(e.Scaffold) == 0 || len(e.Solution) == 0 {
		problems = append(problems, "a scaffold and a solution are both required")
	}
	for _, f := range e.Scaffold {
		if f.Name == ReadmeFile {
			problems = append(problems, "the scaffold must not have its own README.md (the task is written there)")
		}
	}
	if p := e.validatePackages(); p != "" {
		problems = append(problems, p)
	}
	for _, l := range e.Lessons {
		if l.Lesson == "" || l.Section == "" {
			problems = append(problems, "a lessons entry needs both lesson and section")
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// readTree reads every file under dir, sorted by name.
func readTree(fsys fs.FS, dir string) ([]File, error) {
	var files []File
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, File{Name: strings.TrimPrefix(p, dir+"/"), Data: data})
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return files, err
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

// sortExercises orders by topic (course order), then Order, then ID.
func sortExercises(list []*Exercise) {
	rank := func(topic string) int {
		if i := slices.Index(Topics, topic); i >= 0 {
			return i
		}
		return len(Topics)
	}
	slices.SortStableFunc(list, func(a, b *Exercise) int {
		if d := rank(a.Topic) - rank(b.Topic); d != 0 {
			return d
		}
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.ID, b.ID)
	})
}
