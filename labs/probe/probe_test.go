package probe

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/suggest"
)

func TestLookup(t *testing.T) {
	all, err := Lookup()
	if err != nil || len(all) != 12 {
		t.Fatalf("%d probes, %v", len(all), err)
	}
	seen := map[string]bool{}
	for _, p := range all {
		if p.Name == "" || p.Lesson == "" || p.Attack == "" || p.Expected == "" || p.run == nil || seen[p.Name] {
			t.Errorf("incomplete or duplicate probe %+v", p)
		}
		seen[p.Name] = true
	}
	got, err := Lookup("CORS", "brute-force")
	if err != nil || got[0].Name != "cors" || got[1].Name != "brute-force" || !HasBurst(got) {
		t.Errorf("lookup: %v %v", got, err)
	}
	_, err = Lookup("slowloris-ish", "token-expire")
	var nf *suggest.NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), `"token-expiry"`) && !strings.Contains(err.Error(), `slow-headers`) {
		t.Errorf("unknown probe: %v", err)
	}
}

func TestParseURLAndLoopback(t *testing.T) {
	for raw, local := range map[string]bool{
		"http://127.0.0.1:3000": true, "https://localhost": true, "http://[::1]:80/": true,
		"http://10.0.0.5": false, "https://example.com": false,
	} {
		u, err := ParseURL(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if IsLoopback(u) != local {
			t.Errorf("%s: loopback=%v", raw, !local)
		}
	}
	for _, bad := range []string{"127.0.0.1:3000", "ftp://x", "http://", "::"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckExplainsWhatIsWrong(t *testing.T) {
	// Refused: a port nobody listens on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if err := Check(context.Background(), Target{URL: "http://" + addr}); err == nil || !strings.Contains(err.Error(), "nothing is listening") {
		t.Errorf("refused: %v", err)
	}
	// Not HTTP: a server that greets like SSH.
	ln, _ = net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			c.Close()
		}
	}()
	if err := Check(context.Background(), Target{URL: "http://" + ln.Addr().String()}); err == nil || !strings.Contains(err.Error(), "did not answer HTTP") {
		t.Errorf("not HTTP: %v", err)
	}
	// HTTPS asked of a plain HTTP server.
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if err := Check(context.Background(), Target{URL: strings.Replace(srv.URL, "http:", "https:", 1)}); err == nil || !strings.Contains(err.Error(), "use http://") {
		t.Errorf("https to http: %v", err)
	}
	// Any HTTP answer, even a 404, is a server to probe.
	if err := Check(context.Background(), Target{URL: srv.URL}); err != nil {
		t.Errorf("plain server: %v", err)
	}
}

func TestCheckHeaders(t *testing.T) {
	h := http.Header{}
	for _, d := range HelmetDefaults {
		h.Set(d.Name, d.Value)
	}
	if m, w, exact := CheckHeaders(h); len(m)+len(w) != 0 || !exact {
		t.Errorf("helmet's own: %v %v %v", m, w, exact)
	}
	h.Set("X-Frame-Options", "DENY")                                // stricter: fine
	h.Set("Strict-Transport-Security", "max-age=300")               // weak
	h.Set("X-XSS-Protection", "1; mode=block")                      // the legacy auditor: weak
	h.Set("Content-Security-Policy", "default-src * 'unsafe-eval'") // weak
	h.Del("Referrer-Policy")
	m, w, exact := CheckHeaders(h)
	if exact || len(m) != 1 || m[0] != "Referrer-Policy" || len(w) != 3 {
		t.Errorf("missing %v, weak %v, exact %v", m, w, exact)
	}
}

func TestReadRate(t *testing.T) {
	soon := strconv.FormatInt(time.Now().Unix()+30, 10)
	for _, c := range []struct {
		h    http.Header
		want rateInfo
	}{
		{http.Header{"Ratelimit": {"limit=100, remaining=99, reset=900"}}, rateInfo{100, 99, true, "draft-7", 900, true}},
		{
			http.Header{"Ratelimit": {`"100-in-15min"; r=99; t=897`}, "Ratelimit-Policy": {`"100-in-15min"; q=100; w=900; pk=:abc=:`}},
			rateInfo{100, 99, true, "draft-8", 897, true},
		},
		{http.Header{"Ratelimit-Limit": {"5"}, "Ratelimit-Remaining": {"4"}, "Ratelimit-Reset": {"12"}}, rateInfo{5, 4, true, "draft-6", 12, true}},
		{http.Header{"X-Ratelimit-Limit": {"5"}, "X-Ratelimit-Remaining": {"0"}}, rateInfo{5, 0, true, "legacy", 0, false}},
		{http.Header{}, rateInfo{}},
	} {
		if got := readRate(c.h); got != c.want {
			t.Errorf("%v: %+v, want %+v", c.h, got, c.want)
		}
	}
	// Legacy reset is a Unix time: read as the seconds left.
	h := http.Header{"X-Ratelimit-Limit": {"5"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {soon}}
	if got := readRate(h); !got.resetKnown || got.reset < 29 || got.reset > 30 {
		t.Errorf("legacy reset 30s ahead read as %+v", got)
	}
}

// Retry-After must be the seconds left in the client's window: a server
// that sends the window's length is caught once a few seconds have passed
// since its first answer.
func TestRetryAfterMustCountTheSecondsLeft(t *testing.T) {
	first := rateInfo{limit: 100, remaining: 99, known: true, style: "draft-7", reset: 900, resetKnown: true}
	at := func(reset int) rateInfo {
		r := first
		r.remaining, r.reset = 0, reset
		return r
	}
	s := time.Second
	for _, c := range []struct {
		ra                int
		shortest, longest time.Duration
		now               rateInfo
		want              string
	}{
		{893, 7 * s, 7 * s, at(893), ""},
		{894, 6500 * time.Millisecond, 6600 * time.Millisecond, at(894), ""},
		{900, 7 * s, 7 * s, at(900), "not the window's length"},
		{900, 7 * s, 7 * s, rateInfo{}, "not the window's length"},
		{893, 7 * s, 7 * s, at(880), "the window has 880s left"},
		{1, 7 * s, 7 * s, at(1), "at least 892 seconds"},
		{900, 300 * time.Millisecond, 400 * time.Millisecond, at(900), ""},
		// A slow first answer: the server counted it long before it
		// answered, so more may have passed than the probe saw after it.
		{883, 6 * s, 17 * s, at(883), ""},
	} {
		got := retryAfterProblem(c.ra, first, c.shortest, c.longest, c.now)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("Retry-After %d after %v..%v: %q, want %q", c.ra, c.shortest, c.longest, got, c.want)
		}
	}
}

// A server without any defence fails the probes whose defences it lacks,
// and the probes can tell a missing route from a failed defence.
func TestBareServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Powered-By", "Express")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	probes, _ := Lookup("headers", "powered-by", "cors", "missing-fields", "stack-leak", "token-tamper")
	res := Run(context.Background(), Target{URL: srv.URL}, probes, nil)
	for _, r := range res[:4] {
		if r.Pass || r.Skipped {
			t.Errorf("%s passed on a bare server: %s", r.Name, r.Observed)
		}
	}
	if res[2].Headers.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("cors result keeps no headers: %v", res[2].Headers)
	}
	// No /boom to trigger (it answers 200 here) and no login: /boom's 200
	// is a failure to fail, the token probe cannot apply.
	if res[4].Pass {
		t.Errorf("stack-leak passed: %s", res[4].Observed)
	}
	if !res[5].Skipped {
		t.Errorf("token-tamper not skipped without a login: %s", res[5].Observed)
	}
	pass, fail, skip := Tally(res)
	if pass != 0 || fail != 5 || skip != 1 {
		t.Errorf("tally %d/%d/%d", pass, fail, skip)
	}
}

// The slow-header probe fails against a server with no header timeout, and
// notices a drop.
func TestSlowHeaders(t *testing.T) {
	patient := httptest.NewServer(http.NotFoundHandler()) // no ReadHeaderTimeout
	defer patient.Close()
	p, _ := Lookup("slow-headers")
	r := p[0].Run(context.Background(), Target{URL: patient.URL, SlowAllowance: 700 * time.Millisecond})
	if r.Pass || !strings.Contains(r.Observed, "still connected") {
		t.Errorf("patient server: %+v", r)
	}
	strict := httptest.NewUnstartedServer(http.NotFoundHandler())
	strict.Config.ReadHeaderTimeout = 300 * time.Millisecond
	strict.Start()
	defer strict.Close()
	r = p[0].Run(context.Background(), Target{URL: strict.URL, SlowAllowance: 3 * time.Second})
	if !r.Pass {
		t.Errorf("strict server: %+v", r)
	}
}

func TestRandomClientIP(t *testing.T) {
	_, bench, _ := net.ParseCIDR("198.18.0.0/15")
	for range 1000 {
		ip := net.ParseIP(randomClientIP())
		if ip == nil || !bench.Contains(ip) {
			t.Fatalf("%v outside 198.18.0.0/15", ip)
		}
	}
}
