package progress_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nodedive/nodedive/lessons/progress"
)

// A file written before exercises existed (schema 1) loads, keeps what it
// had, and is saved as schema 2 with the new record next to it.
func TestSchemaOneFileLoadsAndGainsExercises(t *testing.T) {
	dir := t.TempDir()
	old := `{"schema": 1, "lessons": {"q11": {"read": ["definition"], "scroll": 3}}, "quiz": {}, "labs": {"emitter": {"runs": 2}}}`
	if err := os.WriteFile(filepath.Join(dir, progress.FileName), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	s := progress.Open(dir)
	p, rec, err := s.Load()
	if err != nil || rec != nil {
		t.Fatalf("Load of a schema-1 file: %v, %v", rec, err)
	}
	if !p.IsRead("q11", "definition") || p.Labs["emitter"].Runs != 2 || p.Exercises["x"].Status() != progress.ExerciseNew {
		t.Fatalf("loaded %+v", p)
	}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	_, _, err = s.Update(func(p *progress.Progress) error {
		p.StartExercise("events-once", "/work/once", at)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(s.Path())
	if !strings.Contains(string(data), `"schema": 2`) || !strings.Contains(string(data), `"events-once"`) {
		t.Errorf("saved file:\n%s", data)
	}
	p, _, err = s.Load()
	if err != nil || !p.IsRead("q11", "definition") || p.Exercises["events-once"].Dir != "/work/once" {
		t.Errorf("reloaded: %v %+v", err, p)
	}
}

func TestExerciseStatusFollowsTheLearner(t *testing.T) {
	p := progress.New()
	at := time.Now()
	if got := p.Exercises["a"].Status(); got != progress.ExerciseNew {
		t.Errorf("untouched: %s", got)
	}
	p.StartExercise("a", "/d", at)
	if got := p.Exercise("a").Status(); got != progress.ExerciseStarted {
		t.Errorf("after start: %s", got)
	}
	if p.RecordVerify("a", "", false, at) || p.Exercise("a").Status() != progress.ExerciseStarted {
		t.Errorf("a failed verify counts as a pass")
	}
	if !p.RecordVerify("a", "", true, at) || p.Exercise("a").Status() != progress.ExercisePassed {
		t.Errorf("the first pass was not recorded")
	}
	if p.RecordVerify("a", "/e", false, at.Add(time.Minute)) {
		t.Error("a later failure reported as a first pass")
	}
	e := p.Exercise("a")
	if e.Status() != progress.ExercisePassed || e.LastPassed || e.Verifies != 3 || e.Dir != "/e" || !e.Passed.Equal(at) {
		t.Errorf("after pass then fail: %+v", e)
	}
	for range 5 {
		p.RevealHint("b", 3)
	}
	if got := p.Exercise("b"); got.Hints != 3 || got.Status() != progress.ExerciseStarted {
		t.Errorf("hints: %+v", got)
	}
}
