package exercise

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nodedive/nodedive/labs/npmcache"
)

// The files of a scaffold that name the npm packages an exercise's code
// needs (Verifier.NPM).
const (
	packageJSON = "package.json"
	packageLock = "package-lock.json"
)

// ModulesDir is the name of the link every check's work directory gets to
// the installed packages of an exercise with Verifier.NPM. It sits at the
// root of the work directory, above the learner's files, where node's
// module resolution (require and import alike) finds it.
const ModulesDir = "node_modules"

// npmName names the exercises' installs in the cache directory, next to the
// labs' ones: exercise-<hash of package.json and package-lock.json>.
const npmName = "exercise"

// installPackages installs the npm packages named by the package.json and
// package-lock.json of the exercise's scaffold, once per version of those two
// files (npmcache), and returns the node_modules directory. The learner's own
// copies of the two files are not used: the exercise fixes its packages, and
// a check never runs npm on what the learner wrote.
func (e *Exercise) installPackages(ctx context.Context, node string, o Options) (string, error) {
	src, err := os.MkdirTemp("", "nodedive-exercise-npm-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(src)
	for _, name := range []string{packageJSON, packageLock} {
		data, ok := e.scaffoldFile(name)
		if !ok {
			return "", fmt.Errorf("exercise %s needs npm packages but its scaffold has no %s", e.ID, name)
		}
		if err := writeFile(src, name, data); err != nil {
			return "", err
		}
	}
	cache := o.CacheDir
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "nodedive-cache")
	}
	dir, err := npmcache.Ensure(ctx, os.DirFS(src), cache, npmcache.Options{
		Name: npmName, Node: node, Progress: o.Progress, Env: o.NpmEnv,
	})
	if err != nil {
		return "", fmt.Errorf("installing the npm packages of %s: %w", e.ID, err)
	}
	return filepath.Join(dir, ModulesDir), nil
}

func (e *Exercise) scaffoldFile(name string) ([]byte, bool) {
	for _, f := range e.Scaffold {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

// linkModules gives the work directory its node_modules link.
func (t *Trial) linkModules() error {
	if t.env.modules == "" {
		return nil
	}
	if err := os.Symlink(t.env.modules, filepath.Join(t.Dir, ModulesDir)); err != nil {
		return fmt.Errorf("linking the npm packages into the check's directory: %w", err)
	}
	return nil
}

// skipSnapshotDir says which directories of the learner's are not copied
// into checks: backups, git, and node_modules, which a learner who ran npm
// install has and which the checks provide themselves (Verifier.NPM).
func skipSnapshotDir(name string) bool {
	return name == BackupDir || name == ".git" || name == ModulesDir
}

// hasPackageFiles reports whether files (a scaffold) name npm packages.
func hasPackageFiles(files []File) bool {
	var json, lock bool
	for _, f := range files {
		json = json || f.Name == packageJSON
		lock = lock || f.Name == packageLock
	}
	return json && lock
}
