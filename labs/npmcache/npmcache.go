// Package npmcache installs a lab's JavaScript app (its package.json,
// package-lock.json and sources, embedded in nodedive) into the learner's
// cache directory with `npm ci`, once per version of its files, so the next
// start is instant and works offline.
package npmcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/proc"
)

// ErrNoNpm is returned (wrapped) when npm is not on PATH.
var ErrNoNpm = errors.New("npm was not found on PATH")

// ErrOffline is returned (wrapped) when npm could not reach its registry.
var ErrOffline = errors.New("npm could not reach the package registry")

// readyFile marks a directory whose install finished.
const readyFile = ".nodedive-installed"

// Options tune an install.
type Options struct {
	// Name names the app's directory (e.g. "secure").
	Name string
	// Progress, if set, hears what is happening ("installing ...").
	Progress func(msg string)
	// Env is added to npm's environment (tests point npm elsewhere).
	Env []string
	// Timeout bounds npm ci; zero means 5 minutes.
	Timeout time.Duration
	// Node is the node the app will run on (a path; empty is node on
	// PATH). npm runs under it too (its directory goes first on npm's
	// PATH, and its own npm is used when it has one next to it), so the
	// install sees the version that runs the app.
	Node string
}

// Ensure returns a directory under cacheDir holding src's files with their
// node_modules installed, running `npm ci` only when no earlier run
// installed this exact version. Concurrent callers (two nodedive processes)
// wait for each other instead of installing twice. A failed install leaves
// nothing behind.
func Ensure(ctx context.Context, src fs.FS, cacheDir string, opt Options) (string, error) {
	if opt.Name == "" {
		opt.Name = "app"
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Minute
	}
	say := func(msg string) {
		if opt.Progress != nil {
			opt.Progress(msg)
		}
	}
	files, sum, err := snapshot(src)
	if err != nil {
		return "", err
	}
	if _, ok := files["package-lock.json"]; !ok {
		return "", errors.New("the app has no package-lock.json: npm ci needs one")
	}
	root := filepath.Join(cacheDir, "npm")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	dir := filepath.Join(root, opt.Name+"-"+sum[:12])
	if installed(dir) {
		return dir, nil
	}

	lock := flock.New(dir + ".lock")
	locked, err := lock.TryLock()
	if err == nil && !locked {
		say("waiting for another nodedive that is installing " + opt.Name)
		locked, err = lock.TryLockContext(ctx, 100*time.Millisecond)
	}
	if err != nil || !locked {
		return "", fmt.Errorf("locking %s: %w", dir, errors.Join(err, ctx.Err()))
	}
	defer func() { _ = lock.Unlock() }()
	if installed(dir) { // the other process finished it meanwhile
		return dir, nil
	}

	npm, err := findNpm(opt.Node)
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := writeFiles(dir, files); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	say(fmt.Sprintf("installing the %s app's npm packages (npm ci) into %s", opt.Name, dir))
	if err := npmCI(ctx, npm, dir, opt); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, readyFile), []byte(time.Now().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	say("installed")
	return dir, nil
}

func installed(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, readyFile))
	return err == nil
}

// snapshot reads every regular file of src and hashes names and contents.
func snapshot(src fs.FS) (map[string][]byte, string, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" {
				return fs.SkipDir
			}
			return nil
		}
		data, err := fs.ReadFile(src, path)
		if err != nil {
			return err
		}
		files[path] = data
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("reading the app's files: %w", err)
	}
	h := sha256.New()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return files, hex.EncodeToString(h.Sum(nil)), nil
}

func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// findNpm returns the npm next to node when there is one (a node install
// ships its own), else the one on PATH.
func findNpm(node string) (string, error) {
	if node != "" {
		if npm := filepath.Join(filepath.Dir(node), "npm"); isExecutable(npm) {
			return npm, nil
		}
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrNoNpm, strings.Replace(noderun.InstallHint, "make sure `node` is", "make sure `node` and `npm` are", 1))
	}
	return npm, nil
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// npmCI runs npm ci in dir. --prefer-offline takes packages from npm's own
// cache when it has them, so a reinstall needs no network.
func npmCI(ctx context.Context, npm, dir string, opt Options) error {
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), opt.Env...)
	if opt.Node != "" {
		// npm's #!/usr/bin/env node finds this node first.
		cmd.Env = append(cmd.Env, "PATH="+filepath.Dir(opt.Node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	out := &proc.Tail{} // npm's last words explain a failure
	cmd.Stdout, cmd.Stderr = out, out
	proc.Prepare(cmd)
	err := cmd.Run()
	if err == nil {
		return nil
	}
	said := strings.TrimSpace(out.String())
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("npm ci did not finish within %s (a slow or unreachable registry?): %s", opt.Timeout, lastLines(said, 5))
	case ctx.Err() != nil:
		return fmt.Errorf("npm ci interrupted: %w", ctx.Err())
	}
	if code := networkError.FindString(said); code != "" {
		return fmt.Errorf("%w (%s) while installing the %s app's packages: connect to the network, or point npm at a "+
			"registry or proxy you can reach (npm config set registry URL / proxy URL), then run again. npm said:\n%s",
			ErrOffline, code, opt.Name, lastLines(said, 5))
	}
	return fmt.Errorf("npm ci failed (%w):\n%s", err, lastLines(said, 10))
}

// networkError spots the error codes npm prints when the registry is out of
// reach.
var networkError = regexp.MustCompile(`ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|ENETUNREACH|EHOSTUNREACH|ENOTCACHED`)

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
