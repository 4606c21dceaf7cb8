package secure_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodedive/nodedive/labs/probe"
	"github.com/nodedive/nodedive/labs/secure"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// fastConfig is the lab's app with limits small enough for tests: every
// wrong password the brute-force probe sends costs a bcrypt comparison
// (a second each under the race detector).
func fastConfig() secure.Config {
	return secure.Config{
		Secret:        testSecret,
		Limit:         3,
		Window:        time.Minute,
		TTLHook:       true,
		HeaderTimeout: 700 * time.Millisecond,
	}
}

// testServer is the app served in-process (one "worker") on loopback.
type testServer struct {
	URL string
	app *secure.App
}

// Client is a plain HTTP client for the server (TLS servers are reached
// through probe.Target, which takes the certificate).
func (testServer) Client() *http.Client { return &http.Client{Timeout: 10 * time.Second} }

func serve(t *testing.T, cfg secure.Config, log io.Writer) (testServer, *secure.App) {
	t.Helper()
	app, err := secure.New(cfg, secure.Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := app.NewServer()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(app.Listener(ln))
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.ShutdownWithContext(ctx)
		<-done
		app.Close()
	})
	scheme := "http://"
	if cfg.TLSCertPEM != nil {
		scheme = "https://"
	}
	return testServer{URL: scheme + ln.Addr().String(), app: app}, app
}

func fastTarget(url string) probe.Target {
	return probe.Target{URL: url, SlowAllowance: 1500 * time.Millisecond, MaxBurst: 40}
}

// runParallel runs probes side by side (each presents itself as its own
// client, so they do not interfere), to overlap their waits.
func runParallel(t probe.Target, probes []probe.Probe) []probe.Result {
	results := make([]probe.Result, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() { results[i] = p.Run(context.Background(), t) })
	}
	wg.Wait()
	return results
}

func TestEveryProbePassesOnTheHardenedApp(t *testing.T) {
	var log syncBuffer
	srv, _ := serve(t, fastConfig(), &log)
	results := runParallel(fastTarget(srv.URL), probe.All())
	if len(results) != len(probe.All()) {
		t.Fatalf("%d results for %d probes", len(results), len(probe.All()))
	}
	for _, r := range results {
		if !r.Pass {
			t.Errorf("%s failed: expected %s; observed %s", r.Name, r.Expected, r.Observed)
		}
	}
	// The /boom stack went to the log, not to the client.
	if !strings.Contains(log.String(), "the /boom handler failed on purpose") || !strings.Contains(log.String(), "goroutine") {
		t.Errorf("the log has no stack for /boom:\n%s", log.String())
	}
}

func TestWeakenedAppFailsTheMatchingProbes(t *testing.T) {
	cfg := fastConfig()
	cfg.Weak = secure.AllWeak
	srv, _ := serve(t, cfg, io.Discard)
	target := fastTarget(srv.URL)
	// No limit to find: the burst probes give up after a few requests.
	target.MaxBurst = 4
	results := runParallel(target, probe.All())
	want := map[string]bool{ // probe → should pass on the weakened app
		"headers": false, "powered-by": false, "cors": false, "missing-fields": true,
		"malformed-json": false, "oversized-body": false, "stack-leak": false,
		"token-tamper": true, "token-expiry": true, "slow-headers": false,
		"brute-force": false, "rate-limit-workers": false,
	}
	for _, r := range results {
		if r.Pass != want[r.Name] {
			t.Errorf("%s: pass=%v, want %v (observed %s)", r.Name, r.Pass, want[r.Name], r.Observed)
		}
	}
}

// Each weakness alone fails its own probe and no other.
func TestEachWeaknessFailsItsProbe(t *testing.T) {
	cases := []struct {
		weak  secure.Weaknesses
		probe []string
	}{
		{secure.Weaknesses{NoHeaders: true}, []string{"headers", "powered-by"}},
		{secure.Weaknesses{OpenCORS: true}, []string{"cors"}},
		{secure.Weaknesses{NoBodyLimit: true}, []string{"oversized-body"}},
		{secure.Weaknesses{LeakErrors: true}, []string{"stack-leak", "malformed-json"}},
	}
	for _, c := range cases {
		cfg := fastConfig()
		cfg.Weak = c.weak
		srv, _ := serve(t, cfg, io.Discard)
		probes, err := probe.Lookup(c.probe...)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range probe.Run(context.Background(), fastTarget(srv.URL), probes, nil) {
			if r.Pass {
				t.Errorf("%+v: %s passed (observed %s)", c.weak, r.Name, r.Observed)
			}
		}
	}
}

func TestHelmetHeadersMatchTheProbesSpec(t *testing.T) {
	if len(secure.HelmetHeaders) != len(probe.HelmetDefaults) {
		t.Fatalf("app sets %d headers, helmet sets %d", len(secure.HelmetHeaders), len(probe.HelmetDefaults))
	}
	for i, h := range secure.HelmetHeaders {
		if h.Name != probe.HelmetDefaults[i].Name || h.Value != probe.HelmetDefaults[i].Value {
			t.Errorf("header %d: app %q: %q, helmet %q: %q", i, h.Name, h.Value, probe.HelmetDefaults[i].Name, probe.HelmetDefaults[i].Value)
		}
	}
}

func TestContract(t *testing.T) {
	cfg := fastConfig()
	cfg.Limit = 100
	srv, _ := serve(t, cfg, io.Discard)
	c := srv.Client()
	post := func(body string) (int, map[string]any) {
		resp, err := c.Post(srv.URL+"/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("POST /login: body is not JSON: %v", err)
		}
		return resp.StatusCode, m
	}
	if code, m := post(`{"email":"learner@example.com","password":"wrong"}`); code != 401 || m["error"] != "Invalid email or password" {
		t.Errorf("wrong password: %d %v", code, m)
	}
	if code, _ := post(`{"email":"nobody@example.com","password":"open-sesame-42"}`); code != 401 {
		t.Errorf("unknown user: %d", code)
	}
	if code, _ := post(`{"email":"learner@example.com","password":"` + strings.Repeat("x", 73) + `"}`); code != 400 {
		t.Errorf("73-byte password: %d, want 400", code)
	}
	code, m := post(`{"email":"learner@example.com","password":"open-sesame-42"}`)
	if code != 200 || m["tokenType"] != "Bearer" || m["expiresIn"] != float64(900) {
		t.Fatalf("login: %d %v", code, m)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+m["token"].(string))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		t.Fatalf("/me body is not JSON: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || me["email"] != secure.DemoEmail || me["name"] != secure.DemoName {
		t.Errorf("/me: %d %v", resp.StatusCode, me)
	}
	resp, err = c.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || string(body) != `{"error":"Internal server error"}` {
		t.Errorf("/boom: %d %s", resp.StatusCode, body)
	}
}

func TestRateLimitHeadersAndRetryAfter(t *testing.T) {
	cfg := fastConfig()
	cfg.Limit = 2
	srv, _ := serve(t, cfg, io.Discard)
	var last *http.Response
	for i := range 3 {
		resp, err := srv.Client().Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp
		wantRemaining := []string{"1", "0", "0"}[i]
		if got := resp.Header.Get("RateLimit"); got != "limit=2, remaining="+wantRemaining+", reset=60" {
			t.Errorf("request %d: RateLimit %q", i+1, got)
		}
		if got := resp.Header.Get("RateLimit-Policy"); got != "2;w=60" {
			t.Errorf("request %d: RateLimit-Policy %q", i+1, got)
		}
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") != "60" {
		t.Errorf("third request: %d Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

func TestTLS(t *testing.T) {
	cert, key, err := secure.SelfSignedCert()
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.TLSCertPEM, cfg.TLSKeyPEM = cert, key
	srv, _ := serve(t, cfg, io.Discard)
	pool, err := secure.CertPool(cert)
	if err != nil {
		t.Fatal(err)
	}
	target := probe.Target{URL: srv.URL, TLS: &tls.Config{RootCAs: pool}}
	if err := probe.Check(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	// Without the lab's certificate the client refuses, with a clear message.
	err = probe.Check(context.Background(), probe.Target{URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted cert: %v", err)
	}
	probes, _ := probe.Lookup("slow-headers", "headers")
	target.SlowAllowance = 3 * time.Second
	for _, r := range probe.Run(context.Background(), target, probes, nil) {
		if !r.Pass {
			t.Errorf("over TLS, %s: %s", r.Name, r.Observed)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  secure.Config
		want string
	}{
		{secure.Config{}, "JWT secret"},
		{secure.Config{Secret: testSecret, Store: "disk"}, `unknown rate-limit store "disk"`},
		{secure.Config{Secret: testSecret, Store: "redis"}, "needs a Redis URL"},
		{secure.Config{Secret: testSecret, Store: "primary"}, "cluster"},
		{secure.Config{Secret: testSecret, Limit: 1 << 30}, "the shared store counts up to 1048574"},
		{secure.Config{Secret: testSecret, Store: "shared", SharedSlots: 1000}, "power of two"},
		{secure.Config{Secret: testSecret, Window: 48 * time.Hour}, "window 48h0m0s"},
		{secure.Config{Secret: testSecret, AllowedOrigins: []string{"trusted.com"}}, "CORS origin"},
		{secure.Config{Secret: testSecret, Window: time.Millisecond}, "at least 1s"},
		{secure.Config{Secret: testSecret, HeaderTimeout: 20 * time.Second, RequestTimeout: 10 * time.Second}, "header timeout"},
	} {
		_, err := secure.New(c.cfg, secure.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to mention %q", c.cfg, err, c.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
