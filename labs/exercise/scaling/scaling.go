// Package scaling verifies the exercises of the scaling topic, in which the
// learner makes a Node app fit to run as several instances: sessions in
// Redis, cache-aside in Redis, slow work moved to a queue and a worker
// process. Every check starts a throw-away redis-server (labs/secure/redisrun),
// runs the learner's server.js as two instances on their own ports (and
// worker.js as separate processes) in the sandbox, puts the lab's nginx in
// front where a load balancer belongs, and judges what the processes did:
// answers through nginx and from each instance, the keys in Redis and their
// TTLs, the query log of the slow database, which process built which
// report.
//
// The apps need the redis npm package: the scaffolds ship its
// package-lock.json, so the framework installs it once into the cache and
// links node_modules into every check.
package scaling

import (
	"github.com/nodedive/nodedive/labs/exercise"
)

// Verifiers returns the topic's verifiers, for the catalog.
func Verifiers() []*exercise.Verifier {
	return []*exercise.Verifier{sessions(), cacheAside(), queue()}
}

// Check names, which the tests name too.
const (
	CheckSessionsServes  = "server.js starts and answers"
	CheckSharedLogin     = "a login through nginx is known to every instance"
	CheckSessionTTL      = "the session is in Redis, and expires"
	CheckLogout          = "logging out ends the session on every instance"
	CheckCacheServes     = "server.js starts and serves a product"
	CheckCacheHit        = "repeated reads, on any instance, skip the database"
	CheckInvalidate      = "a change is served at once"
	CheckRace            = "a read during a change does not bring the old price back"
	CheckCacheTTL        = "cached copies expire"
	CheckQueueServes     = "server.js starts and answers"
	CheckQueued          = "POST /reports answers at once and leaves the job in a Redis queue"
	CheckWorkerBuilds    = "a worker process builds the reports"
	CheckExactlyOnce     = "with two workers, each report is built exactly once"
	CheckQueuedBeforeRun = "a job queued while no worker runs is built when one starts"
)

func sessions() *exercise.Verifier {
	return &exercise.Verifier{
		ID:     "scaling-sessions-redis",
		Load:   sessionsServes(),
		Checks: []exercise.Check{sharedLogin(), sessionTTL(), logout()},
	}
}

func cacheAside() *exercise.Verifier {
	return &exercise.Verifier{
		ID:     "scaling-cache-aside",
		Load:   cacheServes(),
		Checks: []exercise.Check{cacheHit(), invalidate(), race(), cacheTTL()},
	}
}

func queue() *exercise.Verifier {
	return &exercise.Verifier{
		ID:     "scaling-queue",
		Load:   queueServes(),
		Checks: []exercise.Check{queued(), workerBuilds(), exactlyOnce(), queuedBeforeRun()},
	}
}
