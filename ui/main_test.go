package ui

import (
	"os"
	"testing"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/scale"
)

// TestMain lets the test binary serve as a cluster worker: the cluster lab
// re-executes its own binary, which in tests is this one.
func TestMain(m *testing.M) {
	cluster.RunChildIfRequested()
	scale.RunChildIfRequested()
	os.Exit(m.Run())
}
