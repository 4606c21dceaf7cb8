package cluster

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
	"github.com/nodedive/nodedive/labs/load"
)

// appJS is the app every worker runs, the same file as the scaffolds'
// app.js (a test keeps them equal). The checks put their own copy next to
// the learner's server.js, so an edited app.js cannot change what they
// measure.
//
//go:embed app.js
var appJS []byte

// Where the learner's primary and the checks' app.js go, relative to the
// check's directory.
const (
	serverScript = exercise.DefaultMount + "/server.js"
	appScript    = exercise.DefaultMount + "/app.js"
)

// primary is one run of the learner's server.js.
type primary struct {
	p *sandbox.Process
}

// startPrimary runs server.js with env added (WORKERS, KILL_TIMEOUT_MS) and
// waits until its port answers. A primary that does not come up, or
// listens beyond loopback, gets the failed Outcome from Serve.
func startPrimary(ctx context.Context, t *exercise.Trial, env ...string) (*primary, exercise.Outcome, error) {
	if err := t.WriteFile(appScript, appJS); err != nil {
		return nil, exercise.Outcome{}, err
	}
	spec := t.Spec(serverScript)
	spec.Env = append(spec.Env, env...)
	p, o, err := t.ServeSpec(ctx, "server.js starts its workers, and they answer on PORT", spec)
	if err != nil || !o.Pass {
		return nil, o, err
	}
	return &primary{p: p}, o, nil
}

func (c *primary) pid() int { return c.p.PID() }

func (c *primary) url(path string) string { return "http://" + c.p.Addr() + path }

// signal sends sig to the primary alone, the way a process manager (systemd
// with KillMode=mixed, a container runtime) or `kill PID` does: the workers
// hear about it only from the primary.
func (c *primary) signal(sig syscall.Signal) error { return syscall.Kill(c.pid(), sig) }

// exited reports whether the primary has ended.
func (c *primary) exited() bool {
	select {
	case <-c.p.Done():
		return true
	default:
		return false
	}
}

// workers lists the primary's live children.
func (c *primary) workers() []int { return children(c.pid()) }

// waitWorkers waits until the primary has exactly n workers and returns
// them. It gives up after within, or once the count has stayed the same
// (and wrong) for a second and a half: a primary forks its workers all at
// once, so they show in /proc at once too, however long they take to start.
func (c *primary) waitWorkers(ctx context.Context, n int, within time.Duration) ([]int, bool) {
	deadline := time.Now().Add(within)
	last, since := -1, time.Now()
	for {
		kids := c.workers()
		if len(kids) == n {
			return kids, true
		}
		if len(kids) != last {
			last, since = len(kids), time.Now()
		}
		if time.Now().After(deadline) || time.Since(since) > 1500*time.Millisecond || c.exited() ||
			sleep(ctx, 20*time.Millisecond) != nil {
			return kids, false
		}
	}
}

// client sends each request on a new connection, so that the cluster
// spreads them over its workers, and never through a proxy.
var client = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	Timeout:   10 * time.Second,
}

// get sends one GET and returns its status and the worker that answered.
func get(ctx context.Context, url string) (status, worker int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, 0, err
	}
	pid, _ := strconv.Atoi(resp.Header.Get(load.WorkerHeader))
	return resp.StatusCode, pid, nil
}

// request is one request whose headers came back and whose body may still be
// on its way: a slow request in flight, or a stuck one.
type request struct {
	worker int
	done   chan error // the body's end: nil when it came whole
	cancel context.CancelFunc
}

// open sends GET path and returns once the headers are in, with the body
// read in the background.
func open(ctx context.Context, url string) (*request, error) {
	ctx, cancel := context.WithCancel(ctx)
	r := &request{done: make(chan error, 1), cancel: cancel}
	headers := make(chan error, 1)
	go r.do(ctx, url, headers)
	if err := <-headers; err != nil {
		cancel()
		return nil, err
	}
	return r, nil
}

// do sends the request, reports its headers (r.worker is set before), then
// reads the body to its end, or until the request is cancelled.
func (r *request) do(ctx context.Context, url string, headers chan<- error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		headers <- err
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		headers <- err
		return
	}
	defer resp.Body.Close()
	r.worker, _ = strconv.Atoi(resp.Header.Get(load.WorkerHeader))
	headers <- nil
	_, err = io.Copy(io.Discard, resp.Body)
	r.done <- err
}

// hangOnEach opens stuck requests (GET /hang) until every one of the
// workers has one, and returns them; the caller cancels them. It gives up
// after a dozen tries, returning the workers it could not reach.
func hangOnEach(ctx context.Context, c *primary, workers []int) (reqs []*request, missed []int, err error) {
	missed = slices.Clone(workers)
	for try := 0; try < 12 && len(missed) > 0; try++ {
		r, err := open(ctx, c.url("/hang"))
		if err != nil {
			return reqs, missed, err
		}
		reqs = append(reqs, r)
		missed = slices.DeleteFunc(missed, func(pid int) bool { return pid == r.worker })
	}
	return reqs, missed, nil
}

func cancelAll(reqs []*request) {
	for _, r := range reqs {
		r.cancel()
	}
}

// sleep waits d, or less if ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pids renders a list of pids for a message.
func pids(list []int) string {
	if len(list) == 0 {
		return "none"
	}
	s := make([]string, len(list))
	for i, p := range list {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ", ")
}

// ms renders a duration to the millisecond, for messages.
func ms(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}

// without returns the pids of list that are not in drop.
func without(list, drop []int) []int {
	return slices.DeleteFunc(slices.Clone(list), func(p int) bool { return slices.Contains(drop, p) })
}

// anyAlive returns the pids of list still running.
func anyAlive(list []int) []int {
	return slices.DeleteFunc(slices.Clone(list), func(p int) bool { return !alive(p) })
}

// fail is a failed Outcome.
func fail(expected, observed string, args ...any) exercise.Outcome {
	return exercise.Outcome{Expected: expected, Observed: fmt.Sprintf(observed, args...)}
}

// pass is a passed Outcome.
func pass(expected, observed string, args ...any) exercise.Outcome {
	return exercise.Outcome{Pass: true, Expected: expected, Observed: fmt.Sprintf(observed, args...)}
}
