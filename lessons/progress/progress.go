// Package progress keeps the learner's progress (sections read, where they
// left off, quiz results and review cards, labs run, exercises) in one JSON
// file.
//
// The file is only ever replaced atomically (write a temp file, fsync,
// rename), and every read-modify-write happens under an exclusive file lock,
// so two running copies of nodedive cannot lose each other's updates and a
// crash mid-write leaves the previous file intact. A file that cannot be
// parsed is moved aside to a timestamped backup and the learner is told
// where; it is never silently overwritten.
package progress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/renameio/v2"
)

// SchemaVersion is the version of the file format this build writes.
//
// 2 added exercises. A version-1 file loads as is (it has none); a build that
// only knows version 1 refuses a version-2 file rather than dropping the
// exercises it cannot see when it next saves.
const SchemaVersion = 2

// FileName is the progress file inside the state directory.
const FileName = "progress.json"

// lockWait bounds how long an update waits for another nodedive to finish
// its own; updates take milliseconds, so hitting it means a stuck process.
const lockWait = 5 * time.Second

// Progress is everything nodedive remembers about a learner.
type Progress struct {
	Schema  int                  `json:"schema"`
	Updated time.Time            `json:"updated"`
	Lessons map[string]*Lesson   `json:"lessons"`
	Last    *Place               `json:"last,omitempty"`
	Quiz    map[string]*Question `json:"quiz"`
	Labs    map[string]*Lab      `json:"labs"`
	// Exercises is keyed by exercise ID (schema 2).
	Exercises map[string]*Exercise `json:"exercises,omitempty"`
}

// Lesson is the reading state of one lesson.
type Lesson struct {
	// Read holds the slugs of the sections the learner has scrolled through.
	Read []string `json:"read"`
	// Section and Scroll are where the reader was when the lesson was
	// left: a section slug and a line offset inside it (lines depend on
	// the terminal width, a section does not).
	Section string    `json:"section,omitempty"`
	Scroll  int       `json:"scroll"`
	Visited time.Time `json:"visited"`
}

// GetRead returns the read section slugs; nil-safe for lessons never opened.
func (l *Lesson) GetRead() []string {
	if l == nil {
		return nil
	}
	return l.Read
}

// Place is where the learner left off, for "continue where you left off".
type Place struct {
	Lesson  string    `json:"lesson"`
	Section string    `json:"section,omitempty"`
	Scroll  int       `json:"scroll"`
	At      time.Time `json:"at"`
}

// Question is the learner's history with one quiz question.
type Question struct {
	Attempts    int       `json:"attempts"`
	LastScore   int       `json:"last_score"`
	BestScore   int       `json:"best_score"`
	LastVerdict string    `json:"last_verdict,omitempty"`
	LastAt      time.Time `json:"last_at"`
	// Review is the spaced-repetition state of the question, owned by the
	// quiz package (kept opaque here so the store does not depend on it).
	Review json.RawMessage `json:"review,omitempty"`
	// Concepts holds review state per rubric concept the learner missed.
	Concepts map[string]json.RawMessage `json:"concepts,omitempty"`
}

// Lab records that a lab was run.
type Lab struct {
	Runs    int       `json:"runs"`
	LastRun time.Time `json:"last_run"`
}

// New returns empty progress of the current schema.
func New() *Progress {
	return &Progress{
		Schema:  SchemaVersion,
		Lessons: map[string]*Lesson{},
		Quiz:    map[string]*Question{},
		Labs:    map[string]*Lab{},

		Exercises: map[string]*Exercise{},
	}
}

// normalize fills the maps a hand-edited or older file may lack.
func (p *Progress) normalize() {
	if p.Lessons == nil {
		p.Lessons = map[string]*Lesson{}
	}
	if p.Quiz == nil {
		p.Quiz = map[string]*Question{}
	}
	if p.Labs == nil {
		p.Labs = map[string]*Lab{}
	}
	if p.Exercises == nil {
		p.Exercises = map[string]*Exercise{}
	}
	for id, e := range p.Exercises {
		if e == nil {
			delete(p.Exercises, id)
		}
	}
	for id, l := range p.Lessons {
		if l == nil {
			delete(p.Lessons, id)
		}
	}
	for id, q := range p.Quiz {
		if q == nil {
			delete(p.Quiz, id)
		}
	}
	for id, l := range p.Labs {
		if l == nil {
			delete(p.Labs, id)
		}
	}
}

// Lesson returns the state of lesson id, creating it.
func (p *Progress) Lesson(id string) *Lesson {
	l := p.Lessons[id]
	if l == nil {
		l = &Lesson{}
		p.Lessons[id] = l
	}
	return l
}

// MarkRead records that section slug of lesson id was read; it reports
// whether that is new.
func (p *Progress) MarkRead(id, slug string) bool {
	l := p.Lesson(id)
	if slices.Contains(l.Read, slug) {
		return false
	}
	l.Read = append(l.Read, slug)
	return true
}

// IsRead reports whether section slug of lesson id was read.
func (p *Progress) IsRead(id, slug string) bool {
	l := p.Lessons[id]
	return l != nil && slices.Contains(l.Read, slug)
}

// Question returns the state of question id, creating it.
func (p *Progress) Question(id string) *Question {
	q := p.Quiz[id]
	if q == nil {
		q = &Question{}
		p.Quiz[id] = q
	}
	return q
}

// RecordLab counts a run of lab name.
func (p *Progress) RecordLab(name string, at time.Time) {
	l := p.Labs[name]
	if l == nil {
		l = &Lab{}
		p.Labs[name] = l
	}
	l.Runs++
	l.LastRun = at
}

// Store is the progress file in a state directory.
type Store struct {
	path string
	// mu serialises this process's own updates: a flock is held per open
	// file, so two goroutines sharing it would both think they own it.
	mu   sync.Mutex
	lock *flock.Flock
}

// Open returns the store for dir; nothing is read or created until used.
func Open(dir string) *Store {
	path := filepath.Join(dir, FileName)
	return &Store{path: path, lock: flock.New(path + ".lock")}
}

// Path is the progress file's location.
func (s *Store) Path() string { return s.path }

// Recovery reports a progress file that could not be read and was moved
// aside so the learner could start clean.
type Recovery struct {
	Backup string // where the unreadable file now is
	Reason error
}

func (r *Recovery) String() string {
	return fmt.Sprintf("your progress file could not be read (%v); it was moved to %s and progress starts fresh", r.Reason, r.Backup)
}

// ErrNewerSchema means the file was written by a newer nodedive. It is left
// untouched (a backup-and-reset would throw the learner's progress away).
var ErrNewerSchema = errors.New("the progress file was written by a newer version of nodedive")

// Load returns the saved progress (empty if there is none yet). If the file
// is corrupt it is backed up, a *Recovery says where, and Load returns fresh
// progress.
func (s *Store) Load() (*Progress, *Recovery, error) {
	p, err := s.read()
	if err == nil || errors.Is(err, ErrNewerSchema) || !isCorrupt(err) {
		return p, nil, err
	}
	// Move the bad file aside under the lock, so a concurrent writer's good
	// file is not the one that gets moved.
	var rec *Recovery
	err = s.locked(func() error {
		var rerr error
		p, rec, rerr = s.readOrRecover()
		return rerr
	})
	return p, rec, err
}

// Update applies fn to the latest saved progress and saves the result, all
// under the lock: concurrent updates from several processes serialise and
// none is lost. It returns the saved progress.
func (s *Store) Update(fn func(*Progress) error) (*Progress, *Recovery, error) {
	var (
		saved *Progress
		rec   *Recovery
	)
	err := s.locked(func() error {
		p, r, err := s.readOrRecover()
		if err != nil {
			return err
		}
		rec = r
		if err := fn(p); err != nil {
			return err
		}
		p.Schema = SchemaVersion
		p.Updated = time.Now().UTC()
		if err := s.write(p); err != nil {
			return err
		}
		saved = p
		return nil
	})
	return saved, rec, err
}

// Reset moves the current file to a timestamped backup (so a reset can be
// undone by hand) and returns the backup's path; "" if there was no file.
func (s *Store) Reset() (string, error) {
	var backup string
	err := s.locked(func() error {
		if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		backup = s.backupName("reset")
		return os.Rename(s.path, backup)
	})
	return backup, err
}

func (s *Store) readOrRecover() (*Progress, *Recovery, error) {
	p, err := s.read()
	if err == nil || !isCorrupt(err) {
		return p, nil, err
	}
	backup := s.backupName("corrupt")
	if rerr := os.Rename(s.path, backup); rerr != nil {
		return nil, nil, fmt.Errorf("progress file %s is unreadable (%w) and could not be moved aside: %w", s.path, err, rerr)
	}
	return New(), &Recovery{Backup: backup, Reason: err}, nil
}

// corruptError marks a file that exists but does not hold valid progress.
type corruptError struct{ err error }

func (e corruptError) Error() string { return e.err.Error() }
func (e corruptError) Unwrap() error { return e.err }

func isCorrupt(err error) bool {
	var c corruptError
	return errors.As(err, &c)
}

func (s *Store) read() (*Progress, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading progress: %w", err)
	}
	var p Progress
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, corruptError{fmt.Errorf("invalid JSON: %w", err)}
	}
	switch {
	case p.Schema > SchemaVersion:
		return nil, fmt.Errorf("%w (schema %d; this build reads up to %d): upgrade nodedive, or set NODEDIVE_HOME to use another file", ErrNewerSchema, p.Schema, SchemaVersion)
	case p.Schema < 1:
		return nil, corruptError{fmt.Errorf("no schema version (got %d)", p.Schema)}
	}
	p.normalize()
	return &p, nil
}

func (s *Store) write(p *Progress) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	if err := renameio.WriteFile(s.path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("saving progress: %w", err)
	}
	return nil
}

// locked runs fn holding the exclusive lock on the store.
func (s *Store) locked(fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	ok, err := s.lock.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil || !ok {
		return fmt.Errorf("another nodedive holds the lock on %s: %w", s.path, cmpErr(err, ctx.Err()))
	}
	defer func() { _ = s.lock.Unlock() }()
	return fn()
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (s *Store) backupName(why string) string {
	return fmt.Sprintf("%s.%s-%s", s.path, why, time.Now().UTC().Format("20060102T150405.000000000Z"))
}
