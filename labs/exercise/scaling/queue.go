package scaling

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/nodedive/nodedive/labs/exercise"
)

// reportCost is how long buildReport keeps the CPU busy in the checks.
const reportCost = 300 * time.Millisecond

// queueEnv is report.js's settings for a check.
func queueEnv(t *exercise.Trial) []string {
	return []string{
		fmt.Sprintf("REPORT_MS=%d", reportCost.Milliseconds()),
		"REPORT_LOG=" + fileIn(t, "reports.log"),
	}
}

func queueWorld(ctx context.Context, t *exercise.Trial) (*world, error) {
	return newWorld(ctx, t, []string{"report.js"}, queueEnv(t)...)
}

// built is one line of report.js's log: who built which report.
type built struct {
	ID    string  `json:"id"`
	PID   int     `json:"pid"`
	Total float64 `json:"total"`
}

// builtSoFar reads report.js's log.
func builtSoFar(t *exercise.Trial) []built {
	data, err := os.ReadFile(fileIn(t, "reports.log"))
	if err != nil {
		return nil
	}
	var out []built
	for line := range strings.Lines(string(data)) {
		var b built
		if json.Unmarshal([]byte(line), &b) == nil {
			out = append(out, b)
		}
	}
	return out
}

// submit posts a job and returns its id, or what went wrong in words.
func submit(ctx context.Context, in *instance, customer string) (string, reply, string, error) {
	r, err := in.call(ctx, http.MethodPost, "/reports", map[string]string{"customer": customer}, "")
	if err != nil {
		return "", r, "", err
	}
	id, _ := r.body["id"].(string)
	if r.status/100 != 2 || id == "" {
		return "", r, fmt.Sprintf("POST /reports answered %s", r), nil
	}
	return id, r, "", nil
}

// waitDone polls GET /reports/:id until every job is done, or within has
// passed; it returns the answers last seen, by id.
func waitDone(ctx context.Context, in *instance, ids []string, within time.Duration) (map[string]reply, bool, error) {
	last := map[string]reply{}
	deadline := time.Now().Add(within)
	for {
		done := 0
		for _, id := range ids {
			if r, ok := last[id]; ok && r.body["status"] == "done" {
				done++
				continue
			}
			r, err := in.call(ctx, http.MethodGet, "/reports/"+id, nil, "")
			if err != nil {
				return last, false, err
			}
			last[id] = r
			if r.body["status"] == "done" {
				done++
			}
		}
		if done == len(ids) {
			return last, true, nil
		}
		if time.Now().After(deadline) {
			return last, false, nil
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return last, false, err
		}
	}
}

// statuses renders the jobs' last answers: "queued, queued, done".
func statuses(ids []string, last map[string]reply) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		if st, ok := last[id].body["status"].(string); ok {
			s[i] = st
		} else {
			s[i] = last[id].String()
		}
	}
	return strings.Join(s, ", ")
}

func queueServes() exercise.Check {
	return exercise.Check{
		Name: CheckQueueServes,
		Hint: "server.js does not start: read node's error above. Connect to Redis (createClient({ url: process.env.REDIS_URL }) " +
			"and await client.connect()) before the server listens.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "GET /reports/unknown answers 404"
			w, err := queueWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js")
			if err != nil || !o.Pass {
				return o, err
			}
			r, err := in.call(ctx, http.MethodGet, "/reports/unknown", nil, "")
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if r.status != http.StatusNotFound {
				return fail(expect, "GET /reports/unknown answered %s", r), nil
			}
			return pass(expect, "GET /reports/unknown answered %s", r), nil
		},
	}
}

func queued() exercise.Check {
	return exercise.Check{
		Name: CheckQueued,
		Hint: "The server must not build the report, not even after answering (setImmediate, a promise left running): " +
			"buildReport blocks the process, and every other request waits for it. Answer 202 with the job's id, and put " +
			"the job in a Redis list (client.lPush(queue, JSON.stringify(job))) for worker.js to take. Record its status " +
			"('queued') where GET /reports/:id reads it.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			expect := fmt.Sprintf("with no worker running, POST /reports answers 202 with an id, the report is still not built "+
				"%s later, GET /reports/:id says 'queued', and the job waits in a Redis list (or stream)", reportCost+300*time.Millisecond)
			w, err := queueWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js")
			if err != nil || !o.Pass {
				return o, err
			}
			id, r, problem, err := submit(ctx, in, "acme")
			switch {
			case err != nil:
				return fail(expect, "%v", err), nil
			case problem != "":
				return fail(expect, "%s", problem), nil
			case r.status != http.StatusAccepted:
				return fail(expect, "POST /reports answered %s after %s", r, r.took.Round(time.Millisecond)), nil
			}
			if err := sleep(ctx, reportCost+300*time.Millisecond); err != nil {
				return exercise.Outcome{}, err
			}
			if b := builtSoFar(t); len(b) > 0 {
				return fail(expect, "POST /reports answered %d, but the server (pid %d) then built the report itself (pid %d)",
					r.status, in.p.PID(), b[0].PID), nil
			}
			g, err := in.call(ctx, http.MethodGet, "/reports/"+id, nil, "")
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if g.status != http.StatusOK || g.body["status"] != "queued" {
				return fail(expect, "GET /reports/%s answered %s", id, g), nil
			}
			where, err := w.findJob(ctx, id)
			if err != nil {
				return exercise.Outcome{}, err
			}
			if where == "" {
				return fail(expect, "no Redis list or stream holds job %s: where would a worker find it?", id), nil
			}
			return pass(expect, "POST /reports answered 202 in %s; GET says 'queued'; the job waits in %s",
				r.took.Round(time.Millisecond), where), nil
		},
	}
}

// findJob looks for the job's id among the elements of every Redis list,
// stream, set and sorted set, and names the key that holds it.
func (w *world) findJob(ctx context.Context, id string) (string, error) {
	keys, err := w.keys(ctx)
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		kind, err := w.rdb.Type(ctx, k).Result()
		if err != nil {
			return "", err
		}
		var elems []string
		switch kind {
		case "list":
			elems, err = w.rdb.LRange(ctx, k, 0, -1).Result()
		case "set":
			elems, err = w.rdb.SMembers(ctx, k).Result()
		case "zset":
			elems, err = w.rdb.ZRange(ctx, k, 0, -1).Result()
		case "stream":
			msgs, xerr := w.rdb.XRange(ctx, k, "-", "+").Result()
			for _, m := range msgs {
				b, _ := json.Marshal(m.Values)
				elems = append(elems, string(b))
			}
			err = xerr
		}
		if err != nil {
			return "", err
		}
		for _, e := range elems {
			if strings.Contains(e, id) {
				return fmt.Sprintf("the %s %q", kind, k), nil
			}
		}
	}
	return "", nil
}

func workerBuilds() exercise.Check {
	return exercise.Check{
		Name: CheckWorkerBuilds,
		Hint: "worker.js connects to Redis and loops: take a job (client.brPop(queue, 0) waits until there is one), build it " +
			"with buildReport, and store the report and status 'done' where the server's lookup reads them " +
			"(client.hSet(key, { status: 'done', report: JSON.stringify(report) })).",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "with server.js and one worker.js, 2 reports posted are done within a few seconds, built by the worker, " +
				"and GET /reports/:id returns them"
			w, err := queueWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js")
			if err != nil || !o.Pass {
				return o, err
			}
			worker, err := w.start(ctx, "worker.js")
			if err != nil {
				return exercise.Outcome{}, err
			}
			ids, problem, err := submitAll(ctx, in, "acme", "globex")
			if err != nil || problem != "" {
				return fail(expect, "%s%s", problem, errOrEmpty(err)), nil
			}
			last, done, err := waitDone(ctx, in, ids, 2*reportCost+5*time.Second)
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if !done {
				return fail(expect, "after %s the jobs are: %s%s", 2*reportCost+5*time.Second, statuses(ids, last), workerState(worker.Done())), nil
			}
			byID := map[string]built{}
			for _, b := range builtSoFar(t) {
				byID[b.ID] = b
			}
			for _, id := range ids {
				b, ok := byID[id]
				report, _ := last[id].body["report"].(map[string]any)
				switch {
				case !ok:
					return fail(expect, "GET /reports/%s says done, but buildReport never built it", id), nil
				case b.PID == in.p.PID():
					return fail(expect, "report %s was built by the server (pid %d), not by the worker", id, b.PID), nil
				case report == nil || report["total"] != b.Total:
					return fail(expect, "GET /reports/%s answered %s; buildReport's report had total %v", id, last[id], b.Total), nil
				}
			}
			return pass(expect, "both done, built by the worker (pid %d)", worker.PID()), nil
		},
	}
}

// submitAll posts one job per customer.
func submitAll(ctx context.Context, in *instance, customers ...string) ([]string, string, error) {
	var ids []string
	for _, c := range customers {
		id, _, problem, err := submit(ctx, in, c)
		if err != nil || problem != "" {
			return ids, problem, err
		}
		ids = append(ids, id)
	}
	return ids, "", nil
}

// workerState adds to a message that a worker had exited, if it had.
func workerState(done <-chan struct{}) string {
	select {
	case <-done:
		return "; worker.js had exited (its output is not shown: run it by hand to see why)"
	default:
		return ""
	}
}

func exactlyOnce() exercise.Check {
	return exercise.Check{
		Name: CheckExactlyOnce,
		Hint: "Taking a job must also remove it, in one step, or two workers can take the same one: read it with LINDEX " +
			"or LRANGE and remove it later, and both may build it. BRPOP (or LMOVE, or a stream read by a consumer group) " +
			"hands each job to exactly one worker.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "with two worker.js processes, 4 reports posted are each built exactly once"
			w, err := queueWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js")
			if err != nil || !o.Pass {
				return o, err
			}
			before, err := w.clients(ctx)
			if err != nil {
				return exercise.Outcome{}, err
			}
			for range 2 {
				if _, err := w.start(ctx, "worker.js"); err != nil {
					return exercise.Outcome{}, err
				}
			}
			// Both workers connected before the jobs come: on a slow
			// machine the second could otherwise start after the first
			// had done them all, and nobody would compete for a job.
			if err := w.waitClients(ctx, before+2, 10*time.Second); err != nil {
				return exercise.Outcome{}, err
			}
			ids, problem, err := submitAll(ctx, in, "acme", "globex", "initech", "umbrella")
			if err != nil || problem != "" {
				return fail(expect, "%s%s", problem, errOrEmpty(err)), nil
			}
			last, done, err := waitDone(ctx, in, ids, 4*reportCost+5*time.Second)
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if !done {
				return fail(expect, "after %s the jobs are: %s", 4*reportCost+5*time.Second, statuses(ids, last)), nil
			}
			_ = sleep(ctx, reportCost+100*time.Millisecond) // a second build of the last job would show by now
			count, by := map[string]int{}, map[string][]int{}
			for _, b := range builtSoFar(t) {
				count[b.ID]++
				by[b.ID] = append(by[b.ID], b.PID)
			}
			var twice []string
			pidsSeen := map[int]bool{}
			for _, id := range ids {
				if count[id] > 1 {
					twice = append(twice, fmt.Sprintf("%s %d times (pids %v)", id, count[id], by[id]))
				}
				for _, p := range by[id] {
					pidsSeen[p] = true
				}
			}
			if len(twice) > 0 {
				return fail(expect, "reports built more than once: %s", strings.Join(limit(twice, 3), "; ")), nil
			}
			return pass(expect, "4 reports, each built once, by %d worker(s)", len(pidsSeen)), nil
		},
	}
}

func queuedBeforeRun() exercise.Check {
	return exercise.Check{
		Name: CheckQueuedBeforeRun,
		Hint: "A queue keeps jobs until a worker takes them: a Redis list or stream does. Publish/subscribe does not: a " +
			"message published while no worker is subscribed is lost. Workers restart, deploy and crash; jobs posted " +
			"meanwhile must wait for them.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			expect := fmt.Sprintf("a report posted while no worker runs is done within %s of a worker starting", reportCost+5*time.Second)
			w, err := queueWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js")
			if err != nil || !o.Pass {
				return o, err
			}
			ids, problem, err := submitAll(ctx, in, "acme")
			if err != nil || problem != "" {
				return fail(expect, "%s%s", problem, errOrEmpty(err)), nil
			}
			if err := sleep(ctx, 200*time.Millisecond); err != nil {
				return exercise.Outcome{}, err
			}
			worker, err := w.start(ctx, "worker.js")
			if err != nil {
				return exercise.Outcome{}, err
			}
			last, done, err := waitDone(ctx, in, ids, reportCost+5*time.Second)
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if !done {
				return fail(expect, "the job is still %s%s", statuses(ids, last), workerState(worker.Done())), nil
			}
			return pass(expect, "done, built by the worker started after it was posted"), nil
		},
	}
}

// clients counts the connections Redis has.
func (w *world) clients(ctx context.Context) (int, error) {
	list, err := w.rdb.ClientList(ctx).Result()
	if err != nil {
		return 0, err
	}
	return strings.Count(list, "\n"), nil
}

// waitClients waits until Redis has at least n connections, or within has
// passed (the learner's workers may not connect at all: the check then goes
// on and judges what they did).
func (w *world) waitClients(ctx context.Context, n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		have, err := w.clients(ctx)
		if err != nil || have >= n {
			return err
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}
