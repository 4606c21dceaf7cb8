package security

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/nodedive/nodedive/labs/exercise"
)

// The token contract of the passwords exercise, as its README states it.
const (
	tokenIssuer   = "https://auth.nodedive.test"
	tokenAudience = "nodedive-api"
	maxTokenLife  = 15 * 60 // seconds
	minBcryptCost = 10
	// usersFile and keysDir are where a check keeps the app's data, in its
	// work directory (outside the learner's files).
	usersFile = "users.json"
	keysDir   = "keys"
)

// signingKeys is the RSA key pair the app signs tokens with. The checks hold
// the private key too, which is what lets them forge tokens that differ from
// a genuine one in a single way (expired, another audience...). One pair per
// nodedive process: making one takes a moment.
var signingKeys = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
})

type keyFiles struct {
	private, public string
	publicPEM       []byte
}

func writeKeys(t *exercise.Trial) (*rsa.PrivateKey, keyFiles, error) {
	key, err := signingKeys()
	if err != nil {
		return nil, keyFiles{}, err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, keyFiles{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, keyFiles{}, err
	}
	kf := keyFiles{
		private:   filepath.Join(t.Dir, keysDir, "private.pem"),
		public:    filepath.Join(t.Dir, keysDir, "public.pem"),
		publicPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
	}
	if err := t.WriteFile(keysDir+"/private.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})); err != nil {
		return nil, kf, err
	}
	return key, kf, t.WriteFile(keysDir+"/public.pem", kf.publicPEM)
}

// tokenApp is the passwords exercise's server and what the check knows
// about it.
type tokenApp struct {
	*app
	key   *rsa.PrivateKey
	keys  keyFiles
	users string // the USERS_FILE path
}

func startTokens(ctx context.Context, t *exercise.Trial) (*tokenApp, exercise.Outcome, error) {
	key, kf, err := writeKeys(t)
	if err != nil {
		return nil, exercise.Outcome{}, err
	}
	users := filepath.Join(t.Dir, usersFile)
	a, o, err := serve(ctx, t, []string{
		"JWT_PRIVATE_KEY_FILE=" + kf.private, "JWT_PUBLIC_KEY_FILE=" + kf.public, "USERS_FILE=" + users,
	}, nil)
	if a == nil {
		return nil, o, err
	}
	return &tokenApp{app: a, key: key, keys: kf, users: users}, o, nil
}

// tokenCheck starts the server and judges it.
func tokenCheck(name, hint string, judge func(ctx context.Context, a *tokenApp) exercise.Outcome) exercise.Check {
	return exercise.Check{
		Name: name,
		Hint: hint,
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			a, o, err := startTokens(ctx, t)
			if err != nil || a == nil {
				return o, err
			}
			return tidy(t, judge(ctx, a)), nil
		},
	}
}

func credentialsJSON(email, password string) string {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	return string(b)
}

func (a *tokenApp) register(ctx context.Context, email, password string) (*reply, error) {
	return a.sendJSON(ctx, http.MethodPost, "/register", credentialsJSON(email, password), nil)
}

func (a *tokenApp) login(ctx context.Context, email, password string) (*reply, error) {
	return a.sendJSON(ctx, http.MethodPost, "/login", credentialsJSON(email, password), nil)
}

func (a *tokenApp) me(ctx context.Context, token string) (*reply, error) {
	return a.get(ctx, "/me", http.Header{"Authorization": {"Bearer " + token}})
}

func ok2xx(r *reply) bool { return r.status >= 200 && r.status < 300 }

// registered registers a fresh account and returns its e-mail and password,
// or an Outcome that says why it could not.
func (a *tokenApp) registered(ctx context.Context, expect string) (string, string, *exercise.Outcome) {
	email, password := "ada-"+randomHex(3)+"@example.com", "correct horse "+randomHex(6)
	r, err := a.register(ctx, email, password)
	if err != nil {
		o := a.broken(expect, "POST /register", err)
		return "", "", &o
	}
	if !ok2xx(r) {
		o := fail(expect, "POST /register %s answered %s: registering must keep working", credentialsJSON(email, password), r)
		return "", "", &o
	}
	return email, password, nil
}

// tokenOf reads {"token"} from a login reply.
func tokenOf(r *reply) string {
	var got struct {
		Token string `json:"token"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &got) != nil {
		return ""
	}
	return got.Token
}

var bcryptHash = regexp.MustCompile(`\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}`)

func passwordsTokens() *exercise.Verifier {
	start := func(ctx context.Context, t *exercise.Trial) (*app, exercise.Outcome, error) {
		a, o, err := startTokens(ctx, t)
		if a == nil {
			return nil, o, err
		}
		return a.app, o, err
	}
	return &exercise.Verifier{
		ID:   "security-passwords-tokens",
		Load: startCheck(start),
		Checks: []exercise.Check{
			tokenCheck("register stores a bcrypt hash of cost 10 or more",
				"A fast hash (SHA-256, salted or not) lets a stolen table be guessed at billions of passwords a second. "+
					"Store `await bcrypt.hash(password, 10)` (bcryptjs): the hash carries its own salt and cost.",
				judgeStoredHash),
			tokenCheck("the right password logs in, a wrong one does not",
				"Log in with `await bcrypt.compare(password, user.passwordHash)`: 200 { token } when it matches, 401 when not; "+
					"GET /me with the token answers the account.",
				judgeLogins),
			tokenCheck("passwords over 72 bytes are refused",
				"bcrypt reads only the first 72 bytes of a password, so two long passwords that start alike are the same "+
					"password to it. Refuse longer ones at registration with 400, counting bytes "+
					"(Buffer.byteLength(password)), not characters: an emoji is 4 bytes. At login, a password over 72 bytes "+
					"must not match.",
				judgeLongPasswords),
			tokenCheck("unknown e-mail and wrong password get the same answer",
				"Answer both failures with the same status and the same body, e.g. 401 { error: 'Invalid email or password' }: "+
					"a different message tells an attacker which addresses have accounts.",
				judgeUniformAnswer),
			tokenCheck("an unknown e-mail takes as long as a wrong password",
				"Returning at once for an unknown e-mail is fast, and the time tells who has an account. Compare the password "+
					"with a decoy bcrypt hash of the same cost when there is no user, then fail the same way.",
				judgeTiming),
			tokenCheck("tokens are short-lived RS256 with iss and aud",
				fmt.Sprintf("Sign with the private key, algorithm RS256, and claims sub (the e-mail), iss %q, aud %q and an exp at "+
					"most 15 minutes after iat: jwt.sign(claims, privateKey, { algorithm: 'RS256', expiresIn: 900, issuer, audience }).",
					tokenIssuer, tokenAudience),
				judgeIssuedToken),
			forgeryCheck("tokens with alg none are refused",
				"The header is written by whoever made the token. An algorithm table keyed by header.alg lets `none` in: "+
					"verify with the one algorithm you sign with, RS256, whatever the header says.",
				"alg none, no signature", forgeNone),
			forgeryCheck("HS256 tokens signed with the public key are refused",
				"Your public key is public. A verifier that accepts HS256 uses it as an HMAC secret, so anyone can sign: "+
					"pin the algorithm (jwt.verify(token, publicKey, { algorithms: ['RS256'] })).",
				"HS256, HMAC keyed with the public key PEM", forgeHS256),
			forgeryCheck("expired tokens are refused",
				"Check exp: a token whose exp is in the past is refused (jwt.verify does it; a hand-written verify must "+
					"compare exp with the current time in seconds).",
				"a valid RS256 token that expired 100 s ago", forgeExpired),
			forgeryCheck("tokens for another audience are refused",
				fmt.Sprintf("A token your auth service made for another API is not for this one: check aud (jwt.verify's "+
					"audience option, %q).", tokenAudience),
				"a valid RS256 token with aud \"another-api\"", forgeAudience),
			forgeryCheck("tokens from another issuer are refused",
				fmt.Sprintf("Accept only tokens your own auth service issued: check iss (jwt.verify's issuer option, %q).", tokenIssuer),
				"a valid RS256 token with iss \"https://evil.example\"", forgeIssuer),
		},
	}
}

func judgeStoredHash(ctx context.Context, a *tokenApp) exercise.Outcome {
	const expect = "POST /register answers 2xx and USERS_FILE holds a bcrypt hash ($2b$10$…) of the password, never the password"
	email, password, o := a.registered(ctx, expect)
	if o != nil {
		return *o
	}
	data, err := os.ReadFile(a.users)
	if err != nil {
		return fail(expect, "no users file at USERS_FILE after registering (keep store.js): %v", err)
	}
	if contains(data, password) {
		return fail(expect, "the password itself is in the users file: %s", brief(data))
	}
	if !contains(data, strings.ToLower(email)) {
		return fail(expect, "the users file does not name %s: %s", email, brief(data))
	}
	m := bcryptHash.FindSubmatch(data)
	if m == nil {
		return fail(expect, "no bcrypt hash in the users file: %s", brief(data))
	}
	cost, _ := strconv.Atoi(string(m[1]))
	if cost < minBcryptCost {
		return fail(expect, "a bcrypt hash of cost %d (2^%d rounds): %s", cost, cost, m[0])
	}
	if bcrypt.CompareHashAndPassword(m[0], []byte(password)) != nil {
		return fail(expect, "a bcrypt hash of cost %d, but not of the password: %s", cost, m[0])
	}
	return pass(expect, "a bcrypt hash of cost %d of the password: %.29s…", cost, m[0])
}

func judgeLogins(ctx context.Context, a *tokenApp) exercise.Outcome {
	const expect = "the right password: 200 { token }, which GET /me accepts; a wrong one: 401"
	email, password, o := a.registered(ctx, expect)
	if o != nil {
		return *o
	}
	right, err := a.login(ctx, email, password)
	if err != nil {
		return a.broken(expect, "POST /login", err)
	}
	token := tokenOf(right)
	if token == "" {
		return fail(expect, "the right password: %s", right)
	}
	me, err := a.me(ctx, token)
	if err != nil {
		return a.broken(expect, "GET /me", err)
	}
	if me.status != http.StatusOK || !contains(me.body, strings.ToLower(email)) {
		return fail(expect, "GET /me with the token from the login: %s", me)
	}
	wrong, err := a.login(ctx, email, password+"!")
	if err != nil {
		return a.broken(expect, "POST /login", err)
	}
	if wrong.status != http.StatusUnauthorized {
		return fail(expect, "a wrong password: %s", wrong)
	}
	return pass(expect, "right password: 200 and GET /me 200; wrong password: 401")
}

func judgeLongPasswords(ctx context.Context, a *tokenApp) exercise.Outcome {
	const expect = "400 for a 73-byte password and for 20 emoji (80 bytes, 40 characters); a 72-byte one registers " +
		"and logs in, and the same with one more byte does not log in"
	long := []struct{ what, password string }{
		{"73 ASCII bytes", strings.Repeat("a", 73)},
		{"20 emoji: 40 characters, 80 bytes", strings.Repeat("\U0001F511", 20)},
	}
	for _, l := range long {
		r, err := a.register(ctx, "long-"+randomHex(3)+"@example.com", l.password)
		if err != nil {
			return a.broken(expect, "POST /register", err)
		}
		if r.status != http.StatusBadRequest {
			return fail(expect, "registering a password of %s: %s", l.what, r)
		}
	}
	email, exact := "edge-"+randomHex(3)+"@example.com", strings.Repeat("b", 72)
	r, err := a.register(ctx, email, exact)
	if err != nil {
		return a.broken(expect, "POST /register", err)
	}
	if !ok2xx(r) {
		return fail(expect, "registering a password of exactly 72 bytes: %s (72 is allowed)", r)
	}
	if r, err = a.login(ctx, email, exact); err != nil {
		return a.broken(expect, "POST /login", err)
	}
	if r.status != http.StatusOK {
		return fail(expect, "logging in with that 72-byte password: %s", r)
	}
	if r, err = a.login(ctx, email, exact+"x"); err != nil {
		return a.broken(expect, "POST /login", err)
	}
	if r.status == http.StatusOK {
		return fail(expect, "logging in with the 72-byte password plus one more byte: %s (bcrypt never saw the 73rd byte)", r)
	}
	return pass(expect, "73 bytes and 20 emoji: 400; 72 bytes registers and logs in; 73 bytes at login: %d", r.status)
}

func judgeUniformAnswer(ctx context.Context, a *tokenApp) exercise.Outcome {
	const expect = "the same status (401) and the same body for an unknown e-mail and for a wrong password"
	email, password, o := a.registered(ctx, expect)
	if o != nil {
		return *o
	}
	unknown, err := a.login(ctx, "nobody-"+randomHex(3)+"@example.com", password)
	if err != nil {
		return a.broken(expect, "POST /login", err)
	}
	wrong, err := a.login(ctx, email, password+"!")
	if err != nil {
		return a.broken(expect, "POST /login", err)
	}
	observed := fmt.Sprintf("unknown e-mail: %s; wrong password: %s", unknown, wrong)
	if unknown.status != http.StatusUnauthorized || wrong.status != http.StatusUnauthorized || string(unknown.body) != string(wrong.body) {
		return fail(expect, "%s", observed)
	}
	return pass(expect, "%s", observed)
}

// timingRounds is how many logins of each kind the timing check times.
const timingRounds = 7

func judgeTiming(ctx context.Context, a *tokenApp) exercise.Outcome {
	const expect = "the median time of a login with an unknown e-mail is at least half that of a wrong password"
	email, password, o := a.registered(ctx, expect)
	if o != nil {
		return *o
	}
	timed := func(who string) (time.Duration, error) {
		start := time.Now()
		_, err := a.login(ctx, who, password+"!")
		return time.Since(start), err
	}
	var unknown, wrong []time.Duration
	// Interleaved, so that a burst of load on the machine slows both kinds
	// alike; the first round warms the server up and is not counted.
	for i := range timingRounds + 1 {
		u, err := timed("nobody-" + randomHex(3) + "@example.com")
		if err != nil {
			return a.broken(expect, "POST /login", err)
		}
		w, err := timed(email)
		if err != nil {
			return a.broken(expect, "POST /login", err)
		}
		if i > 0 {
			unknown, wrong = append(unknown, u), append(wrong, w)
		}
	}
	mu, mw := median(unknown), median(wrong)
	observed := fmt.Sprintf("median over %d logins: unknown e-mail %s, wrong password %s", timingRounds,
		mu.Round(100*time.Microsecond), mw.Round(100*time.Microsecond))
	// Half leaves room for noise; without a decoy an unknown e-mail answers
	// tens of times faster. A gap of a few milliseconds says nothing.
	if 2*mu < mw && mw-mu > 5*time.Millisecond {
		return fail(expect, "%s", observed)
	}
	return pass(expect, "%s", observed)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func judgeIssuedToken(ctx context.Context, a *tokenApp) exercise.Outcome {
	expect := fmt.Sprintf("an RS256 token signed with the private key, with sub (the e-mail), iss %q, aud %q, and exp at most %d s after iat",
		tokenIssuer, tokenAudience, maxTokenLife)
	email, password, o := a.registered(ctx, expect)
	if o != nil {
		return *o
	}
	r, err := a.login(ctx, email, password)
	if err != nil {
		return a.broken(expect, "POST /login", err)
	}
	token := tokenOf(r)
	if token == "" {
		return fail(expect, "POST /login with the right password: %s", r)
	}
	parsed, err := jwt.Parse(token, func(tk *jwt.Token) (any, error) { return &a.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuedAt())
	if err != nil {
		return fail(expect, "the token from the login does not check out: %v (header %s)", err, tokenPart(token, 0))
	}
	claims, _ := parsed.Claims.(jwt.MapClaims)
	var problems []string
	if sub, _ := claims["sub"].(string); !strings.EqualFold(sub, email) {
		problems = append(problems, fmt.Sprintf("sub is %q, not the e-mail", sub))
	}
	if iss, _ := claims.GetIssuer(); iss != tokenIssuer {
		problems = append(problems, fmt.Sprintf("iss is %q", iss))
	}
	if aud, _ := claims.GetAudience(); !slices.Contains(aud, tokenAudience) {
		problems = append(problems, fmt.Sprintf("aud is %q", []string(aud)))
	}
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	switch {
	case exp == nil:
		problems = append(problems, "no exp: the token never expires")
	case iat == nil:
		problems = append(problems, "no iat")
	case exp.Sub(iat.Time) > maxTokenLife*time.Second:
		problems = append(problems, fmt.Sprintf("it lives %s", exp.Sub(iat.Time)))
	}
	if len(problems) > 0 {
		return fail(expect, "claims %s: %s", tokenPart(token, 1), strings.Join(problems, "; "))
	}
	return pass(expect, "RS256, iss and aud right, lives %s", exp.Sub(iat.Time))
}

// tokenPart decodes one part of a JWT for a message.
func tokenPart(token string, i int) string {
	parts := strings.Split(token, ".")
	if i >= len(parts) {
		return "(missing)"
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		return "(not base64url)"
	}
	return brief(raw)
}

// validClaims are the claims of a genuine token for email.
func validClaims(email string) jwt.MapClaims {
	now := time.Now().Unix()
	return jwt.MapClaims{"sub": email, "iss": tokenIssuer, "aud": tokenAudience, "iat": now, "exp": now + 300}
}

func signRS256(key *rsa.PrivateKey, claims jwt.MapClaims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
}

// forgeryCheck sends a genuine token made with the app's private key, which
// must be accepted, then the forgery, which must not.
func forgeryCheck(name, hint, what string, forge func(a *tokenApp, email string) (string, error)) exercise.Check {
	return tokenCheck(name, hint, func(ctx context.Context, a *tokenApp) exercise.Outcome {
		expect := "GET /me: 200 for a genuine token, 401 for " + what
		email, _, o := a.registered(ctx, expect)
		if o != nil {
			return *o
		}
		genuine, err := signRS256(a.key, validClaims(email))
		if err != nil {
			return fail(expect, "signing: %v", err)
		}
		r, err := a.me(ctx, genuine)
		if err != nil {
			return a.broken(expect, "GET /me", err)
		}
		if r.status != http.StatusOK {
			return fail(expect, "a genuine token (RS256, signed with the private key, sub %s, iss and aud right, 5 minutes left) got %s: "+
				"fix the genuine case first", email, r)
		}
		forged, err := forge(a, email)
		if err != nil {
			return fail(expect, "forging: %v", err)
		}
		if r, err = a.me(ctx, forged); err != nil {
			return a.broken(expect, "GET /me", err)
		}
		if r.status != http.StatusUnauthorized {
			return fail(expect, "genuine token: 200; %s: %s", what, r)
		}
		return pass(expect, "genuine token: 200; %s: 401", what)
	})
}

func forgeNone(_ *tokenApp, email string) (string, error) {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	payload, err := json.Marshal(validClaims(email))
	if err != nil {
		return "", err
	}
	return header + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
}

func forgeHS256(a *tokenApp, email string) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, validClaims(email)).SignedString(a.keys.publicPEM)
}

func forgeExpired(a *tokenApp, email string) (string, error) {
	c := validClaims(email)
	now := time.Now().Unix()
	c["iat"], c["exp"] = now-1000, now-100
	return signRS256(a.key, c)
}

func forgeAudience(a *tokenApp, email string) (string, error) {
	c := validClaims(email)
	c["aud"] = "another-api"
	return signRS256(a.key, c)
}

func forgeIssuer(a *tokenApp, email string) (string, error) {
	c := validClaims(email)
	c["iss"] = "https://evil.example"
	return signRS256(a.key, c)
}
