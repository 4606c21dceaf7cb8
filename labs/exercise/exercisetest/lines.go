package exercisetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/catalog"
)

// ProveOnLines verifies the reference solution of every exercise on the
// newest node of each supported line (nodetest.RequireLines: a missing line
// skips on a developer's machine and fails under CI=true), one subtest per
// line. With together, the exercises of a line are verified at the same
// time, for checks that mostly wait (a token's expiry, bcrypt, a slow
// client); otherwise one after the other, for checks that time a cluster.
// /proc is checked once a line's verifications are over.
func ProveOnLines(t *testing.T, exercises []*exercise.Exercise, together bool) {
	t.Helper()
	if len(exercises) == 0 {
		t.Fatal("no exercises to prove")
	}
	var cache string
	for _, ex := range exercises {
		if ex.NeedsPackages() {
			cache = PackagesCacheDir(t)
		}
	}
	for _, n := range nodetest.RequireLines(t) {
		t.Run("node "+n.Version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			reports := make([]*exercise.Report, len(exercises))
			errs := make([]error, len(exercises))
			verify := func(i int) {
				ex := exercises[i]
				dir := Dir(t, ex.Scaffold, ex.Solution)
				reports[i], errs[i] = ex.Verify(ctx, dir, exercise.Options{Node: n.Path, CacheDir: cache})
			}
			var wg sync.WaitGroup
			for i := range exercises {
				if together {
					wg.Go(func() { verify(i) })
				} else {
					verify(i)
				}
			}
			wg.Wait()
			AssertNothingLeft(t)
			for i, ex := range exercises {
				switch {
				case errs[i] != nil:
					t.Errorf("verify %s on node %s: %v", ex.ID, n.Version, errs[i])
				case !reports[i].Passed:
					t.Errorf("the reference solution of %s fails on node %s:\n%s", ex.ID, reports[i].Node, Describe(reports[i]))
				}
			}
		})
	}
}

// ProveTopicOnLines is ProveOnLines for every exercise of one topic of the
// catalogue: each topic package's cross-line test is this one call.
func ProveTopicOnLines(t *testing.T, topic string, together bool) {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	ProveOnLines(t, c.Topic(topic), together)
}
