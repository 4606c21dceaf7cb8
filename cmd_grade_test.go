package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/suggest"
)

// runQuizCLI runs nodedive in-process with stdin and returns stdout.
func runQuizCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	root.SilenceUsage = true
	root.SilenceErrors = true
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// gradeResult is the documented --json shape.
type gradeResult struct {
	Question       string   `json:"question"`
	Score          int      `json:"score"`
	Verdict        string   `json:"verdict"`
	Covered        []string `json:"covered"`
	Missing        []string `json:"missing"`
	Misconceptions []struct {
		Claim      string `json:"claim"`
		Correction string `json:"correction"`
	} `json:"misconceptions"`
	Notices []string `json:"notices"`
}

func gradeJSONOf(t *testing.T, stdin string, id string) (gradeResult, map[string]any) {
	t.Helper()
	out, err := runQuizCLI(t, stdin, "grade", id, "--json")
	if err != nil {
		t.Fatalf("grade %s --json: %v", id, err)
	}
	// Exactly one JSON object on stdout.
	dec := json.NewDecoder(strings.NewReader(out))
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("grade %s --json printed no JSON object: %v\n%s", id, err, out)
	}
	if dec.More() {
		t.Fatalf("grade %s --json printed more than one value:\n%s", id, out)
	}
	var r gradeResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r, raw
}

func TestGradeJSONShape(t *testing.T) {
	answer := "Clustering runs several Node processes on one port. The primary forks a worker per CPU core, " +
		"and each worker is a separate process with its own memory. Workers share memory though."
	r, raw := gradeJSONOf(t, answer, "q14")
	for _, key := range []string{"question", "score", "verdict", "covered", "missing", "misconceptions"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("--json has no %q field: %v", key, raw)
		}
	}
	if r.Question != "q14" || r.Score <= 0 || r.Score > 100 || len(r.Covered) == 0 || len(r.Missing) == 0 {
		t.Errorf("unexpected result: %+v", r)
	}
	if r.Verdict != "strong" && r.Verdict != "partial" && r.Verdict != "weak" {
		t.Errorf("verdict %q", r.Verdict)
	}
	if len(r.Misconceptions) != 1 || r.Misconceptions[0].Claim == "" || r.Misconceptions[0].Correction == "" {
		t.Errorf("misconceptions: %+v", r.Misconceptions)
	}

	// Empty answers and non-interview questions keep the same shape, with
	// arrays rather than nulls.
	r, raw = gradeJSONOf(t, "", "q11")
	if r.Score != 0 || r.Verdict != "weak" || len(r.Notices) == 0 {
		t.Errorf("empty answer: %+v", r)
	}
	for _, key := range []string{"covered", "missing", "misconceptions"} {
		if _, ok := raw[key].([]any); !ok {
			t.Errorf("empty answer: %q is %v, want an array", key, raw[key])
		}
	}
	r, raw = gradeJSONOf(t, "true\n", "cluster-05") // isMaster is current: false
	if r.Score != 0 || r.Verdict != "weak" || raw["correct"] != false || len(r.Misconceptions) != 1 {
		t.Errorf("wrong true/false: %+v %v", r, raw)
	}
	r, raw = gradeJSONOf(t, "b\n", "events-03")
	if r.Score != 100 || raw["correct"] != true {
		t.Errorf("right choice: %+v", r)
	}
}

func TestGradeHumanOutput(t *testing.T) {
	out, err := runQuizCLI(t, "require is asynchronous and import is CommonJS.", "grade", "q11")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"q11 (interview, modules)", "Score ", "Missing", "Misconceptions", "require is asynchronous", "→ ", "Model answer", "CommonJS"} {
		if !strings.Contains(out, want) {
			t.Errorf("human output lacks %q:\n%s", want, out)
		}
	}
}

func TestGradeBoundedInput(t *testing.T) {
	huge := strings.Repeat("The primary forks workers. ", 100000) // 2.7 MB
	r, _ := gradeJSONOf(t, huge, "q14")
	joined := strings.Join(r.Notices, " | ")
	if !strings.Contains(joined, "only the first 8 KiB") || !strings.Contains(joined, "rest was not read") {
		t.Errorf("notices for a huge answer: %v", r.Notices)
	}
	r, _ = gradeJSONOf(t, "\x00\x01\x02\xff\xfe binary", "q14")
	if r.Verdict != "weak" || len(r.Notices) == 0 {
		t.Errorf("binary answer: %+v", r)
	}
}

func TestGradeErrors(t *testing.T) {
	_, err := runQuizCLI(t, "x", "grade", "q41")
	var nf *suggest.NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "did you mean") || !strings.Contains(err.Error(), "q14") {
		t.Errorf("unknown ID: %v", err)
	}
	if _, err := runQuizCLI(t, "x", "grade", "clustr-04"); err == nil || !strings.Contains(err.Error(), "cluster-04") {
		t.Errorf("misspelled ID: %v", err)
	}
	if _, err := runQuizCLI(t, "maybe", "grade", "cluster-04"); err == nil || !strings.Contains(err.Error(), "true or false") {
		t.Errorf("unreadable true/false answer: %v", err)
	}
	if _, err := runQuizCLI(t, "z", "grade", "events-03"); err == nil || !strings.Contains(err.Error(), "not an option") {
		t.Errorf("unreadable choice answer: %v", err)
	}
	if _, err := runQuizCLI(t, "x", "grade"); err == nil {
		t.Error("grade without an ID succeeded")
	}
}
