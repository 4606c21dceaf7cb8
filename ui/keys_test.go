package ui

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/quiz"
)

// everyScreen builds each screen of the app in each of its modes (labs
// are built, not started), on d's common.
func everyScreen(t *testing.T, d *driver) map[string]screen {
	t.Helper()
	c := d.m.c
	l, err := c.course.Find("q14")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]screen{
		"home":      newHome(c),
		"reader":    newReader(c, l),
		"search":    newSearch(c, "worker"),
		"quiz menu": newQuizMenu(c),
		"labs menu": newLabsMenu(c),
		"emitter":   newEmitterLab(c),
		"cluster":   newClusterLab(c),
		"secure":    newSecureLab(c),
		"scale":     newScaleLab(c),
		"modules":   newModulesLab(c),
	}
	toc := newReader(c, l)
	toc.tocOpen = true
	out["reader contents"] = toc
	searching := newReader(c, l)
	searching.searching = true
	out["reader search input"] = searching
	out["search input"] = newSearch(c, "")
	ex, err := c.exercises.Find("events-once")
	if err != nil {
		t.Fatal(err)
	}
	out["exercises"] = newExercisesMenu(c, "")
	out["exercises of a topic"] = newExercisesMenu(c, "events")
	out["exercise"] = newExerciseScreen(c, ex)
	confirming := newExerciseScreen(c, ex)
	confirming.plan = &exercise.SolutionPlan{Dir: "/tmp/x", Replace: []string{"once.js"}}
	out["exercise confirming the solution"] = confirming
	editing := newModulesLab(c).(*modulesLab)
	editing.editing = true
	out["modules prediction"] = editing
	if c.bank == nil {
		t.Fatal("the question bank did not load")
	}
	for _, kind := range []quiz.Kind{quiz.Choice, quiz.TrueFalse, quiz.Interview, quiz.Fill, quiz.Output} {
		for _, phase := range []quizPhase{phaseAnswering, phaseFeedback, phaseReport} {
			s, err := newPractice(c, "")
			if err != nil {
				t.Fatal(err)
			}
			q := s.(*quizScreen)
			for i, x := range q.qs {
				if x.Kind == kind {
					q.show(i)
					break
				}
			}
			q.phase = phase
			if phase == phaseFeedback {
				q.outcome = &quiz.Outcome{}
			}
			out[fmt.Sprintf("quiz %s %d", kind, phase)] = q
			if phase == phaseAnswering && q.editing {
				typing := *q
				typing.editing = false
				out[fmt.Sprintf("quiz %s not typing", kind)] = &typing
			}
		}
	}
	return out
}

// TestNoScreenBindingIsShadowed checks, for every screen in every mode,
// that no binding the screen lists in its help is taken first by the app
// (quit, help, back, and E on a lesson or lab) or by the list keys the screen moves with: such a key
// does nothing the help says (the cluster lab's g, runtime go/node, was
// taken as "top" by the list keys).
func TestNoScreenBindingIsShadowed(t *testing.T) {
	d := newDriver(t, true, 100, 30)
	k := d.m.c.keys
	for name, s := range everyScreen(t, d) {
		first := []key.Binding{k.Quit}
		if !s.Capturing() {
			first = append(first, k.Help, k.Back)
			if _, ok := s.(topical); ok {
				first = append(first, k.Exercises)
			}
			if l, ok := s.(lister); ok {
				first = append(first, l.listKeys().bindings()...)
			}
		}
		taken := map[string]key.Binding{}
		for _, b := range first {
			for _, key := range b.Keys() {
				taken[key] = b
			}
		}
		for _, group := range s.FullHelp() {
			for _, b := range group {
				if listedForHelp(b, first) {
					continue
				}
				for _, key := range b.Keys() {
					if by, ok := taken[key]; ok {
						t.Errorf("%s: %q (%s) is taken first by %q (%s)", name, key, b.Help().Desc, by.Help().Key, by.Help().Desc)
					}
				}
			}
		}
	}
}

// listedForHelp reports whether b is one of the shared bindings, shown in
// a screen's help because the screen uses it.
func listedForHelp(b key.Binding, shared []key.Binding) bool {
	for _, s := range shared {
		if strings.Join(s.Keys(), " ") == strings.Join(b.Keys(), " ") && s.Help() == b.Help() {
			return true
		}
	}
	return false
}

// TestClusterRuntimeKeySwitchesTheRuntime presses g on the cluster lab:
// it must switch the runtime (and restart the cluster), not move the
// worker cursor to the top.
func TestClusterRuntimeKeySwitchesTheRuntime(t *testing.T) {
	d := newDriver(t, true, 100, 30)
	l := newClusterLab(d.m.c).(*clusterLab)
	d.m.stack = append(d.m.stack, l) // not started: no processes
	l.snap.Workers = []cluster.WorkerInfo{{ID: 1}, {ID: 2}}
	l.selected = 1
	_, cmd := d.m.Update(keyMsg("g"))
	if l.runtime != cluster.RuntimeNode || cmd == nil {
		t.Fatalf("g left the runtime at %s (the worker cursor is at %d)", l.runtime, l.selected)
	}
	l.Leave() // cancels the restart that cmd would run
}
