package scaling

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/redisclient"
	"github.com/nodedive/nodedive/labs/secure/redisrun"
)

// given holds the files the learner is told to leave alone (db.js,
// products.json, report.js), the same as the scaffolds' (a test keeps them
// equal). The checks put their own copies next to the learner's code, so an
// edited one cannot change what they count.
//
//go:embed app
var given embed.FS

// world is what one check runs the learner's code in: a throw-away Redis,
// the instances and workers it started, and nginx when there is one.
type world struct {
	t     *exercise.Trial
	redis *redisrun.Server
	rdb   *redis.Client
	procs []*sandbox.Process
	lb    *nginx.Server
	env   []string // added to every process: REDIS_URL, the exercise's settings
}

// newWorld starts Redis and puts the given files in place. Without
// redis-server the check cannot run at all: an error that says how to get it.
func newWorld(ctx context.Context, t *exercise.Trial, files []string, env ...string) (*world, error) {
	for _, name := range files {
		data, err := given.ReadFile("app/" + name)
		if err != nil {
			return nil, err
		}
		if err := t.WriteFile(exercise.DefaultMount+"/"+name, data); err != nil {
			return nil, err
		}
	}
	srv, err := redisrun.Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("the check needs Redis: %w", err)
	}
	rdb, err := redisclient.New(srv.URL, nil)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return &world{t: t, redis: srv, rdb: rdb, env: append([]string{"REDIS_URL=" + srv.URL}, env...)}, nil
}

// close stops the learner's processes first (so that none of them sees
// Redis go away and reports it), then nginx and Redis.
func (w *world) close() {
	for _, p := range w.procs {
		p.Stop()
	}
	if w.lb != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = w.lb.Stop(ctx)
		cancel()
	}
	w.rdb.Close()
	w.redis.Close()
}

// fileIn is a path in the check's directory, for the settings that name one.
func fileIn(t *exercise.Trial, name string) string { return filepath.Join(t.Dir, name) }

// serve starts one instance of script (server.js) and waits until it
// listens on its PORT.
func (w *world) serve(ctx context.Context, script string, env ...string) (*instance, exercise.Outcome, error) {
	spec := w.t.Spec(exercise.DefaultMount + "/" + script)
	spec.Env = append(append(spec.Env, w.env...), env...)
	p, o, err := w.t.ServeSpec(ctx, script+" starts and listens on PORT (REDIS_URL set)", spec)
	if p != nil {
		w.procs = append(w.procs, p)
	}
	if err != nil || !o.Pass {
		return nil, o, err
	}
	return &instance{p: p, name: fmt.Sprintf("instance :%d", p.Port())}, o, nil
}

// serveTwo starts two instances of script.
func (w *world) serveTwo(ctx context.Context, script string, env ...string) ([2]*instance, exercise.Outcome, error) {
	var two [2]*instance
	for i := range two {
		in, o, err := w.serve(ctx, script, env...)
		if err != nil || !o.Pass {
			return two, o, err
		}
		two[i] = in
	}
	return two, exercise.Outcome{Pass: true}, nil
}

// start starts script (a worker) in the background: it serves no port.
func (w *world) start(ctx context.Context, script string, env ...string) (*sandbox.Process, error) {
	spec := w.t.Spec(exercise.DefaultMount + "/" + script)
	spec.Env = append(append(spec.Env, w.env...), env...)
	p, err := w.t.Start(ctx, spec)
	if err != nil {
		return nil, err
	}
	w.procs = append(w.procs, p)
	return p, nil
}

// balance puts nginx, round-robin, in front of the instances. Without nginx
// the check cannot run: an error that says how to get it.
func (w *world) balance(ctx context.Context, ins ...*instance) (*instance, error) {
	up := make([]string, len(ins))
	for i, in := range ins {
		up[i] = in.p.Addr()
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	lb, err := nginx.Start(ctx, nginx.Config{Upstreams: up, Balancing: nginx.RoundRobin, Workers: 1, Supervisor: exe}, nginx.Options{})
	if err != nil {
		return nil, fmt.Errorf("the check needs nginx: %w", err)
	}
	w.lb = lb
	return &instance{url: lb.URL(), name: "nginx"}, nil
}

// keys lists every key in Redis.
func (w *world) keys(ctx context.Context) ([]string, error) {
	var keys []string
	iter := w.rdb.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	slices.Sort(keys)
	return keys, iter.Err()
}

// ttls checks that Redis holds keys and that each expires within a day. It
// returns what it saw, and whether all is well.
func (w *world) ttls(ctx context.Context) (string, bool, error) {
	keys, err := w.keys(ctx)
	if err != nil {
		return "", false, err
	}
	if len(keys) == 0 {
		return "Redis holds no key at all", false, nil
	}
	var seen []string
	ok := true
	for _, k := range keys {
		ttl, err := w.rdb.TTL(ctx, k).Result()
		if err != nil {
			return "", false, err
		}
		switch {
		case ttl < 0:
			seen = append(seen, fmt.Sprintf("%s never expires", k))
			ok = false
		case ttl > 24*time.Hour:
			seen = append(seen, fmt.Sprintf("%s expires in %s, more than a day", k, ttl.Round(time.Second)))
			ok = false
		default:
			seen = append(seen, fmt.Sprintf("%s expires in %s", k, ttl.Round(time.Second)))
		}
	}
	return strings.Join(limit(seen, 4), "; "), ok, nil
}

// instance is one server under test, or nginx in front of them.
type instance struct {
	p    *sandbox.Process // nil for nginx
	url  string           // nginx's; instances use p's address
	name string
}

func (in *instance) base() string {
	if in.p != nil {
		return "http://" + in.p.Addr()
	}
	return in.url
}

// reply is an HTTP answer as the checks read it.
type reply struct {
	status int
	body   map[string]any
	raw    string
	cookie string // the sid cookie it set, if any
	took   time.Duration
}

func (r reply) String() string {
	return fmt.Sprintf("%d %s", r.status, strings.TrimSpace(r.raw))
}

// client talks to the instances directly, never through a proxy, and keeps
// no connection (so that nginx balances every request).
var client = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	Timeout:   10 * time.Second,
}

// call sends one request with an optional JSON body and sid cookie.
func (in *instance) call(ctx context.Context, method, path string, body any, sid string) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, in.base()+path, rd)
	if err != nil {
		return reply{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if sid != "" {
		req.AddCookie(&http.Cookie{Name: "sid", Value: sid})
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s on %s: %w", method, path, in.name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return reply{}, fmt.Errorf("%s %s on %s: %w", method, path, in.name, err)
	}
	r := reply{status: resp.StatusCode, raw: string(raw), took: time.Since(start)}
	_ = json.Unmarshal(raw, &r.body)
	for _, c := range resp.Cookies() {
		if c.Name == "sid" {
			r.cookie = c.Value
		}
	}
	return r, nil
}

// limit keeps the first n items, and says how many more there were.
func limit(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(slices.Clone(items[:n]), fmt.Sprintf("and %d more", len(items)-n))
}

// fail is a failed Outcome.
func fail(expected, observed string, args ...any) exercise.Outcome {
	return exercise.Outcome{Expected: expected, Observed: fmt.Sprintf(observed, args...)}
}

// pass is a passed Outcome.
func pass(expected, observed string, args ...any) exercise.Outcome {
	return exercise.Outcome{Pass: true, Expected: expected, Observed: fmt.Sprintf(observed, args...)}
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
