package cluster

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/load"
)

// restartHint is what every restart check shares.
const restartHint = "On SIGUSR2, go through the workers one at a time: fork the new one, wait for its 'listening' " +
	"event, then old.disconnect() (it stops taking connections, finishes its requests and exits) and wait for the " +
	"old one's 'exit' before the next. "

func restartOneByOne() exercise.Check {
	return exercise.Check{
		Name: CheckRestartOneByOne,
		Hint: restartHint + "A worker that leaves because you asked it to has worker.exitedAfterDisconnect set: do not " +
			"replace it a second time from your 'exit' listener.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "after SIGUSR2, both workers replaced by new ones, with never more than 3 nor fewer than 2 " +
				"at a time, then 2 workers"
			c, old, o, err := startTwo(ctx, t, "KILL_TIMEOUT_MS=1000")
			if err != nil || !o.Pass {
				return o, err
			}
			if err := c.signal(syscall.SIGUSR2); err != nil {
				return exercise.Outcome{}, err
			}
			w := watchRestart(ctx, c, old, 5*time.Second)
			if !w.complete {
				return fail(expect, "%s", w.describe()), nil
			}
			switch {
			case w.most > 3:
				return fail(expect, "%s; but at one point it had %d workers: more than one new worker at a time", w.describe(), w.most), nil
			case w.least < 2:
				return fail(expect, "%s; but at one point it had %d worker(s): an old worker left before its replacement listened",
					w.describe(), w.least), nil
			}
			return pass(expect, "%s; 2 or 3 workers throughout", w.describe()), nil
		},
	}
}

func restartNoErrors() exercise.Check {
	return exercise.Check{
		Name: CheckRestartNoErrors,
		Hint: restartHint + "Killing the old worker (worker.kill() included, when it does not wait) drops its requests; " +
			"retiring them all first leaves nobody to take connections.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "every request sent during the restart (GET /slow?ms=100, 4 at a time) answered; the new workers serving"
			c, old, o, err := startTwo(ctx, t, "KILL_TIMEOUT_MS=3000")
			if err != nil || !o.Pass {
				return o, err
			}
			loadCtx, stopLoad := context.WithCancel(ctx)
			defer stopLoad()
			loadDone := make(chan *load.Result, 1)
			go func() {
				// 100 ms requests, 4 at a time: every worker always has
				// some in flight, which a worker killed instead of
				// retired would drop, and the CPU stays free.
				res, _ := load.Run(loadCtx, load.Config{
					URL: c.url("/slow?ms=100"), Duration: 15 * time.Second, Connections: 4, Timeout: 4 * time.Second,
				})
				loadDone <- res
			}()
			if err := sleep(ctx, 200*time.Millisecond); err != nil {
				return exercise.Outcome{}, err
			}
			if err := c.signal(syscall.SIGUSR2); err != nil {
				return exercise.Outcome{}, err
			}
			w := watchRestart(ctx, c, old, 8*time.Second)
			_ = sleep(ctx, 200*time.Millisecond) // the new workers alone, for a moment
			stopLoad()
			res := <-loadDone
			if ctx.Err() != nil {
				return exercise.Outcome{}, ctx.Err()
			}
			if res == nil || res.Requests == 0 {
				return fail(expect, "no request was answered at all; %s", w.describe()), nil
			}
			seen := fmt.Sprintf("%d requests, %d failed", res.Requests, res.Errors)
			if res.Errors > 0 {
				return fail(expect, "%s (%s); %s", seen, errorKinds(res), w.describe()), nil
			}
			if !w.complete {
				return fail(expect, "%s; %s", seen, w.describe()), nil
			}
			var byNew int64
			for _, wc := range res.Workers {
				if slices.Contains(w.final, wc.PID) {
					byNew += wc.Requests
				}
			}
			if byNew == 0 {
				return fail(expect, "%s; the new workers answered none of them", seen), nil
			}
			return pass(expect, "%s; %s; the new workers answered %d", seen, w.describe(), byNew), nil
		},
	}
}

func restartStuck() exercise.Check {
	return exercise.Check{
		Name: CheckRestartStuck,
		Hint: "disconnect() waits for the worker's requests, and a request that never ends would hold the restart forever. " +
			"Start a timer when you disconnect the old worker: if it has not exited after KILL_TIMEOUT ms, " +
			"worker.process.kill('SIGKILL'). Clear the timer when it exits.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "with KILL_TIMEOUT_MS=600 and a request that never ends on each worker, every old worker gone " +
				"within 5 s of SIGUSR2, and 2 new ones"
			c, old, o, err := startTwo(ctx, t, "KILL_TIMEOUT_MS=600")
			if err != nil || !o.Pass {
				return o, err
			}
			reqs, missed, err := hangOnEach(ctx, c, old)
			defer cancelAll(reqs)
			if err != nil || len(missed) > 0 {
				return fail(expect, "could not get a request to every worker (worker(s) %s got none of %d; %v)", pids(missed), len(reqs), err), nil
			}
			if err := c.signal(syscall.SIGUSR2); err != nil {
				return exercise.Outcome{}, err
			}
			w := watchRestart(ctx, c, old, 5*time.Second)
			if !w.complete {
				return fail(expect, "%s", w.describe()), nil
			}
			return pass(expect, "%s, though each old worker had a request that never ends", w.describe()), nil
		},
	}
}

// startTwo starts the primary with two workers and env, and returns them.
func startTwo(ctx context.Context, t *exercise.Trial, env ...string) (*primary, []int, exercise.Outcome, error) {
	c, o, err := startPrimary(ctx, t, append([]string{"WORKERS=2"}, env...)...)
	if err != nil || !o.Pass {
		return nil, nil, o, err
	}
	old, ok := c.waitWorkers(ctx, 2, 5*time.Second)
	if !ok {
		return nil, nil, fail("2 workers with WORKERS=2", "the primary has %d workers (pids %s)", len(old), pids(old)), nil
	}
	// Every worker listening before the check starts: a request to each.
	deadline := time.Now().Add(3 * time.Second)
	served := map[int]bool{}
	for len(served) < 2 && time.Now().Before(deadline) {
		if _, worker, err := get(ctx, c.url("/")); err == nil {
			served[worker] = true
		}
	}
	return c, old, o, ctx.Err()
}

// restartWatch is what watching a rolling restart saw.
type restartWatch struct {
	old, final   []int
	most, least  int  // workers at the busiest and emptiest moments
	complete     bool // every old worker gone, only new ones left, as many as before
	noneStarted  bool // no new worker within the first seconds
	primaryEnded bool
	took         time.Duration
}

// watchRestart polls the primary's workers after SIGUSR2 until every old
// worker has gone, and a moment more (a replacement forked twice shows
// then), or until within has passed.
func watchRestart(ctx context.Context, c *primary, old []int, within time.Duration) restartWatch {
	w := restartWatch{old: old, most: len(old), least: len(old)}
	start := time.Now()
	var doneAt time.Time
	for {
		kids := c.workers()
		w.most, w.least = max(w.most, len(kids)), min(w.least, len(kids))
		w.final = kids
		fresh := without(kids, old)
		switch {
		case c.exited():
			w.primaryEnded = true
			return w
		case doneAt.IsZero() && len(anyAlive(old)) == 0:
			doneAt, w.took = time.Now(), time.Since(start)
		case !doneAt.IsZero() && time.Since(doneAt) > 300*time.Millisecond:
			w.complete = len(kids) == len(old) && len(fresh) == len(kids)
			return w
		case len(fresh) == 0 && time.Since(start) > 2*time.Second:
			w.noneStarted = true
			return w
		case time.Since(start) > within:
			return w
		}
		if sleep(ctx, 10*time.Millisecond) != nil {
			return w
		}
	}
}

func (w restartWatch) describe() string {
	still := anyAlive(w.old)
	switch {
	case w.primaryEnded:
		return "the primary exited (a signal it does not handle ends it)"
	case w.noneStarted:
		return "no new worker started within 2 s of SIGUSR2"
	case w.complete:
		return fmt.Sprintf("workers %s were replaced by %s in %s", pids(w.old), pids(w.final), ms(w.took))
	case len(still) > 0:
		return fmt.Sprintf("old worker(s) %s still running; the primary has %d workers (pids %s)", pids(still), len(w.final), pids(w.final))
	default:
		return fmt.Sprintf("the old workers left, but the primary then had %d workers (pids %s), not %d", len(w.final), pids(w.final), len(w.old))
	}
}

// errorKinds renders a load result's errors: "reset 3 (connection reset by
// peer), refused 12".
func errorKinds(res *load.Result) string {
	kinds := make([]string, 0, len(res.ErrorsByKind))
	for k := range res.ErrorsByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, res.ErrorsByKind[k])
		if sample := res.ErrorSamples[k]; sample != "" {
			parts[i] += " (" + sample + ")"
		}
	}
	return strings.Join(parts, ", ")
}
