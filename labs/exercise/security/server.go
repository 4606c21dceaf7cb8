// Package security verifies the exercises of the security topic (lesson
// q15). Every exercise is a small Express app, server.js, that a check starts
// in the sandbox and then attacks over HTTP on 127.0.0.1: the security lab's
// probes (labs/probe), forged tokens, polluting JSON, escaping paths, shell
// syntax, other users' order ids, each next to the legitimate requests that
// must keep working. No check reads the learner's source; each starts a
// fresh server with data files and keys of its own (random, so nothing can be
// hard-coded), so what one attack did (a spent rate limit, a polluted
// prototype) cannot decide another check.
//
// The exercises' npm packages (Express 5, helmet, express-rate-limit, cors,
// bcryptjs, jsonwebtoken) are pinned by one package-lock.json that every
// scaffold carries, installed once by the exercise framework.
package security

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
)

// Verifiers returns the topic's verifiers, for the catalog.
func Verifiers() []*exercise.Verifier {
	return []*exercise.Verifier{hardenExpress(), passwordsTokens(), inputAttacks(), objectAccess()}
}

// serverLife bounds a learner's server unless the verification set its own
// time limit: long enough for the slowest check (a slow-headers probe that
// waits out its allowance), and stopped when its check ends anyway.
const serverLife = 40 * time.Second

// startHint is the hint of every exercise's first check.
const startHint = "Your server did not start: read node's error above. Keep `server.js` listening on " +
	"process.env.PORT and process.env.HOST (127.0.0.1), and run `npm ci` in the exercise's directory if you " +
	"start it by hand."

// app is the learner's server, started by one check.
type app struct {
	url    string
	proc   *sandbox.Process
	client *http.Client
	t      *exercise.Trial
}

// serve writes files (slash-separated names, relative to the learner's
// directory) over the learner's copy, then starts `node server.js` in that
// directory with env added to the sandbox's HOST and PORT. NODE_ENV is
// development, as on a developer's machine, so nothing hides a stack trace
// that the app itself would send. The Outcome fails when the server does not
// come up (app is then nil).
func serve(ctx context.Context, t *exercise.Trial, env []string, files map[string][]byte) (*app, exercise.Outcome, error) {
	for name, data := range files {
		if err := t.WriteFile(path.Join(exercise.DefaultMount, name), data); err != nil {
			return nil, exercise.Outcome{}, err
		}
	}
	spec := t.Spec("server.js")
	spec.Dir = t.App
	spec.Env = append([]string{"NODE_ENV=development"}, env...)
	if spec.Timeout == 0 {
		spec.Timeout = serverLife
	}
	p, o, err := t.ServeSpec(ctx, "server.js listens on process.env.HOST:process.env.PORT", spec)
	if err != nil || !o.Pass {
		return nil, o, err
	}
	// No keep-alive between requests: each request stands alone, as a
	// browser's or an attacker's would, and a server that closes
	// connections oddly is not punished for it.
	tr := &http.Transport{DisableKeepAlives: true, DisableCompression: true}
	return &app{
		url:    "http://" + p.Addr(),
		proc:   p,
		client: &http.Client{Transport: tr, Timeout: 10 * time.Second, CheckRedirect: noRedirect},
		t:      t,
	}, o, nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// reply is what the checks keep of a response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r *reply) String() string { return fmt.Sprintf("%d %s", r.status, brief(r.body)) }

// do sends one request; body may be nil, and a string body is sent as JSON.
func (a *app) do(ctx context.Context, method, target string, body io.Reader, header http.Header) (*reply, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.url+target, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (a *app) get(ctx context.Context, target string, header http.Header) (*reply, error) {
	return a.do(ctx, http.MethodGet, target, nil, header)
}

// sendJSON sends raw JSON with method to target.
func (a *app) sendJSON(ctx context.Context, method, target, raw string, header http.Header) (*reply, error) {
	h := http.Header{"Content-Type": {"application/json"}}
	for k, v := range header {
		h[k] = v
	}
	return a.do(ctx, method, target, strings.NewReader(raw), h)
}

// broken is the failed Outcome of a request that got no answer: the error,
// and if the server died, how it ended and the end of its stderr.
func (a *app) broken(expect, what string, err error) exercise.Outcome {
	observed := fmt.Sprintf("%s: no answer (%v)", what, err)
	select {
	case <-a.proc.Done():
		res := a.proc.Stop()
		observed += "\nthe server stopped: " + res.Describe()
		if tail := a.t.Tidy(exercise.StderrTail(res.Stderr)); tail != "" {
			observed += "\n" + tail
		}
	default:
		if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Timeout") {
			observed += "; the server is still running but did not answer in time"
		}
	}
	return exercise.Outcome{Expected: expect, Observed: observed}
}

func pass(expect, format string, args ...any) exercise.Outcome {
	return exercise.Outcome{Pass: true, Expected: expect, Observed: fmt.Sprintf(format, args...)}
}

func fail(expect, format string, args ...any) exercise.Outcome {
	return exercise.Outcome{Expected: expect, Observed: fmt.Sprintf(format, args...)}
}

// startCheck is an exercise's first check: its server starts at all.
func startCheck(start func(ctx context.Context, t *exercise.Trial) (*app, exercise.Outcome, error)) exercise.Check {
	return exercise.Check{
		Name: "server.js starts and listens on HOST:PORT",
		Hint: startHint,
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			_, o, err := start(ctx, t)
			return o, err
		},
	}
}

// serverCheck is a check that starts the exercise's server, then judges it
// with judge.
func serverCheck(name, hint string,
	start func(ctx context.Context, t *exercise.Trial) (*app, exercise.Outcome, error),
	judge func(ctx context.Context, a *app) exercise.Outcome,
) exercise.Check {
	return exercise.Check{
		Name: name,
		Hint: hint,
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			a, o, err := start(ctx, t)
			if err != nil || a == nil {
				return o, err
			}
			return tidy(t, judge(ctx, a)), nil
		},
	}
}

// tidy shows the check's temporary paths in o as the learner's: the app's
// files where the learner keeps them, the check's own by their bare names.
func tidy(t *exercise.Trial, o exercise.Outcome) exercise.Outcome {
	o.Expected, o.Observed = t.Tidy(o.Expected), t.Tidy(o.Observed)
	return o
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// brief shows the start of a body on one line.
func brief(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// contains reports whether body holds needle.
func contains(body []byte, needle string) bool { return bytes.Contains(body, []byte(needle)) }
