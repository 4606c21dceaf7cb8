// Package exercisetest is the proof every exercise owes: its reference
// solution passes every check, its untouched scaffold fails, and each
// plausible wrong solution fails the check that should catch it. A topic's
// test is a few lines:
//
//	func TestMain(m *testing.M) {
//		sandbox.RunChildIfRequested()
//		os.Exit(m.Run())
//	}
//
//	func TestDualPackage(t *testing.T) {
//		exercisetest.Prove(t, find(t, "modules-dual-package"), exercisetest.Proof{
//			Wrong: []exercisetest.Wrong{{Name: "module-field", Fails: "import { toCelsius } from 'tempconv' works"}},
//		})
//	}
//
// Wrong solutions live in the test's package under testdata/<id>/<name>/:
// files laid over the scaffold, as a learner would have edited it.
//
// Prove runs on the node on PATH. That every reference solution also passes
// on each supported line (22, 24, 26) is ProveOnLines's job, called by a
// TestSolutionsOnSupportedLines in a file built only with -tags crossline:
// .ci/run runs those in a pass of their own, so that `go test ./...` stays
// within its time budget.
//
// After every verification it checks /proc: no process of the run may be
// left.
package exercisetest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

// Proof lists what to prove about one exercise.
type Proof struct {
	// Wrong are the plausible wrong solutions.
	Wrong []Wrong
	// ScaffoldFails, when set, names a check the untouched scaffold must
	// fail (with its hint); only that one runs after Load. The slow
	// exercises (a cluster restarted, twelve probes) name one, so that
	// `go test ./...` keeps within its budget; without it every check runs
	// and at least one must fail.
	ScaffoldFails string
}

// Wrong is a plausible wrong solution and the check it must fail.
type Wrong struct {
	// Name is its directory: testdata/<exercise id>/<Name>/.
	Name string
	// Fails is the name of the check that must catch it.
	Fails string
	// MinNode, when set, is the lowest node major version on which the
	// mistake shows (a version-dependent bug); the test then runs on a
	// supported binary of at least that version, or skips.
	MinNode int
}

// Prove runs the standard proof for ex (see the package documentation).
func Prove(t *testing.T, ex *exercise.Exercise, p Proof) {
	t.Helper()
	nodetest.RequireNode(t)
	t.Run("solution passes", func(t *testing.T) {
		r := Verify(t, ex, Dir(t, ex.Scaffold, ex.Solution), exercise.Options{})
		assertPassed(t, r)
	})
	t.Run("scaffold fails", func(t *testing.T) {
		var opts exercise.Options
		if p.ScaffoldFails != "" {
			opts.Only = []string{p.ScaffoldFails}
		}
		r := Verify(t, ex, Dir(t, ex.Scaffold), opts)
		if p.ScaffoldFails != "" {
			AssertFails(t, r, p.ScaffoldFails)
		}
		if r.Passed {
			t.Fatal("the untouched scaffold passes every check")
		}
		if len(r.Checks) == 0 || !r.Checks[0].Pass {
			t.Errorf("the scaffold does not even load; a learner should start from code that runs:\n%s", Describe(r))
		}
	})
	for _, w := range p.Wrong {
		t.Run("wrong "+w.Name, func(t *testing.T) {
			// The load check and the one that should catch it: the
			// others have nothing to prove here.
			opts := exercise.Options{Only: []string{w.Fails}}
			if w.MinNode > 0 {
				opts.Node = NodeAtLeast(t, w.MinNode)
			}
			overlay := Files(t, filepath.Join("testdata", ex.ID, w.Name))
			r := Verify(t, ex, Dir(t, ex.Scaffold, overlay), opts)
			AssertFails(t, r, w.Fails)
		})
	}
}

// Verify verifies dir and then proves from /proc that nothing of the run is
// left.
func Verify(t *testing.T, ex *exercise.Exercise, dir string, o exercise.Options) *exercise.Report {
	t.Helper()
	if ex.NeedsPackages() && o.CacheDir == "" {
		o.CacheDir = PackagesCacheDir(t)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	r, err := ex.Verify(ctx, dir, o)
	AssertNothingLeft(t)
	if err != nil {
		t.Fatalf("verify %s: %v", ex.ID, err)
	}
	return r
}

func assertPassed(t *testing.T, r *exercise.Report) {
	t.Helper()
	if !r.Passed {
		t.Fatalf("the reference solution fails on node %s:\n%s", r.Node, Describe(r))
	}
}

// AssertFails checks that the report fails check name and carries its
// expected and observed results and its hint.
func AssertFails(t *testing.T, r *exercise.Report, name string) {
	t.Helper()
	i := slices.IndexFunc(r.Checks, func(c exercise.CheckResult) bool { return c.Name == name })
	if i < 0 {
		t.Fatalf("check %q did not run (node %s):\n%s", name, r.Node, Describe(r))
	}
	c := r.Checks[i]
	if c.Pass {
		t.Fatalf("check %q passes; it should catch this solution (node %s):\n%s", name, r.Node, Describe(r))
	}
	if c.Hint == "" || c.Expected == "" || c.Observed == "" {
		t.Errorf("check %q fails without a hint, expected or observed result: %+v", name, c)
	}
	if r.Passed {
		t.Error("the report passes with a failed check")
	}
}

// PackagesCacheDir is the cache directory the tests install exercises' npm
// packages into: one fixed directory under the temp dir, so every test binary
// and every run shares the install of a lockfile (npmcache keys it by
// content and locks it against concurrent installs). It needs npm.
func PackagesCacheDir(t *testing.T) string {
	t.Helper()
	nodetest.RequireTool(t, "npm", "npm comes with Node.js: install Node.js 22+ with npm")
	dir := filepath.Join(os.TempDir(), "nodedive-exercise-test-cache")
	// Made here, not by the first install: a test that links to it before
	// any install ran would otherwise hand out a dangling link.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Describe renders a report for test failures.
func Describe(r *exercise.Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		mark := "PASS"
		if !c.Pass {
			mark = "FAIL"
		}
		b.WriteString(mark + " " + c.Name + "\n     expected: " + c.Expected + "\n     observed: " + c.Observed + "\n")
	}
	if r.NotRun > 0 {
		b.WriteString(strconv.Itoa(r.NotRun) + " checks not run\n")
	}
	return b.String()
}

// Dir writes layers of files into a new temp directory, later layers over
// earlier ones (a scaffold, then a learner's edits), and returns it.
func Dir(t *testing.T, layers ...[]exercise.File) string {
	t.Helper()
	dir := t.TempDir()
	for _, layer := range layers {
		for _, f := range layer {
			p := filepath.Join(dir, filepath.FromSlash(f.Name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// Files reads every file under dir (a testdata directory).
func Files(t *testing.T, dir string) []exercise.File {
	t.Helper()
	var files []exercise.File
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, exercise.File{Name: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("reading %s: %v (%d files)", dir, err, len(files))
	}
	return files
}

// AssertNothingLeft fails the test if a process of any sandbox run of this
// test binary is still alive, or if the test process has a live child.
func AssertNothingLeft(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := append(sandbox.Alive(), liveChildren(os.Getpid())...)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range left {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Fatalf("processes left behind after verify: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func liveChildren(ppid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(b), ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if p, _ := strconv.Atoi(f[1]); p == ppid {
			kids = append(kids, pid)
		}
	}
	return kids
}

// NodeAtLeast returns a node of at least minMajor for a mistake that only
// shows there: "" (the node on PATH) when that one is recent enough, else
// the oldest supported line that is (nodetest.RequireLines: missing, it
// skips on a developer's machine and fails under CI=true).
func NodeAtLeast(t *testing.T, minMajor int) string {
	t.Helper()
	if v, err := noderun.Version(context.Background(), ""); err == nil && major(v) >= minMajor {
		return ""
	}
	for _, n := range nodetest.RequireLines(t) {
		if n.Line >= minMajor {
			return n.Path
		}
	}
	t.Fatalf("no supported line is node %d or later", minMajor)
	return ""
}

func major(version string) int {
	n, _ := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	return n
}
