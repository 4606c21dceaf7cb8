//go:build crossline

package modules_test

import (
	"testing"

	"github.com/nodedive/nodedive/labs/exercise/exercisetest"
)

// TestSolutionsOnSupportedLines proves every reference solution of the
// topic on each supported node line. It is built only with -tags
// crossline: .ci/run runs it in its cross-line pass (see exercisetest).
func TestSolutionsOnSupportedLines(t *testing.T) {
	exercisetest.ProveTopicOnLines(t, "modules", false)
}
