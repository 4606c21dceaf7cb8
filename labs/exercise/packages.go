package exercise

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/nodedive/nodedive/labs/npmcache"
)

// Exercises that need npm packages (Express, a Redis client) say so with
// their scaffold: a scaffold holding package-lock.json (and package.json)
// declares the exercise's packages, pinned by that lockfile. This is the
// one place the framework deals with them:
//
//   - Verify installs the lockfile with `npm ci` through labs/npmcache, into
//     Options.CacheDir, once per content of the two files (exercises whose
//     files are identical share one install), with npm running on the node
//     the checks use;
//   - every check's work directory gets node_modules at its root as a
//     symlink to that install, above the learner's files and the harness,
//     so the learner's require('express') and the harness's
//     require('redis') (ESM imports too) resolve to it. The
//     learner's own node_modules is not copied into checks; their
//     package.json is, like any file (node reads its "type"), but the
//     install follows the exercise's lockfile only, so a verification never
//     installs a package the learner added (the README lists what there is);
//   - the learner's directory gets the same node_modules symlink when it
//     has no node_modules of its own, so `node server.js` works there by
//     hand after the first verification (`npm ci` there works too).
const (
	packageJSON = "package.json"
	lockfile    = "package-lock.json"
	nodeModules = "node_modules"
)

// packageFiles returns the exercise's package.json and package-lock.json
// from its scaffold, or nil when it needs no packages.
func packageFiles(scaffold []File) []File {
	var pkg, lock *File
	for i, f := range scaffold {
		switch f.Name {
		case packageJSON:
			pkg = &scaffold[i]
		case lockfile:
			lock = &scaffold[i]
		}
	}
	if lock == nil {
		return nil
	}
	out := []File{*lock}
	if pkg != nil {
		out = append(out, *pkg)
	}
	return out
}

// NeedsPackages reports whether the exercise's scaffold pins npm packages
// that the checks install (see Options.CacheDir).
func (e *Exercise) NeedsPackages() bool { return len(e.Packages) > 0 }

func (e *Exercise) validatePackages() string {
	if !e.NeedsPackages() {
		return ""
	}
	if len(e.Packages) != 2 {
		return "a scaffold with " + lockfile + " needs its " + packageJSON + " too"
	}
	return ""
}

// installPackages runs npm ci of the exercise's lockfile (once per content)
// and returns the install's node_modules directory; "" when the exercise
// needs no packages.
func (e *Exercise) installPackages(ctx context.Context, node string, o Options) (string, error) {
	if !e.NeedsPackages() {
		return "", nil
	}
	src := fstest.MapFS{}
	for _, f := range e.Packages {
		src[f.Name] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
	}
	cache := o.CacheDir
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "nodedive-cache")
	}
	dir, err := npmcache.Ensure(ctx, src, cache, npmcache.Options{Name: "exercise", Progress: o.Progress, Node: node, Env: o.NpmEnv})
	if err != nil {
		return "", fmt.Errorf("installing the npm packages of %s: %w", e.ID, err)
	}
	return filepath.Join(dir, nodeModules), nil
}

// isInstalled reports whether a learner's file belongs to an npm install
// (node_modules at the top), which checks never copy.
func isInstalled(name string) bool {
	return name == nodeModules || strings.HasPrefix(name, nodeModules+"/")
}

// linkPackages gives the learner's directory a node_modules symlink to the
// install when it has none (or has an older link of ours into the same
// cache), so the app runs there by hand. A real node_modules (the learner
// ran npm ci) is left alone. Failing to link is not an error of Verify.
func linkPackages(learnerDir, modules string) {
	link := filepath.Join(learnerDir, nodeModules)
	fi, err := os.Lstat(link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil, fi.Mode()&fs.ModeSymlink == 0:
		return
	default:
		target, err := os.Readlink(link)
		// Re-point only a link into our own npm cache (an older install).
		if err != nil || target == modules || filepath.Dir(filepath.Dir(target)) != filepath.Dir(filepath.Dir(modules)) {
			return
		}
		if os.Remove(link) != nil {
			return
		}
	}
	_ = os.Symlink(modules, link)
}

// linkModules gives the check's work directory its node_modules link to
// the exercise's install, when it has one.
func (t *Trial) linkModules() error {
	if t.env.modules == "" {
		return nil
	}
	if err := os.Symlink(t.env.modules, filepath.Join(t.Dir, nodeModules)); err != nil {
		return fmt.Errorf("linking the exercise's npm packages: %w", err)
	}
	return nil
}
