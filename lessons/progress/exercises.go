package progress

import "time"

// Exercise is the learner's history with one exercise.
type Exercise struct {
	// Dir is where the learner started it, so that verify, watch and
	// solution find it without --dir.
	Dir     string    `json:"dir,omitempty"`
	Started time.Time `json:"started,omitzero"`
	// Verifies counts the verifications; LastPassed is the last one's
	// verdict.
	Verifies   int       `json:"verifies"`
	LastVerify time.Time `json:"last_verify,omitzero"`
	LastPassed bool      `json:"last_passed"`
	// Passed is the first verification that passed every check; zero
	// means never.
	Passed time.Time `json:"passed,omitzero"`
	// Hints counts the hints revealed so far (they come in order).
	Hints int `json:"hints"`
	// Revealed is set when the learner asked for the reference solution
	// before passing.
	Revealed bool `json:"revealed,omitempty"`
}

// Exercise statuses, as `exercise list` shows them.
const (
	ExerciseNew     = "new"
	ExerciseStarted = "started"
	ExercisePassed  = "passed"
)

// Status is new (never touched), started, or passed (once passed, always
// passed: a later failing edit does not take it back). Nil-safe.
func (e *Exercise) Status() string {
	switch {
	case e == nil:
		return ExerciseNew
	case !e.Passed.IsZero():
		return ExercisePassed
	case !e.Started.IsZero() || e.Verifies > 0 || e.Hints > 0 || e.Revealed:
		return ExerciseStarted
	}
	return ExerciseNew
}

// Exercise returns the state of exercise id, creating it.
func (p *Progress) Exercise(id string) *Exercise {
	e := p.Exercises[id]
	if e == nil {
		e = &Exercise{}
		p.Exercises[id] = e
	}
	return e
}

// StartExercise records that exercise id was started in dir (the last start
// wins: that is where the learner works now).
func (p *Progress) StartExercise(id, dir string, at time.Time) {
	e := p.Exercise(id)
	e.Dir = dir
	if e.Started.IsZero() {
		e.Started = at
	}
}

// RecordVerify records a verification of exercise id in dir and reports
// whether it was the first pass.
func (p *Progress) RecordVerify(id, dir string, passed bool, at time.Time) (firstPass bool) {
	e := p.Exercise(id)
	if dir != "" {
		e.Dir = dir
	}
	e.Verifies++
	e.LastVerify = at
	e.LastPassed = passed
	if passed && e.Passed.IsZero() {
		e.Passed = at
		return true
	}
	return false
}

// RevealHint counts one more hint of exercise id shown, up to total, and
// returns how many have been shown now.
func (p *Progress) RevealHint(id string, total int) int {
	e := p.Exercise(id)
	e.Hints = min(e.Hints+1, total)
	return e.Hints
}

// GetHints is the number of hints shown; nil-safe for exercises never
// touched.
func (e *Exercise) GetHints() int {
	if e == nil {
		return 0
	}
	return e.Hints
}
