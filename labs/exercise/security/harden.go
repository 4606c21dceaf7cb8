package security

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/probe"
)

// account is the user the harden exercise's checks log in as. Its password
// is random for each nodedive process and the app only ever sees its bcrypt
// hash (in users.json), so the only way to log in is to compare with bcrypt.
type account struct {
	email, name, password string
	usersJSON             []byte
}

var demoAccount = sync.OnceValue(func() account {
	a := account{email: probe.DefaultEmail, name: "Demo Learner", password: "pw-" + randomHex(9)}
	hash, err := bcrypt.GenerateFromPassword([]byte(a.password), 10)
	if err != nil {
		panic(err) // only for a password over 72 bytes, which this is not
	}
	a.usersJSON, _ = json.MarshalIndent([]map[string]string{
		{"email": a.email, "name": a.name, "passwordHash": string(hash)},
	}, "", "  ")
	return a
})

// Settings the harden exercise's checks give the app, and the limits its
// README promises.
const (
	hardenTokenTTL   = 1 // seconds: the expiry probe then tests a refusal
	loginBurst       = 30
	browseBurst      = 150
	slowAllowance    = 8 * time.Second
	hardenProbeLimit = 5 * time.Second
)

func startHarden(ctx context.Context, t *exercise.Trial) (*app, exercise.Outcome, error) {
	return serveHarden(ctx, t)
}

// startShortTokens starts the app with TOKEN_TTL_S set, for the expiry
// probe alone: elsewhere a one-second token could expire between a login and
// the request that uses it.
func startShortTokens(ctx context.Context, t *exercise.Trial) (*app, exercise.Outcome, error) {
	return serveHarden(ctx, t, fmt.Sprintf("TOKEN_TTL_S=%d", hardenTokenTTL))
}

func serveHarden(ctx context.Context, t *exercise.Trial, env ...string) (*app, exercise.Outcome, error) {
	acc := demoAccount()
	return serve(ctx, t, append([]string{"JWT_SECRET=" + randomHex(32)}, env...),
		map[string][]byte{"users.json": acc.usersJSON})
}

// probeCheck turns one of the security lab's probes into a check: the
// probe's expected and observed results, with the exercise's hint.
func probeCheck(name, probeName, expect, hint string, tune func(*probe.Target)) exercise.Check {
	start := startHarden
	if probeName == "token-expiry" {
		start = startShortTokens
	}
	return serverCheck(name, hint, start, func(ctx context.Context, a *app) exercise.Outcome {
		ps, err := probe.Lookup(probeName)
		if err != nil {
			panic(err) // a constant name of an existing probe
		}
		acc := demoAccount()
		target := probe.Target{URL: a.url, Email: acc.email, Password: acc.password, RequestTimeout: hardenProbeLimit}
		if tune != nil {
			tune(&target)
		}
		r := ps[0].Run(ctx, target)
		if expect == "" {
			expect = r.Expected
		}
		observed := r.Observed
		if r.Skipped {
			observed = "the probe could not run: " + observed
		}
		if !r.Pass {
			select {
			case <-a.proc.Done():
				return a.broken(expect, "during the "+probeName+" probe", fmt.Errorf("%s", observed))
			default:
			}
		}
		return exercise.Outcome{Pass: r.Pass, Expected: expect, Observed: observed}
	})
}

func hardenExpress() *exercise.Verifier {
	return &exercise.Verifier{
		ID:   "security-harden-express",
		Load: startCheck(startHarden),
		Checks: []exercise.Check{
			serverCheck("the account in users.json logs in with bcrypt",
				"users.json holds a bcrypt hash (passwordHash), never a password: the check writes its own account there. "+
					"Find the user, then `await bcrypt.compare(password, user.passwordHash)` (bcryptjs); answer 200 { token } "+
					"for the right password and 401 for a wrong one.",
				startHarden, judgeLogin),
			probeCheck("security headers (helmet's defaults)", "headers", "",
				"Add helmet() before the routes: its defaults set the twelve headers the probe reads "+
					"(Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options...).", nil),
			probeCheck("no X-Powered-By", "powered-by", "",
				"Express announces itself with X-Powered-By: Express on every response, 404s included. helmet() removes it.", nil),
			probeCheck("CORS answers only the allowed origin", "cors",
				"no Access-Control-Allow-Origin for https://evil.example (GET and preflight); https://trusted.com gets its own origin back",
				"cors() with no options answers Access-Control-Allow-Origin: * to every site. Give it an allow-list, "+
					"cors({ origin: ['https://trusted.com'] }): other origins get no header, so the browser keeps the "+
					"response from their pages.", nil),
			probeCheck("missing or mistyped login fields get 400", "missing-fields", "",
				"Validate before you use the body: email and password must both be non-empty strings, else 400 with a "+
					"short message. In Express 5 req.body is undefined when no JSON came, so do not destructure it blindly.", nil),
			probeCheck("malformed JSON gets 400 without a stack trace", "malformed-json", "",
				"express.json() turns a broken body into an error with status 400, and Express's default handler prints "+
					"its stack outside production. Add your own error handler (four arguments, after every route) that "+
					"answers err.type 'entity.parse.failed' with 400 and a short JSON message.", nil),
			probeCheck("a body over 10 KB gets 413", "oversized-body", "",
				"express.json() accepts 100 kB by default. express.json({ limit: '10kb' }) refuses more (err.type "+
					"'entity.too.large'), chunked bodies included; answer it with 413 in your error handler.", nil),
			probeCheck("a failing route answers 500 without a stack trace", "stack-leak", "",
				"Your error handler logs the error (console.error) and answers 500 { error: 'Internal server error' }: "+
					"the stack and file paths stay in the server's log. Keep GET /boom: the probe needs a route that throws.", nil),
			probeCheck("forged tokens get 401", "token-tamper", "",
				"The probe signs tokens with the secret \"secret\", and yours accepts them. Take the secret from "+
					"process.env.JWT_SECRET (the check sets a random one) and pin the algorithm when verifying: "+
					"jwt.verify(token, secret, { algorithms: ['HS256'] }).", nil),
			probeCheck("tokens expire and are refused after", "token-expiry",
				fmt.Sprintf("a token that lives TOKEN_TTL_S (%d s here, 15 minutes at most), refused with 401 once expired", hardenTokenTTL),
				"A token without exp is valid forever, so a stolen one never stops working. Sign with "+
					"{ expiresIn: TOKEN_TTL_S }, that variable read from the environment and capped at 900; jwt.verify "+
					"refuses an expired token by itself.", nil),
			probeCheck("slow clients are dropped", "slow-headers",
				fmt.Sprintf("the connection is dropped within %s of dribbled headers (headersTimeout 5 s at most)", slowAllowance),
				"Node waits 60 s for a request's headers by default, and checks only every connectionsCheckingInterval "+
					"(30 s). Create the server with http.createServer({ headersTimeout: 5000, requestTimeout: 10000, "+
					"connectionsCheckingInterval: 500 }, app).",
				func(t *probe.Target) { t.SlowAllowance = slowAllowance }),
			probeCheck("password guessing is stopped with 429", "brute-force",
				fmt.Sprintf("429 with Retry-After and RateLimit headers within %d wrong passwords", loginBurst),
				"A limit of 100 requests is 100 password guesses. Give POST /login its own small limit (10 per 15 minutes) "+
					"with express-rate-limit, standardHeaders 'draft-7' so the 429 says how long to wait.",
				func(t *probe.Target) { t.MaxBurst = loginBurst }),
			probeCheck("every route is rate-limited", "rate-limit-workers",
				fmt.Sprintf("429 once the limit is spent (at most 100 requests per client; the probe sends up to %d)", browseBurst),
				"Scrapers and floods hit every route, not just the login: app.use(rateLimit({ windowMs: 15 * 60 * 1000, "+
					"limit: 100, standardHeaders: 'draft-7', legacyHeaders: false })) before the routes.",
				func(t *probe.Target) { t.MaxBurst = browseBurst }),
		},
	}
}

// judgeLogin: the right password gets a token, a wrong one 401.
func judgeLogin(ctx context.Context, a *app) exercise.Outcome {
	const expect = "the right password: 200 with a token; a wrong one: 401"
	acc := demoAccount()
	body := func(pw string) string {
		b, _ := json.Marshal(map[string]string{"email": acc.email, "password": pw})
		return string(b)
	}
	right, err := a.sendJSON(ctx, http.MethodPost, "/login", body(acc.password), nil)
	if err != nil {
		return a.broken(expect, "POST /login with the right password", err)
	}
	var got struct {
		Token string `json:"token"`
	}
	if right.status != http.StatusOK || json.Unmarshal(right.body, &got) != nil || got.Token == "" {
		return fail(expect, "the right password (its bcrypt hash in users.json): %s", right)
	}
	wrong, err := a.sendJSON(ctx, http.MethodPost, "/login", body(acc.password+"x"), nil)
	if err != nil {
		return a.broken(expect, "POST /login with a wrong password", err)
	}
	if wrong.status != http.StatusUnauthorized {
		return fail(expect, "a wrong password: %s", wrong)
	}
	return pass(expect, "right password: 200 with a token; wrong password: 401")
}
