package noderun

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// Info names the node a run used, for reports: which executable and which
// version it says it is.
type Info struct {
	Path    string `json:"path"`    // absolute (see Find)
	Version string `json:"version"` // without the "v", e.g. "24.22.3"
}

// String is "node 24.22.3 (/path/to/node)".
func (i Info) String() string { return fmt.Sprintf("node %s (%s)", i.Version, i.Path) }

// versionLine is what `node --version` prints, without the "v".
var versionLine = regexp.MustCompile(`^\d+\.\d+\.\d+`)

// Identify finds node (see Find: a path, a name on PATH, or "" for node on
// PATH) and asks it for its version. An executable that answers --version
// with something other than a node version (a wrong --node PATH) is an
// error that names it, as is one that is missing or cannot run.
func Identify(ctx context.Context, node string) (Info, error) {
	path, err := Find(node)
	if err != nil {
		return Info{}, err
	}
	v, err := Version(ctx, path)
	if err != nil {
		return Info{}, fmt.Errorf("%s does not run as node: %w", path, err)
	}
	if !versionLine.MatchString(v) {
		return Info{}, fmt.Errorf("%s is not node: `%s --version` printed %q, not a version like v24.0.0", path, filepath.Base(path), clipTo(strings.SplitN(v, "\n", 2)[0], 60))
	}
	return Info{Path: path, Version: v}, nil
}

func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
