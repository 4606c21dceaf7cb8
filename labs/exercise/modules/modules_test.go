package modules_test

import (
	"os"
	"testing"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/labs/exercise/exercisetest"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.RunChildIfRequested()
	os.Exit(m.Run())
}

func find(t *testing.T, id string) *exercise.Exercise {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Find(id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDualPackage(t *testing.T) {
	exercisetest.Prove(t, find(t, "modules-dual-package"), exercisetest.Proof{
		Wrong: []exercisetest.Wrong{
			// The bundlers' "module" field: Node never reads it.
			{Name: "module-field", Fails: "import { toCelsius } from 'tempconv' works"},
			// "default" first matches every import too.
			{Name: "default-first", Fails: "import { toCelsius } from 'tempconv' works"},
			// An ES module rewrite next to the CommonJS code: two states.
			{Name: "two-copies", Fails: "import and require share one copy of the state"},
			// An exports map that forgot package.json.
			{Name: "no-pkgjson", Fails: "require('tempconv/package.json') still works"},
		},
	})
}

func TestESMFromCJS(t *testing.T) {
	exercisetest.Prove(t, find(t, "modules-esm-from-cjs"), exercisetest.Proof{
		Wrong: []exercisetest.Wrong{
			// require() of the top-level-await module.
			{Name: "require-rates", Fails: "report.js loads with require()"},
			// import() for both: formatTotal returns a Promise.
			{Name: "all-import", Fails: "formatTotal returns a string at once"},
			// require() on first use, which races the import() on 24+.
			{Name: "lazy-require", Fails: "formatTotal works while convertTotal is loading", MinNode: 24},
		},
	})
}

func TestReloadableConfig(t *testing.T) {
	exercisetest.Prove(t, find(t, "modules-reloadable-config"), exercisetest.Proof{
		Wrong: []exercisetest.Wrong{
			{Name: "stale-reload", Fails: "reload() reads the changed config.json"},
			{Name: "delete-self", Fails: "code that required config earlier sees the reload"},
			{Name: "swallow-errors", Fails: "a broken config.json keeps the old settings"},
		},
	})
}
