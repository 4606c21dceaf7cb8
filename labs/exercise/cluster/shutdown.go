package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

func drain() exercise.Check {
	return exercise.Check{
		Name: CheckDrain,
		Hint: "Without a 'SIGTERM' listener the primary dies at once, and a worker whose primary is gone exits at once too, " +
			"dropping its requests; process.exit() in the primary does the same. Handle SIGTERM: worker.disconnect() on " +
			"every worker makes each close its server and finish the requests it has before it exits.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const n = 4
			expect := fmt.Sprintf("%d requests in flight (GET /slow?ms=700) when SIGTERM reaches the primary, all answered in full", n)
			c, _, o, err := startTwo(ctx, t, "KILL_TIMEOUT_MS=5000")
			if err != nil || !o.Pass {
				return o, err
			}
			var reqs []*request
			defer func() { cancelAll(reqs) }()
			for range n {
				r, err := open(ctx, c.url("/slow?ms=700"))
				if err != nil {
					return fail(expect, "GET /slow failed before SIGTERM: %v", err), nil
				}
				reqs = append(reqs, r)
			}
			if err := c.signal(syscall.SIGTERM); err != nil {
				return exercise.Outcome{}, err
			}
			answered, failures := 0, []string{}
			timeout := time.After(5 * time.Second)
			for _, r := range reqs {
				select {
				case err := <-r.done:
					if err == nil {
						answered++
					} else {
						failures = append(failures, fmt.Sprintf("worker %d: %v", r.worker, err))
					}
				case <-timeout:
					failures = append(failures, fmt.Sprintf("worker %d: no answer 5 s after SIGTERM", r.worker))
				case <-ctx.Done():
					return exercise.Outcome{}, ctx.Err()
				}
			}
			if answered < n {
				return fail(expect, "%d of %d answered; %s", answered, n, joinMax(failures, 4)), nil
			}
			return pass(expect, "%d of %d answered after SIGTERM", answered, n), nil
		},
	}
}

func exitAfterWorkers() exercise.Check {
	return exercise.Check{
		Name: CheckExit,
		Hint: "Once shutting down, replace no worker (a flag your 'exit' listener checks) and start no restart. The primary " +
			"exits by itself, with status 0, when nothing is left to wait for: its workers gone and no timer pending. So " +
			"clear each kill timer when its worker exits, and do not call process.exit() before the workers are done.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "with KILL_TIMEOUT_MS=4000 and a request in flight, the primary exits by itself with status 0 " +
				"within 3 s of SIGTERM, after its workers, having forked no new one"
			c, old, o, err := startTwo(ctx, t, "KILL_TIMEOUT_MS=4000")
			if err != nil || !o.Pass {
				return o, err
			}
			r, err := open(ctx, c.url("/slow?ms=300"))
			if err != nil {
				return fail(expect, "GET /slow failed before SIGTERM: %v", err), nil
			}
			defer r.cancel()
			if err := c.signal(syscall.SIGTERM); err != nil {
				return exercise.Outcome{}, err
			}
			signalled := time.Now()
			var forked []int
			for !c.exited() && time.Since(signalled) < 3*time.Second {
				for _, k := range without(c.workers(), old) {
					if !slices.Contains(forked, k) {
						forked = append(forked, k)
					}
				}
				if err := sleep(ctx, 20*time.Millisecond); err != nil {
					return exercise.Outcome{}, err
				}
			}
			if len(forked) > 0 {
				return fail(expect, "the primary forked new worker(s) %s after SIGTERM", pids(forked)), nil
			}
			if !c.exited() {
				return fail(expect, "the primary was still running 3 s after SIGTERM, with %d worker(s) left (pids %s)%s",
					len(c.workers()), pids(c.workers()), keptAlive(c)), nil
			}
			res := c.p.Wait()
			took := time.Since(signalled)
			var reqErr error
			select {
			case reqErr = <-r.done:
			case <-time.After(time.Second):
				reqErr = errors.New("no answer")
			}
			if o := judgeExit(expect, res, took); !o.Pass {
				return o, nil
			}
			if reqErr != nil {
				return fail(expect, "the primary exited after %s, but the request in flight was not answered: %v", ms(took), reqErr), nil
			}
			return pass(expect, "exited with status 0 %s after SIGTERM, its workers gone, the request in flight answered", ms(took)), nil
		},
	}
}

// keptAlive explains a primary that outlived its workers.
func keptAlive(c *primary) string {
	if len(c.workers()) == 0 {
		return ": something keeps it running after its workers left (a timer not cleared?)"
	}
	return ""
}

func shutdownStuck() exercise.Check {
	return exercise.Check{
		Name: CheckShutdownStuck,
		Hint: "A request that never ends keeps its worker alive after disconnect(), and the primary with it. Give every " +
			"retiring worker a deadline: KILL_TIMEOUT ms after disconnect(), worker.process.kill('SIGKILL') if it is " +
			"still there. The retire() of the rolling restart does exactly that.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "with KILL_TIMEOUT_MS=600 and a request that never ends on each worker, the primary exits " +
				"with status 0 within 4 s of SIGTERM, leaving nothing running"
			c, old, o, err := startTwo(ctx, t, "KILL_TIMEOUT_MS=600")
			if err != nil || !o.Pass {
				return o, err
			}
			reqs, missed, err := hangOnEach(ctx, c, old)
			defer cancelAll(reqs)
			if err != nil || len(missed) > 0 {
				return fail(expect, "could not get a request to every worker (worker(s) %s got none of %d; %v)", pids(missed), len(reqs), err), nil
			}
			if err := c.signal(syscall.SIGTERM); err != nil {
				return exercise.Outcome{}, err
			}
			signalled := time.Now()
			select {
			case <-c.p.Done():
			case <-time.After(4 * time.Second):
				return fail(expect, "the primary was still running 4 s after SIGTERM, with worker(s) %s held by requests that never end",
					pids(c.workers())), nil
			case <-ctx.Done():
				return exercise.Outcome{}, ctx.Err()
			}
			return judgeExit(expect, c.p.Wait(), time.Since(signalled)), nil
		},
	}
}

// judgeExit judges how a primary ended after SIGTERM.
func judgeExit(expect string, res sandbox.Result, took time.Duration) exercise.Outcome {
	switch {
	case res.Signal != "":
		return fail(expect, "the primary was killed by the signal (%s): it has no SIGTERM listener", res.Signal)
	case res.ExitCode != 0:
		return fail(expect, "the primary exited with status %d", res.ExitCode)
	case res.Leftovers > 0:
		return fail(expect, "the primary exited while %d worker(s) still ran", res.Leftovers)
	}
	return pass(expect, "exited with status 0 %s after SIGTERM, its workers gone", ms(took))
}
