package scaling

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/nodedive/nodedive/labs/exercise"
)

// user is who the checks log in as.
const user = "ada"

func sessionsServes() exercise.Check {
	return exercise.Check{
		Name: CheckSessionsServes,
		Hint: "server.js does not start: read node's error above. Connect to Redis (createClient({ url: process.env.REDIS_URL }) " +
			"and await client.connect()) before the server listens, and listen on process.env.PORT and HOST.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			w, err := newWorld(ctx, t, nil)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js")
			if err != nil || !o.Pass {
				return o, err
			}
			const expect = "GET /me without a session answers 401"
			r, err := in.call(ctx, http.MethodGet, "/me", nil, "")
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if r.status != http.StatusUnauthorized {
				return fail(expect, "GET /me answered %s", r), nil
			}
			return pass(expect, "GET /me answered %s", r), nil
		},
	}
}

// login logs in through in and returns the session id.
func login(ctx context.Context, in *instance) (string, string, error) {
	r, err := in.call(ctx, http.MethodPost, "/login", map[string]string{"user": user}, "")
	if err != nil {
		return "", "", err
	}
	if r.status != http.StatusOK || r.cookie == "" {
		return "", fmt.Sprintf("POST /login through %s answered %s, without a sid cookie", in.name, r), nil
	}
	return r.cookie, "", nil
}

// whoAmI asks each instance for the session and returns what each said, and
// how many of them know the user.
func whoAmI(ctx context.Context, sid string, ins ...*instance) (string, int, error) {
	var seen []string
	known := 0
	for _, in := range ins {
		r, err := in.call(ctx, http.MethodGet, "/me", nil, sid)
		if err != nil {
			return "", 0, err
		}
		if r.status == http.StatusOK && r.body["user"] == user {
			known++
		}
		seen = append(seen, fmt.Sprintf("%s: %s", in.name, r))
	}
	return strings.Join(seen, "; "), known, nil
}

func sharedLogin() exercise.Check {
	return exercise.Check{
		Name: CheckSharedLogin,
		Hint: "Each instance is its own process with its own memory: a Map of sessions is known only to the instance that " +
			"made the login. Keep the sessions in Redis, which every instance shares: saveSession writes there, and " +
			"loadSession reads from there (not from a Map that only this process filled).",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "after POST /login through nginx (round-robin over 2 instances), GET /me with the sid cookie " +
				"answers 200 {user: 'ada'} on each instance, and through nginx"
			w, err := newWorld(ctx, t, nil)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			two, o, err := w.serveTwo(ctx, "server.js")
			if err != nil || !o.Pass {
				return o, err
			}
			lb, err := w.balance(ctx, two[0], two[1])
			if err != nil {
				return exercise.Outcome{}, err
			}
			sid, problem, err := login(ctx, lb)
			if err != nil || problem != "" {
				return fail(expect, "%s%v", problem, errOrEmpty(err)), nil
			}
			seen, known, err := whoAmI(ctx, sid, two[0], two[1], lb, lb)
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if known < 4 {
				return fail(expect, "%s", seen), nil
			}
			return pass(expect, "%s", seen), nil
		},
	}
}

func sessionTTL() exercise.Check {
	return exercise.Check{
		Name: CheckSessionTTL,
		Hint: "A session should end by itself: SESSION_TTL seconds after the login, Redis should delete it. Set the key " +
			"with an expiry in the same command (client.set(key, value, { EX: SESSION_TTL })), so that no key is ever " +
			"left without one.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "after a login, Redis holds the session, and every key expires within a day"
			w, err := newWorld(ctx, t, nil)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js")
			if err != nil || !o.Pass {
				return o, err
			}
			if _, problem, err := login(ctx, in); err != nil || problem != "" {
				return fail(expect, "%s%v", problem, errOrEmpty(err)), nil
			}
			seen, ok, err := w.ttls(ctx)
			if err != nil {
				return exercise.Outcome{}, err
			}
			if !ok {
				return fail(expect, "after the login: %s", seen), nil
			}
			return pass(expect, "after the login: %s", seen), nil
		},
	}
}

func logout() exercise.Check {
	return exercise.Check{
		Name: CheckLogout,
		Hint: "Logging out must reach every instance. deleteSession removes the key from Redis; a copy of the session " +
			"kept in one process's memory (a cache in front of Redis) would still let that instance answer with it.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "after a login on the first instance and POST /logout on the second, GET /me answers 401 on both"
			w, err := newWorld(ctx, t, nil)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			two, o, err := w.serveTwo(ctx, "server.js")
			if err != nil || !o.Pass {
				return o, err
			}
			a, b := two[0], two[1]
			sid, problem, err := login(ctx, a)
			if err != nil || problem != "" {
				return fail(expect, "%s%v", problem, errOrEmpty(err)), nil
			}
			// Both know the session before the logout.
			if seen, known, err := whoAmI(ctx, sid, a, b); err != nil || known < 2 {
				return fail(expect, "before the logout already: %s%v", seen, errOrEmpty(err)), nil
			}
			r, err := b.call(ctx, http.MethodPost, "/logout", nil, sid)
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if r.status >= 300 {
				return fail(expect, "POST /logout on %s answered %s", b.name, r), nil
			}
			seen, known, err := whoAmI(ctx, sid, a, b)
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if known > 0 {
				return fail(expect, "after the logout: %s", seen), nil
			}
			return pass(expect, "after the logout: %s", seen), nil
		},
	}
}

// errOrEmpty renders an error for a message that may have none.
func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
