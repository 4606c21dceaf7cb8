//go:build crossline

package coursecheck_test

import (
	"testing"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
)

// TestCheckPassesOnSupportedLines runs the whole course on the newest node
// of every supported line (built only with -tags crossline: .ci/run's
// cross-line pass).
func TestCheckPassesOnSupportedLines(t *testing.T) {
	for _, n := range nodetest.RequireLines(t) {
		checkCourseOn(t, n)
	}
}
