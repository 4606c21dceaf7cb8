package npmcache

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

// tinyApp has no dependencies, so npm ci needs no network.
var tinyApp = fstest.MapFS{
	"package.json": {Data: []byte(`{"name":"tiny","version":"1.0.0","private":true}` + "\n")},
	"package-lock.json": {Data: []byte(`{"name":"tiny","version":"1.0.0","lockfileVersion":3,"requires":true,` +
		`"packages":{"":{"name":"tiny","version":"1.0.0"}}}` + "\n")},
	"index.js":    {Data: []byte("console.log('tiny')\n")},
	"lib/util.js": {Data: []byte("module.exports = 1\n")},
}

func requireNpm(t *testing.T) {
	nodetest.RequireNode(t)
	nodetest.RequireTool(t, "npm", "npm comes with Node.js: install Node.js 20+ with npm")
}

func TestInstallsOnce(t *testing.T) {
	requireNpm(t)
	cache := t.TempDir()
	var said []string
	dir, err := Ensure(context.Background(), tinyApp, cache, Options{Name: "tiny", Progress: func(m string) { said = append(said, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, filepath.Join(cache, "npm", "tiny-")) {
		t.Errorf("installed in %s", dir)
	}
	for _, f := range []string{"index.js", "lib/util.js", readyFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if len(said) == 0 || !strings.Contains(said[0], "npm ci") {
		t.Errorf("progress: %q", said)
	}
	// The second time needs no npm at all.
	t.Setenv("PATH", t.TempDir())
	said = nil
	again, err := Ensure(context.Background(), tinyApp, cache, Options{Name: "tiny", Progress: func(m string) { said = append(said, m) }})
	if err != nil || again != dir || len(said) != 0 {
		t.Errorf("second Ensure: %s %v, said %q", again, err, said)
	}
	// A changed file is a new version, installed afresh (and npm is gone).
	changed := fstest.MapFS{}
	for k, v := range tinyApp {
		changed[k] = v
	}
	changed["index.js"] = &fstest.MapFile{Data: []byte("console.log('v2')\n")}
	_, err = Ensure(context.Background(), changed, cache, Options{Name: "tiny"})
	if !errors.Is(err, ErrNoNpm) || !strings.Contains(err.Error(), "`npm` are on your PATH") {
		t.Errorf("without npm: %v", err)
	}
}

// With the registry out of reach and nothing in npm's cache, the error says
// so, and no half-installed directory is left.
func TestOffline(t *testing.T) {
	requireNpm(t)
	src, err := fs.Sub(content.Labs(), "secure")
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	_, err = Ensure(context.Background(), src, cache, Options{Name: "secure", Env: []string{
		"npm_config_registry=http://127.0.0.1:9/",
		"npm_config_cache=" + t.TempDir(),
		"npm_config_fetch_retries=0",
	}})
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "connect to the network") {
		t.Fatalf("got %v", err)
	}
	entries, _ := filepath.Glob(filepath.Join(cache, "npm", "secure-*"))
	for _, e := range entries {
		if !strings.HasSuffix(e, ".lock") {
			t.Errorf("left behind: %s", e)
		}
	}
}

func TestNeedsALockfile(t *testing.T) {
	_, err := Ensure(context.Background(), fstest.MapFS{"package.json": {Data: []byte("{}")}}, t.TempDir(), Options{})
	if err == nil || !strings.Contains(err.Error(), "package-lock.json") {
		t.Errorf("got %v", err)
	}
}

// TestNpmRunsOnTheGivenNode: with Options.Node, npm and the app's install
// scripts run on that node, not on the one first on PATH.
func TestNpmRunsOnTheGivenNode(t *testing.T) {
	requireNpm(t)
	node := nodetest.NodeLine(t, 24)
	app := fstest.MapFS{}
	for k, v := range tinyApp {
		app[k] = v
	}
	app["package.json"] = &fstest.MapFile{Data: []byte(`{"name":"tiny","version":"1.0.0","private":true,"scripts":{"postinstall":` +
		`"node -e \"require('fs').writeFileSync('ran-on', process.version + ' ' + process.env.npm_config_user_agent)\""}}` + "\n")}
	dir, err := Ensure(context.Background(), app, t.TempDir(), Options{Name: "tiny", Node: node})
	if err != nil {
		t.Fatal(err)
	}
	ranOn, err := os.ReadFile(filepath.Join(dir, "ran-on"))
	if err != nil {
		t.Fatal(err)
	}
	// "v24.x.y npm/10.x node/v24.x.y linux x64 ...": the script's node, then npm's.
	if f := strings.Fields(string(ranOn)); len(f) < 3 || !strings.HasPrefix(f[0], "v24.") || !strings.HasPrefix(f[2], "node/v24.") {
		t.Errorf("install ran on %q, want node 24 for the script and for npm", ranOn)
	}
}
