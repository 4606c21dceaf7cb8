package scaling_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
	"github.com/nodedive/nodedive/labs/exercise/exercisetest"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
	"github.com/nodedive/nodedive/labs/exercise/scaling"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/npmcache"
	"github.com/nodedive/nodedive/labs/secure/redisrun"
)

func TestMain(m *testing.M) {
	sandbox.RunChildIfRequested()
	nginx.RunSupervisor(os.Args)
	os.Exit(m.Run())
}

// find returns the exercise, after making sure that what its checks need is
// here: npm (for the redis package), redis-server and nginx.
func find(t *testing.T, id string) *exercise.Exercise {
	t.Helper()
	nodetest.RequireTool(t, "npm", "npm comes with Node.js: install Node.js 22+ with npm")
	nodetest.RequireTool(t, "redis-server", "install Redis (apt install redis-server)")
	if _, err := nginx.Find(); err != nil {
		nodetest.RequireTool(t, "nginx", nginx.InstallHint)
	}
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

func TestSessionsInRedis(t *testing.T) {
	exercisetest.Prove(t, find(t, "scaling-sessions-redis"), exercisetest.Proof{
		Wrong: []exercisetest.Wrong{
			{Name: "write-only", Fails: scaling.CheckSharedLogin},
			{Name: "no-ttl", Fails: scaling.CheckSessionTTL},
			{Name: "local-cache", Fails: scaling.CheckLogout},
		},
	})
}

func TestCacheAside(t *testing.T) {
	exercisetest.Prove(t, find(t, "scaling-cache-aside"), exercisetest.Proof{
		ScaffoldFails: scaling.CheckCacheHit,
		Wrong: []exercisetest.Wrong{
			{Name: "local-memo", Fails: scaling.CheckCacheHit},
			{Name: "no-invalidate", Fails: scaling.CheckInvalidate},
			{Name: "delete-first", Fails: scaling.CheckRace},
			{Name: "no-ttl", Fails: scaling.CheckCacheTTL},
		},
	})
}

func TestQueue(t *testing.T) {
	exercisetest.Prove(t, find(t, "scaling-queue"), exercisetest.Proof{
		ScaffoldFails: scaling.CheckQueued,
		Wrong: []exercisetest.Wrong{
			{Name: "build-after-answer", Fails: scaling.CheckQueued},
			{Name: "peek-then-pop", Fails: scaling.CheckExactlyOnce},
			{Name: "pubsub", Fails: scaling.CheckQueuedBeforeRun},
		},
	})
}

// The checks use their own copies of the files the learner leaves alone:
// they must be the scaffolds' files.
func TestChecksUseTheScaffoldsFiles(t *testing.T) {
	for id, names := range map[string][]string{
		"scaling-cache-aside": {"db.js", "products.json"},
		"scaling-queue":       {"report.js"},
	} {
		for _, name := range names {
			want, err := os.ReadFile(filepath.Join("app", name))
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			for _, f := range find(t, id).Scaffold {
				if f.Name == name {
					got = f.Data
				}
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: scaffold/%s differs from labs/exercise/scaling/app/%s", id, name, name)
			}
		}
	}
}

// The three exercises share one npm install: the same package.json and
// package-lock.json.
func TestOneNpmInstallForAll(t *testing.T) {
	var first []exercise.File
	for _, id := range []string{"scaling-sessions-redis", "scaling-cache-aside", "scaling-queue"} {
		var pkg []exercise.File
		for _, f := range find(t, id).Scaffold {
			if f.Name == "package.json" || f.Name == "package-lock.json" {
				pkg = append(pkg, f)
			}
		}
		if len(pkg) != 2 {
			t.Fatalf("%s: scaffold has %d of package.json and package-lock.json", id, len(pkg))
		}
		if first == nil {
			first = pkg
			continue
		}
		for i := range pkg {
			if !bytes.Equal(pkg[i].Data, first[i].Data) {
				t.Errorf("%s: %s differs from the other scaling exercises'", id, pkg[i].Name)
			}
		}
	}
}

// With the npm registry out of reach and nothing in npm's cache, verify
// says so and what to do, instead of failing the checks one by one.
func TestUnreachableRegistrySaysSo(t *testing.T) {
	ex := find(t, "scaling-queue")
	dir := exercisetest.Dir(t, ex.Scaffold)
	cache := t.TempDir()
	_, err := ex.Verify(t.Context(), dir, exercise.Options{CacheDir: cache, NpmEnv: []string{
		"npm_config_registry=http://127.0.0.1:9/",
		"npm_config_cache=" + t.TempDir(),
		"npm_config_fetch_retries=0",
	}})
	exercisetest.AssertNothingLeft(t)
	if !errors.Is(err, npmcache.ErrOffline) || !strings.Contains(err.Error(), "installing the npm packages of scaling-queue") ||
		!strings.Contains(err.Error(), "connect to the network") {
		t.Fatalf("err = %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, "npm", "exercise-*", "*")); len(left) > 0 {
		t.Errorf("a failed install left %v", left)
	}
}

// Without redis-server the checks cannot run: verify says so, and how to get
// it, instead of failing the learner's code.
func TestNoRedisSaysHowToGetIt(t *testing.T) {
	ex := find(t, "scaling-sessions-redis")
	bin := t.TempDir()
	for _, tool := range []string{"node", "npm"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	_, err := ex.Verify(t.Context(), exercisetest.Dir(t, ex.Scaffold), exercise.Options{})
	exercisetest.AssertNothingLeft(t)
	if !errors.Is(err, redisrun.ErrNoRedis) || !strings.Contains(err.Error(), "apt install redis-server") {
		t.Fatalf("err = %v", err)
	}
}
