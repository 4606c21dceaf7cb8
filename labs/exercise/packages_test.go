package exercise_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/exercisetest"
)

// A learner who ran npm install has a node_modules: it is never copied into
// a check.
func TestVerifyDoesNotCopyNodeModules(t *testing.T) {
	e := demo(t, exercise.Check{
		Name: "no node_modules in the learner's files",
		Hint: "h",
		Run: func(_ context.Context, tr *exercise.Trial) (exercise.Outcome, error) {
			_, err := os.Stat(filepath.Join(tr.App, "node_modules"))
			return exercise.Outcome{Pass: errors.Is(err, fs.ErrNotExist), Expected: "no node_modules", Observed: "stat: " + errString(err)}, nil
		},
	})
	modules := []exercise.File{{Name: "node_modules/left-pad/index.js", Data: []byte("module.exports = 1\n")}}
	r := exercisetest.Verify(t, e, exercisetest.Dir(t, e.Solution, modules), exercise.Options{})
	if !r.Passed {
		t.Errorf("node_modules was copied:\n%s", exercisetest.Describe(r))
	}
}

func errString(err error) string {
	if err == nil {
		return "exists"
	}
	return err.Error()
}

// npmContent is the demo exercise with a package.json and package-lock.json
// that name no dependency, so npm ci needs no network.
func npmContent() map[string][]byte {
	return map[string][]byte{
		"package.json": []byte(`{"name":"demo","version":"1.0.0","private":true}` + "\n"),
		"package-lock.json": []byte(`{"name":"demo","version":"1.0.0","lockfileVersion":3,"requires":true,` +
			`"packages":{"":{"name":"demo","version":"1.0.0"}}}` + "\n"),
	}
}

// A scaffold with a lockfile declares npm packages, and a lockfile alone is
// not enough to install them.
func TestNPMExercisesNeedTheirPackageFiles(t *testing.T) {
	fsys := content()
	fsys["demo-greet/scaffold/package-lock.json"] = &fstest.MapFile{Data: npmContent()["package-lock.json"]}
	_, err := exercise.NewCatalog(fsys, []*exercise.Verifier{verifier()})
	if err == nil || !strings.Contains(err.Error(), "needs its package.json too") {
		t.Errorf("err = %v", err)
	}
}

// An exercise with npm packages gets them installed once into the cache
// directory, and every check finds them through node_modules at the root of
// its work directory.
func TestNPMPackagesAreInstalledOnceAndLinked(t *testing.T) {
	nodetest.RequireNode(t)
	nodetest.RequireTool(t, "npm", "npm comes with Node.js: install Node.js 22+ with npm")
	fsys := content()
	for name, data := range npmContent() {
		fsys["demo-greet/scaffold/"+name] = &fstest.MapFile{Data: data}
	}
	var linked []string
	v := verifier(exercise.Check{
		Name: "node_modules is linked",
		Hint: "h",
		Run: func(_ context.Context, tr *exercise.Trial) (exercise.Outcome, error) {
			target, err := os.Readlink(filepath.Join(tr.Dir, "node_modules"))
			linked = append(linked, target)
			return exercise.Outcome{Pass: err == nil, Expected: "a link", Observed: errString(err)}, nil
		},
	})
	c, err := exercise.NewCatalog(fsys, []*exercise.Verifier{v})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Find("demo-greet")
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	var said []string
	opts := exercise.Options{CacheDir: cache, Progress: func(m string) { said = append(said, m) }}
	r := exercisetest.Verify(t, e, exercisetest.Dir(t, e.Scaffold, e.Solution), opts)
	if !r.Passed {
		t.Fatalf("%s", exercisetest.Describe(r))
	}
	if len(linked) != 1 || !strings.HasPrefix(linked[0], filepath.Join(cache, "npm", "exercise-")) {
		t.Errorf("node_modules links to %v, want a directory in %s", linked, cache)
	}
	if len(said) == 0 || !strings.Contains(said[0], "npm ci") {
		t.Errorf("progress said %q", said)
	}
	// The second verification installs nothing.
	said = nil
	exercisetest.Verify(t, e, exercisetest.Dir(t, e.Scaffold, e.Solution), opts)
	if len(said) != 0 {
		t.Errorf("the second verification said %q", said)
	}
}
