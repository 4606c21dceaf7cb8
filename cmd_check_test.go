package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/coursecheck"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/lessons"
)

// wrongCourse loads the fixture lesson whose expectations are deliberately
// wrong (one block is right).
func wrongCourse() (coursecheck.Sources, error) {
	data, err := os.ReadFile("internal/coursecheck/testdata/wrong.md")
	if err != nil {
		return coursecheck.Sources{}, err
	}
	l, err := lessons.Parse(data)
	if err != nil {
		return coursecheck.Sources{}, err
	}
	l.File = "wrong.md"
	return coursecheck.Sources{Lessons: []*lessons.Lesson{l}}, nil
}

func runCheck(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newCheckCmdWith(wrongCourse)
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestCheckFailsOnAWrongExpectedOutput(t *testing.T) {
	nodetest.RequireNode(t)
	out, err := runCheck(t, "--verbose")
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("check of a fixture with wrong expectations: err %v (exit %d), want exit status 1\n%s", err, exitCode(err), out)
	}
	if !strings.Contains(err.Error(), "4 of 5 items differ on node") {
		t.Errorf("error = %q", err)
	}
	for _, want := range []string{
		"Checking the course on node ",
		"ok    block       wrong/1",
		"FAIL  block       wrong/2",
		"  - 3", "  + 2", // expected vs observed
		`no line of the stderr contains "Warning: another one"`,
		"node exited with status 3, expected 0",
		"--    unchecked   wrong/6", "it listens until stopped", // --verbose lists it
		"1 passed, 4 failed on node ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	quiet, _ := runCheck(t, "--only", "block")
	if strings.Contains(quiet, "unchecked") {
		t.Errorf("--only block lists unchecked code:\n%s", quiet)
	}
}

// TestCheckJSONShape checks the documented --json keys.
func TestCheckJSONShape(t *testing.T) {
	nodetest.RequireNode(t)
	out, err := runCheck(t, "--json")
	if exitCode(err) != 1 {
		t.Fatalf("exit %d (%v), want 1", exitCode(err), err)
	}
	var rep struct {
		Node struct {
			Path      string `json:"path"`
			Version   string `json:"version"`
			Major     int    `json:"major"`
			Supported *bool  `json:"supported"`
			Warning   string `json:"warning"`
		} `json:"node"`
		Items     []map[string]any `json:"items"`
		Passed    *int             `json:"passed"`
		Failed    *int             `json:"failed"`
		Unchecked *int             `json:"unchecked"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("--json printed something else than the documented object: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("--json printed more than one value:\n%s", out)
	}
	if rep.Node.Path == "" || rep.Node.Version == "" || rep.Node.Major == 0 || rep.Node.Supported == nil {
		t.Errorf("node = %+v", rep.Node)
	}
	if rep.Passed == nil || rep.Failed == nil || rep.Unchecked == nil || *rep.Passed != 1 || *rep.Failed != 4 || *rep.Unchecked != 1 {
		t.Errorf("totals passed %v failed %v unchecked %v", rep.Passed, rep.Failed, rep.Unchecked)
	}
	var kinds []string
	for _, it := range rep.Items {
		for _, k := range []string{"kind", "id", "pass", "expected", "observed"} {
			if _, ok := it[k]; !ok {
				t.Errorf("item %v has no %q", it, k)
			}
		}
		kinds = append(kinds, it["kind"].(string))
	}
	if want := []string{"block", "block", "block", "block", "block", "unchecked"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
	if it := rep.Items[1]; it["pass"] != false || it["expected"] != "same\n3\n" || it["observed"] != "same\n2\n" {
		t.Errorf("the wrong block = %v", it)
	}
	if it := rep.Items[5]; it["pass"] != true || it["reason"] != "it listens until stopped" {
		t.Errorf("the unchecked block = %v", it)
	}
}

func TestCheckBadInput(t *testing.T) {
	cases := map[string]struct {
		args []string
		says []string
	}{
		"missing node":   {[]string{"check", "--node", "/no/such/dir/node"}, []string{"--node: ", "/no/such/dir/node", "not found"}},
		"not node":       {[]string{"check", "--node", "/bin/true"}, []string{"--node: /bin/true is not node"}},
		"unknown kind":   {[]string{"check", "--only", "blocks"}, []string{"--only", `"block"`}},
		"zero timeout":   {[]string{"check", "--timeout", "0s"}, []string{"--timeout must be positive"}},
		"extra argument": {[]string{"check", "q11"}, []string{"unknown command"}},
	}
	for name, c := range cases {
		_, err := runQuizCLI(t, "", c.args...)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		for _, s := range c.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not say %q", name, err, s)
			}
		}
	}
}

// TestCheckedByNamesALab: every <!-- checked-by: lab NAME --> in the
// lessons names a lab that exists.
func TestCheckedByNamesALab(t *testing.T) {
	var labs []string
	for _, c := range newLabCmd().Commands() {
		labs = append(labs, c.Name())
	}
	course, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range course.Lessons {
		for _, b := range l.Blocks {
			if b.CheckedBy != "" && !slices.Contains(labs, b.CheckedBy) {
				t.Errorf("%s line %d: checked-by names lab %q; the labs are %v", l.File, b.Line, b.CheckedBy, labs)
			}
		}
		for _, m := range l.Notes {
			if m.Kind == lessons.MarkCheckedBy && !slices.Contains(labs, m.Text) {
				t.Errorf("%s line %d: checked-by names lab %q; the labs are %v", l.File, m.Line, m.Text, labs)
			}
		}
	}
}

// TestCIChecksEverySupportedLine: .ci/run fetches and checks the lines
// nodedive calls supported.
func TestCIChecksEverySupportedLine(t *testing.T) {
	script, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^lines=\(([0-9 ]+)\)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal(".ci/run has no lines=(...) list of Node lines")
	}
	var want []string
	for _, l := range noderun.Lines {
		want = append(want, strconv.Itoa(l))
	}
	if got := strings.Fields(string(m[1])); !slices.Equal(got, want) {
		t.Errorf(".ci/run fetches node %v, nodedive supports %v", got, want)
	}
}
