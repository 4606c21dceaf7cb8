package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
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

// writeLabelled writes a small labelled file in the corpus format.
func writeLabelled(t *testing.T, lines ...string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "answers.jsonl")
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGradeEval(t *testing.T) {
	file := writeLabelled(t,
		`{"id": "mine-1", "q": "q11", "answer": "require is CommonJS and synchronous, runs the file once and caches it; import is the ES module standard, static and linked before the code runs, and import() returns a promise.", "verdicts": ["strong"], "misconceptions": []}`,
		`{"id": "mine-2", "q": "q14", "answer": "Cluster workers are threads that share memory.", "verdict": "weak", "misconceptions": ["workers-are-threads", "workers-share-memory"]}`,
		`{"id": "mine-3", "q": "q12", "answer": "emit is asynchronous.", "verdict": "strong", "misconceptions": []}`,
	)
	out, err := runQuizCLI(t, "", "grade", "--eval", file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"answers                 3",
		"verdict agreement       2/3 = 66.7%",
		"strong<->weak           1",
		"misconception recall    2/2 = 100.0%",
		"false alarms            1/2 answers without a misconception",
		"confusion (rows: labels, columns: grader)",
		"mine-3", "expected strong", "got weak", "STRONG<->WEAK", "extra emit-async",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--eval output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "mine-1") || strings.Contains(out, "mine-2") {
		t.Errorf("agreeing answers are listed as disagreements:\n%s", out)
	}

	out, err = runQuizCLI(t, "", "grade", "--eval", file, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Answers       int                       `json:"answers"`
		Agree         int                       `json:"agree"`
		StrongWeak    int                       `json:"strong_weak"`
		FalseAlarms   int                       `json:"false_alarms"`
		Confusion     map[string]map[string]int `json:"confusion"`
		Disagreements []struct {
			ID    string   `json:"id"`
			Extra []string `json:"extra_misconceptions"`
		} `json:"disagreements"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--eval --json: %v\n%s", err, out)
	}
	if r.Answers != 3 || r.Agree != 2 || r.StrongWeak != 1 || r.FalseAlarms != 1 || r.Confusion["strong"]["weak"] != 1 ||
		len(r.Disagreements) != 1 || r.Disagreements[0].ID != "mine-3" {
		t.Errorf("--eval --json: %+v", r)
	}
}

func TestGradeEvalErrors(t *testing.T) {
	good := writeLabelled(t, `{"q": "q11", "answer": "x", "verdict": "weak", "misconceptions": []}`)
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"missing file":   {[]string{"grade", "--eval", filepath.Join(t.TempDir(), "none.jsonl")}, "no such file"},
		"an ID as well":  {[]string{"grade", "q11", "--eval", good}, "takes no question ID"},
		"bad line":       {[]string{"grade", "--eval", writeLabelled(t, `{"q": "q11", "answer": "x"}`)}, "line 1: no verdict"},
		"bad verdict":    {[]string{"grade", "--eval", writeLabelled(t, `{"q": "q11", "answer": "x", "verdict": "good"}`)}, `"good" is not strong, partial or weak`},
		"unknown ID":     {[]string{"grade", "--eval", writeLabelled(t, `{"id": "a", "q": "q99", "answer": "x", "verdict": "weak"}`)}, "a: "},
		"not interview":  {[]string{"grade", "--eval", writeLabelled(t, `{"id": "b", "q": "events-03", "answer": "b", "verdict": "weak"}`)}, "only interview questions"},
		"empty file":     {[]string{"grade", "--eval", writeLabelled(t)}, "no labelled answers"},
		"not JSON lines": {[]string{"grade", "--eval", writeLabelled(t, "q11: x")}, "line 1"},
	} {
		_, err := runQuizCLI(t, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", name, err, c.want)
		}
	}
}
