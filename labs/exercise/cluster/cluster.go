// Package cluster verifies the exercises of the cluster topic, in which the
// learner writes a cluster's primary (server.js) around a given app (app.js):
// one worker per core, respawn with back-off, a rolling restart with a kill
// timeout, a graceful shutdown. Every check runs the learner's primary in the
// sandbox and watches it the way the cluster lab does: its workers are its
// children in /proc, which the checks kill; load from labs/load runs through
// kills and restarts; signals go to the primary's pid alone.
package cluster

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/load"
)

// harness holds spy.cjs, which the back-off check preloads into the primary.
//
//go:embed harness
var harnessFiles embed.FS

var harness = func() fs.FS {
	sub, err := fs.Sub(harnessFiles, "harness")
	if err != nil {
		panic(err) // a constant path into an embedded tree
	}
	return sub
}()

// Verifiers returns the topic's verifiers, for the catalog.
func Verifiers() []*exercise.Verifier {
	return []*exercise.Verifier{primaryExercise(), rollingRestart(), gracefulShutdown()}
}

// Check names, which the tests name too.
const (
	CheckServes          = "server.js starts workers that answer on PORT"
	CheckWorkerCount     = "one worker per core, or WORKERS"
	CheckReplaced        = "a killed worker is replaced and takes requests"
	CheckBackoff         = "a worker that crashes at start-up is retried, waiting longer each time"
	CheckRestartOneByOne = "SIGUSR2 replaces every worker, one at a time"
	CheckRestartNoErrors = "no request fails during a rolling restart"
	CheckRestartStuck    = "a stuck request cannot hold up the restart"
	CheckDrain           = "requests in flight when SIGTERM comes are answered"
	CheckExit            = "after SIGTERM the primary exits 0 once its workers are done"
	CheckShutdownStuck   = "a stuck request cannot hold up the shutdown"
)

func primaryExercise() *exercise.Verifier {
	return &exercise.Verifier{
		ID:      "cluster-primary",
		Harness: harness,
		Load:    serves(),
		Checks:  []exercise.Check{workerCount(), replaced(), backoff()},
	}
}

func rollingRestart() *exercise.Verifier {
	return &exercise.Verifier{
		ID:     "cluster-rolling-restart",
		Load:   serves(),
		Checks: []exercise.Check{restartOneByOne(), restartNoErrors(), restartStuck()},
	}
}

func gracefulShutdown() *exercise.Verifier {
	return &exercise.Verifier{
		ID:     "cluster-graceful-shutdown",
		Load:   serves(),
		Checks: []exercise.Check{drain(), exitAfterWorkers(), shutdownStuck()},
	}
}

// serves is every exercise's load check: the primary starts workers and one
// of them answers.
func serves() exercise.Check {
	return exercise.Check{
		Name: CheckServes,
		Hint: "server.js does not start a working cluster: read node's error above. The primary forks (cluster.fork()); " +
			"only the workers require('./app.js'), which listens on PORT.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			c, o, err := startPrimary(ctx, t, "WORKERS=1")
			if err != nil || !o.Pass {
				return o, err
			}
			const expect = "GET / is answered by a worker, not by the primary"
			status, worker, err := get(ctx, c.url("/"))
			switch {
			case err != nil:
				return fail(expect, "GET / failed: %v", err), nil
			case status != 200 || worker == 0:
				return fail(expect, "GET / answered %d without an X-Worker-Pid header: is app.js what listens?", status), nil
			case worker == c.pid():
				return fail(expect, "the primary (pid %d) answered GET / itself: only the workers should run app.js", worker), nil
			}
			return pass(expect, "worker %d answered GET /", worker), nil
		},
	}
}

func workerCount() exercise.Check {
	return exercise.Check{
		Name: CheckWorkerCount,
		Hint: "Fork Number(process.env.WORKERS) workers when WORKERS is set, else os.availableParallelism(): one per core. " +
			"The checks set WORKERS so that they know how many to expect.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			// A count that differs from the machine's cores, so that a
			// primary ignoring WORKERS shows.
			n := 3
			if runtime.NumCPU() == n {
				n = 4
			}
			expect := fmt.Sprintf("with WORKERS=%d, %d workers, every one answering requests", n, n)
			c, o, err := startPrimary(ctx, t, "WORKERS="+strconv.Itoa(n))
			if err != nil || !o.Pass {
				return o, err
			}
			kids, ok := c.waitWorkers(ctx, n, 5*time.Second)
			if ok { // still n a moment later: no extra forks on the way
				if err := sleep(ctx, 200*time.Millisecond); err != nil {
					return exercise.Outcome{}, err
				}
				kids = c.workers()
			}
			if len(kids) != n {
				return fail(expect, "the primary has %d workers (pids %s)", len(kids), pids(kids)), nil
			}
			// Every worker answers, once they all listen.
			served := map[int]bool{}
			deadline := time.Now().Add(3 * time.Second)
			for len(served) < n && time.Now().Before(deadline) {
				if _, worker, err := get(ctx, c.url("/")); err == nil && worker != 0 {
					served[worker] = true
				}
			}
			if len(served) < n {
				return fail(expect, "%d workers, but only %d of them answered requests", n, len(served)), nil
			}
			return pass(expect, "%d workers (pids %s), each answering", n, pids(kids)), nil
		},
	}
}

func replaced() exercise.Check {
	return exercise.Check{
		Name: CheckReplaced,
		Hint: "Listen for the workers' 'exit' and fork a replacement. Every unplanned exit counts, whatever the code or " +
			"signal: a worker killed by SIGKILL (the kernel's out-of-memory killer, an operator) exits with code null " +
			"and signal 'SIGKILL'. Only worker.exitedAfterDisconnect says the primary asked it to leave.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "after SIGKILL to one of 2 workers, a new worker within 2 s that answers requests; 2 workers again"
			c, o, err := startPrimary(ctx, t, "WORKERS=2")
			if err != nil || !o.Pass {
				return o, err
			}
			kids, ok := c.waitWorkers(ctx, 2, 5*time.Second)
			if !ok {
				return fail(expect, "the primary has %d workers with WORKERS=2 (pids %s)", len(kids), pids(kids)), nil
			}
			// Load runs from before the kill until the new worker answers.
			loadCtx, stopLoad := context.WithCancel(ctx)
			defer stopLoad()
			loadDone := make(chan *load.Result, 1)
			go func() {
				// Slow requests: the load keeps the cluster busy without
				// taking the CPU the primary needs to react.
				res, _ := load.Run(loadCtx, load.Config{URL: c.url("/slow?ms=50"), Duration: 15 * time.Second, Connections: 2, Timeout: 3 * time.Second})
				loadDone <- res
			}()
			if err := sleep(ctx, 200*time.Millisecond); err != nil {
				return exercise.Outcome{}, err
			}
			victim := kids[0]
			_ = syscall.Kill(victim, syscall.SIGKILL)
			killed := time.Now()
			var fresh []int
			for time.Since(killed) < 2*time.Second && !c.exited() {
				if fresh = without(c.workers(), kids); len(fresh) > 0 {
					break
				}
				if err := sleep(ctx, 10*time.Millisecond); err != nil {
					return exercise.Outcome{}, err
				}
			}
			took := time.Since(killed)
			answered := len(fresh) > 0 && answers(ctx, c, fresh[0], 5*time.Second)
			stopLoad()
			res := <-loadDone
			if ctx.Err() != nil {
				return exercise.Outcome{}, ctx.Err()
			}
			during := ""
			if res != nil {
				during = fmt.Sprintf("; %d requests meanwhile, %d failed", res.Requests, res.Errors)
			}
			if c.exited() {
				return fail(expect, "the primary itself exited after worker %d was killed", victim), nil
			}
			if len(fresh) == 0 {
				return fail(expect, "worker %d was killed (SIGKILL) and no new worker started within 2 s; the primary has %d worker(s)",
					victim, len(c.workers())), nil
			}
			if !answered {
				return fail(expect, "worker %d replaced worker %d after %s but answered no request within 5 s%s",
					fresh[0], victim, ms(took), during), nil
			}
			if now, ok := c.waitWorkers(ctx, 2, time.Second); !ok {
				return fail(expect, "worker %d replaced worker %d, but then the primary had %d workers (pids %s)",
					fresh[0], victim, len(now), pids(now)), nil
			}
			return pass(expect, "worker %d replaced worker %d after %s and answered requests%s", fresh[0], victim, ms(took), during), nil
		},
	}
}

// answers sends requests until worker answers one, for at most within.
func answers(ctx context.Context, c *primary, worker int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if _, pid, err := get(ctx, c.url("/")); err == nil && pid == worker {
			return true
		}
		if sleep(ctx, 10*time.Millisecond) != nil {
			return false
		}
	}
	return false
}

// backoffWindow bounds how long the back-off check watches a crash loop: with
// the waits the task asks for (100 ms, doubling), four retries fit easily
// even when node takes a second to start.
const backoffWindow = 6 * time.Second

func backoff() exercise.Check {
	return exercise.Check{
		Name: CheckBackoff,
		Hint: "A worker that dies right after it started will die again if you fork it at once: the primary then forks in " +
			"a tight loop and burns the CPU. Remember when each worker started; when one dies within a second, wait " +
			"before forking its replacement, twice as long as the last time (100 ms, 200 ms, 400 ms... up to 5 s), " +
			"with setTimeout. A worker that ran a while is replaced at once.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "a worker that crashes at start-up (CRASH_AT_START=1) is forked again, after waits that grow " +
				"(the last at least twice the shortest, and 200 ms or more)"
			if err := t.WriteFile(appScript, appJS); err != nil {
				return exercise.Outcome{}, err
			}
			log := filepath.Join(t.Dir, "spy.log")
			spec := t.Spec("--require", filepath.Join(t.Dir, "spy.cjs"), serverScript)
			spec.Env = append(spec.Env, "WORKERS=1", "CRASH_AT_START=1", "NODEDIVE_SPY="+log)
			spec.Timeout = backoffWindow + 5*time.Second
			p, err := t.Start(ctx, spec)
			if err != nil {
				return exercise.Outcome{}, err
			}
			start := time.Now()
			loop, err := watchCrashLoop(ctx, log, p.Done())
			if err != nil {
				return exercise.Outcome{}, err
			}
			loop.elapsed = time.Since(start)
			p.Stop()
			return loop.judge(expect), nil
		},
	}
}

// crashLoop is what the spy saw of a primary whose workers crash at
// start-up.
type crashLoop struct {
	forks   int
	waits   []time.Duration // from a worker's exit to the next fork, on the primary's clock
	elapsed time.Duration
	ended   bool // the primary exited
}

// watchCrashLoop reads the spy's notes until they show three waits, the
// primary ends, or the window closes.
func watchCrashLoop(ctx context.Context, log string, ended <-chan struct{}) (crashLoop, error) {
	deadline := time.After(backoffWindow)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		loop := readCrashLoop(log)
		if len(loop.waits) >= backoffWaits {
			return loop, nil
		}
		select {
		case <-ended:
			loop = readCrashLoop(log)
			loop.ended = true
			return loop, nil
		case <-deadline:
			return loop, nil
		case <-ctx.Done():
			return loop, ctx.Err()
		case <-tick.C:
		}
	}
}

// readCrashLoop reads the spy's notes (harness/spy.cjs): with one worker at
// a time, each fork after an exit ends a wait.
func readCrashLoop(file string) crashLoop {
	var loop crashLoop
	data, err := os.ReadFile(file)
	if err != nil {
		return loop
	}
	var lastExit float64 = -1
	for line := range strings.Lines(string(data)) {
		var n struct {
			Event string  `json:"event"`
			At    float64 `json:"at"` // milliseconds, performance.now()
		}
		if json.Unmarshal([]byte(line), &n) != nil {
			continue // a line being written
		}
		switch n.Event {
		case "exit":
			lastExit = n.At
		case "fork":
			loop.forks++
			if lastExit >= 0 {
				loop.waits = append(loop.waits, time.Duration((n.At-lastExit)*float64(time.Millisecond)))
				lastExit = -1
			}
		}
	}
	return loop
}

// backoffWaits is how many waits the back-off check watches. A busy machine
// can stretch any one wait by a few hundred milliseconds (the primary's
// timer fires late, node starts slowly); with four, the last of a doubling
// back-off (800 ms) still stands clear of twice the shortest.
const backoffWaits = 4

func (l crashLoop) judge(expect string) exercise.Outcome {
	waits := make([]string, len(l.waits))
	for i, w := range l.waits {
		waits[i] = ms(w)
	}
	seen := fmt.Sprintf("%d workers forked in %s", l.forks, ms(l.elapsed))
	if len(waits) > 0 {
		seen += "; the primary waited " + joinMax(waits, 8) + " after each crash"
	}
	if l.ended {
		seen += "; then the primary exited"
	}
	if len(l.waits) < 2 {
		return fail(expect, "%s: the crashed worker was not forked again (at least not twice)", seen)
	}
	shortest, last := slices.Min(l.waits), l.waits[len(l.waits)-1]
	if last < 2*shortest || last < 200*time.Millisecond {
		return fail(expect, "%s: the waits do not grow", seen)
	}
	return pass(expect, "%s", seen)
}

// joinMax joins at most n items, eliding the middle of longer lists.
func joinMax(items []string, n int) string {
	if len(items) > n {
		items = append(append(slices.Clone(items[:n/2]), "…"), items[len(items)-n/2:]...)
	}
	return strings.Join(items, ", ")
}
