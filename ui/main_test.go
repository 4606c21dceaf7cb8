package ui

import (
	"os"
	"testing"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
	"github.com/nodedive/nodedive/labs/scale"
)

// TestMain lets the test binary serve as a cluster worker, a scaling-lab
// instance and an exercise's sandbox supervisor: they re-execute their own
// binary, which in tests is this one.
func TestMain(m *testing.M) {
	cluster.RunChildIfRequested()
	scale.RunChildIfRequested()
	sandbox.RunChildIfRequested()
	os.Exit(m.Run())
}
