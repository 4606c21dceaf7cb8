// Package catalog puts the exercises together: the embedded content and every
// topic's verifiers. It is the one place a new topic is registered.
package catalog

import (
	"sync"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/cluster"
	"github.com/nodedive/nodedive/labs/exercise/events"
	"github.com/nodedive/nodedive/labs/exercise/modules"
	"github.com/nodedive/nodedive/labs/exercise/scaling"
	"github.com/nodedive/nodedive/labs/exercise/security"
)

var (
	once   sync.Once
	loaded *exercise.Catalog
	err    error
)

// Load returns the catalog, built once. The content is embedded, so an error
// is a bug that the tests catch.
func Load() (*exercise.Catalog, error) {
	once.Do(func() {
		loaded, err = exercise.NewCatalog(content.Exercises(),
			// One line per topic.
			modules.Verifiers(),
			events.Verifiers(),
			security.Verifiers(),
			scaling.Verifiers(),
			cluster.Verifiers(),
		)
	})
	return loaded, err
}
