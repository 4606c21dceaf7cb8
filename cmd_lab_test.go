package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

func TestLabAloneListsTheLabs(t *testing.T) {
	out, _, err := execNodedive(t, "lab")
	if err != nil {
		t.Fatal(err)
	}
	for _, lab := range []string{"cluster", "emitter", "modules", "scale", "secure"} {
		if !strings.Contains(out, "\n"+lab+" ") {
			t.Errorf("`nodedive lab` does not list %s:\n%s", lab, out)
		}
	}
}

// TestUnknownLab: the process exits non-zero and names the labs.
func TestUnknownLab(t *testing.T) {
	cmd := exec.Command(binary(t), "lab", "frob")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("lab frob: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `unknown lab "frob"; did you mean one of: cluster, emitter, modules, scale, secure?`) {
		t.Errorf("output: %s", out)
	}
	_, _, err = execNodedive(t, "lab", "clustr")
	if err == nil || err.Error() != `unknown lab "clustr"; did you mean "cluster"?` {
		t.Errorf("lab clustr: %v", err)
	}
}

// TestNodeFlagChecked: every command that runs node takes --node, and a path
// that is not a node is refused before anything starts, naming the path.
func TestNodeFlagChecked(t *testing.T) {
	id, n, _ := findBlock(t, true)
	commands := [][]string{
		{"run", id, "--block", fmt.Sprint(n)},
		{"lab", "modules"},
		{"lab", "emitter"},
		{"lab", "emitter", "--demo", "bank"},
		{"lab", "cluster", "--runtime", "node"},
		{"lab", "secure", "--runtime", "node"},
		{"lab", "scale", "--runtime", "node"},
	}
	for _, c := range commands {
		for _, bad := range []struct{ path, want string }{
			{"/nonexistent/node", "--node /nonexistent/node: node was not found at /nonexistent/node"},
			{"/bin/true", "--node /bin/true: /bin/true is not node"},
		} {
			_, _, err := execNodedive(t, append(c, "--node", bad.path)...)
			if err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Errorf("%v --node %s: %v, want %q", c, bad.path, err, bad.want)
			}
		}
	}
	for _, lab := range []string{"cluster", "secure", "scale"} {
		_, _, err := execNodedive(t, "lab", lab, "--node", "/usr/bin/node")
		if err == nil || !strings.Contains(err.Error(), "--node /usr/bin/node goes with --runtime node") {
			t.Errorf("lab %s --node with the go runtime: %v", lab, err)
		}
	}
	// The process's exit status too.
	out, err := exec.Command(binary(t), "lab", "modules", "--node", "/nonexistent/node").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "/nonexistent/node") {
		t.Errorf("exit: %v\n%s", err, out)
	}
}

// TestNodeFlagRunsThatNode: with --node, the commands run that node and
// their reports say so.
func TestNodeFlagRunsThatNode(t *testing.T) {
	node := nodetest.NodeLine(t, 24)
	id, n, _ := findBlock(t, true)
	out, _, err := execNodedive(t, "run", id, "--block", fmt.Sprint(n), "--node", node)
	if err != nil || !strings.Contains(out, "on node 24.") {
		t.Errorf("run --node: %v\n%s", err, out)
	}
	type nodeJSON struct {
		Node struct{ Path, Version string } `json:"node"`
	}
	for _, args := range [][]string{
		{"lab", "modules", "--run", "require-esm", "--json"},
		{"lab", "emitter", "--scenario", "error-monitor", "--json"},
	} {
		out, _, err := execNodedive(t, append(args, "--node", node)...)
		var rep nodeJSON
		if err != nil || json.Unmarshal([]byte(out), &rep) != nil || rep.Node.Path != node || !strings.HasPrefix(rep.Node.Version, "24.") {
			t.Errorf("%v --node: %v, node %+v\n%s", args, err, rep.Node, out)
		}
	}
	// The cluster lab runs its primary on the node it was given.
	cmd := exec.Command(binary(t), "lab", "cluster", "--runtime", "node", "--node", node, "--workers", "1", "--duration", "300ms", "--json")
	out2, err := cmd.Output()
	var rep nodeJSON
	if err != nil || json.Unmarshal(out2, &rep) != nil || !strings.HasPrefix(rep.Node.Version, "24.") {
		t.Errorf("lab cluster --node: %v, node %+v\n%s", err, rep.Node, out2)
	}
}

// TestLabEmitterJSON: the scenarios and the bank demo each print one JSON
// object with what the text shows.
func TestLabEmitterJSON(t *testing.T) {
	out, _, err := execNodedive(t, "lab", "emitter", "--scenario", "copy-on-emit-add", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Scenarios []struct {
			Name    string   `json:"name"`
			GoTrace []string `json:"go_trace"`
		} `json:"scenarios"`
		Bank *struct {
			ExitCode int `json:"exit_code"`
			Output   []struct{ Stream, Text string }
			Log      []struct{ Call, Crash string }
			Script   string `json:"script"`
		} `json:"bank"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rep.Scenarios) != 1 || rep.Scenarios[0].Name != "copy-on-emit-add" || len(rep.Scenarios[0].GoTrace) == 0 || rep.Bank != nil {
		t.Errorf("scenario report: %+v", rep)
	}
	out, _, err = execNodedive(t, "lab", "emitter", "--demo", "bank", "--off", "error", "--json")
	if err != nil {
		t.Fatalf("the report of a crashing session is not an error: %v", err)
	}
	rep.Scenarios, rep.Bank = nil, nil
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if b := rep.Bank; b == nil || b.ExitCode != 1 || len(b.Output) < 2 || b.Output[0].Stream != "stdout" || b.Script == "" ||
		!strings.Contains(b.Log[len(b.Log)-1].Crash, "Unhandled 'error' event") {
		t.Errorf("bank report: %+v", rep.Bank)
	}
	if _, _, err := execNodedive(t, "lab", "emitter", "--demo", "bank", "--plain", "--json"); err == nil || !strings.Contains(err.Error(), "leave out --plain") {
		t.Errorf("--plain --json: %v", err)
	}
}

// TestLabSecureJSON runs the lab's own Go app and prints the report as JSON.
func TestLabSecureJSON(t *testing.T) {
	cmd := exec.Command(binary(t), "lab", "secure", "--json", "--only", "headers,powered-by,stack-leak")
	cmd.Env = append(os.Environ(), "NODEDIVE_HOME="+t.TempDir(), "NODEDIVE_JWT_SECRET="+strings.Repeat("k", 32))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lab secure --json: %v\n%s", err, out)
	}
	var rep struct {
		Target, App, Runtime, Store string
		Probes                      []struct{ Name string }
		Passed, Failed              int
		PIDs                        []int `json:"pids"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Runtime != "go" || rep.Store != "shared" || !strings.HasPrefix(rep.App, "Go app") || rep.Passed != 3 || len(rep.Probes) != 3 || len(rep.PIDs) < 2 {
		t.Errorf("report: %+v", rep)
	}
}
