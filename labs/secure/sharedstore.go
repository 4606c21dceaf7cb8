package secure

import (
	"errors"
	"fmt"
	"os"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/secure/ratelimit"
	"github.com/nodedive/nodedive/labs/secure/ratelimit/shmtable"
)

// The shared store keeps the counters in a memory region that the cluster
// primary creates and hands to every worker it forks (cluster.Config.Files):
// each worker maps the same pages and counts a client in place, so the count
// is exact across workers without a round trip. See shmtable.

// sharedRegionFile names the region among the files a worker inherits.
const sharedRegionFile = "secure.ratelimit"

// validShared checks the settings that only the shared store has.
func validShared(c Config) error {
	if c.Weak.NoRateLimit {
		return nil
	}
	if err := shmtable.Check(c.WithDefaults().SharedSlots, c.WithDefaults().Window); err != nil {
		return err
	}
	if c.Limit >= shmtable.MaxCount {
		return fmt.Errorf("rate limit %d: the shared store counts up to %d per window; use a lower limit or another store", c.Limit, shmtable.MaxCount-1)
	}
	return nil
}

// ClusterFiles returns the files the cluster primary must hand every worker
// for cfg (cluster.Config.Files): for the shared store, the region that holds
// the counters. closeFiles releases the primary's hold on them; call it after
// the cluster has stopped. Other stores need no files.
func ClusterFiles(cfg Config) (files map[string]*os.File, closeFiles func() error, err error) {
	cfg = cfg.WithDefaults()
	if cfg.Store != StoreShared || cfg.Weak.NoRateLimit {
		return nil, func() error { return nil }, nil
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	region, err := shmtable.Create(cfg.SharedSlots, cfg.Window)
	if err != nil {
		return nil, nil, err
	}
	return map[string]*os.File{sharedRegionFile: region.File()}, region.Close, nil
}

// sharedStoreInWorker maps the region the primary handed this worker. The
// mapping lasts as long as the worker process.
func sharedStoreInWorker(w *cluster.Worker, cfg Config) (ratelimit.Store, error) {
	f := w.File(sharedRegionFile)
	if f == nil {
		return nil, errors.New("the shared rate-limit store needs the memory region the cluster primary hands " +
			"every worker, and this worker got none (start the cluster with the files of secure.ClusterFiles)")
	}
	region, err := shmtable.Open(f)
	if err != nil {
		return nil, err
	}
	if got, want := region.Table().Window(), cfg.WithDefaults().Window; got != want {
		_ = region.Close()
		return nil, fmt.Errorf("the shared rate-limit region counts %s windows, the app is configured for %s", got, want)
	}
	return ratelimit.NewShared(region.Table()), nil
}

// privateSharedStore is the shared store of an app that runs alone, outside
// a cluster: the same table, in this process's memory.
func privateSharedStore(cfg Config) (ratelimit.Store, error) {
	table, err := shmtable.New(cfg.SharedSlots, cfg.Window)
	if err != nil {
		return nil, err
	}
	return ratelimit.NewShared(table), nil
}
