package nodetest

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// LineDir is where supported Node lines are kept for tests and CI, one
// directory per version holding the npm registry's node package
// (LineDir/24.22.3/package/bin/node); NODEDIVE_NODE_LINES overrides it.
func LineDir() string {
	if d := os.Getenv("NODEDIVE_NODE_LINES"); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "nodedive-node")
}

// NodeLine returns a node of a major line (24 for 24.x) kept in
// LineDir, or skips the test when there is none: other lines are extras a
// machine may not have, unlike the node on PATH.
func NodeLine(t testing.TB, major int) string {
	t.Helper()
	dir := LineDir()
	matches, _ := filepath.Glob(filepath.Join(dir, strconv.Itoa(major)+".*", "package", "bin", "node"))
	slices.Sort(matches)
	for i := len(matches) - 1; i >= 0; i-- {
		if st, err := os.Stat(matches[i]); err == nil && st.Mode()&0o111 != 0 {
			return matches[i]
		}
	}
	t.Skipf("no node %d.x under %s (set NODEDIVE_NODE_LINES to a directory of node packages)", major, dir)
	return ""
}
