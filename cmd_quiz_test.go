package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/suggest"
)

func TestQuizList(t *testing.T) {
	out, err := runQuizCLI(t, "", "quiz", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ID", "TOPIC", "KIND", "q11", "q15", "interview", "choice", "truefalse", "output", "fill"} {
		if !strings.Contains(out, want) {
			t.Errorf("quiz list lacks %q", want)
		}
	}
	out, err = runQuizCLI(t, "", "quiz", "list", "--topic", "clustering", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct{ ID, Topic, Kind string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("quiz list --json: %v\n%s", err, out)
	}
	if len(rows) < 8 {
		t.Errorf("only %d cluster questions", len(rows))
	}
	for _, r := range rows {
		if r.Topic != "cluster" || r.ID == "" || r.Kind == "" {
			t.Errorf("row %+v", r)
		}
	}
}

func TestQuizErrors(t *testing.T) {
	_, err := runQuizCLI(t, "", "quiz", "list", "--topic", "securty")
	var nf *suggest.NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), `"security"`) {
		t.Errorf("unknown topic: %v", err)
	}
	for _, args := range [][]string{{"quiz"}, {"quiz", "--mock"}, {"quiz", "--topic", "events"}} {
		_, err := runQuizCLI(t, "", args...)
		// Tests have no terminal: the quiz screen refuses and points to
		// the headless commands.
		if err == nil || !strings.Contains(err.Error(), "needs a terminal") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if _, err := runQuizCLI(t, "", "quiz", "--topic", "databases"); !errors.As(err, &nf) {
		t.Errorf("quiz --topic databases: %v", err)
	}
}
