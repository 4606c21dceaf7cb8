package main

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nodedive/nodedive/labs/secure"
)

// serveSecureApp runs the Go app in this process, as a server to point
// `lab secure --probe URL` at.
func serveSecureApp(t *testing.T, weak secure.Weaknesses) string {
	t.Helper()
	app, err := secure.New(secure.Config{
		Secret: []byte(strings.Repeat("s", 32)), Limit: 10, Window: time.Minute,
		TTLHook: true, HeaderTimeout: 500 * time.Millisecond, Weak: weak,
	}, secure.Options{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := app.NewServer()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String()
}

func TestLabSecureProbeURLJSON(t *testing.T) {
	url := serveSecureApp(t, secure.Weaknesses{})
	out, _, err := execNodedive(t, "lab", "secure", "--probe", url, "--json", "--only", "headers,cors,stack-leak,token-tamper")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Target string `json:"target"`
		Probes []struct {
			Name, Expected, Observed string
			Pass                     bool
		} `json:"probes"`
		Passed, Failed int
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Target != url || rep.Passed != 4 || rep.Failed != 0 || len(rep.Probes) != 4 || rep.Probes[0].Name != "headers" {
		t.Errorf("report: %+v", rep)
	}
}

func TestLabSecureProbeFailuresExitNonZero(t *testing.T) {
	url := serveSecureApp(t, secure.Weaknesses{NoHeaders: true})
	out, _, err := execNodedive(t, "lab", "secure", "--probe="+url, "--only", "headers,powered-by,cors")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), "2 of 3 probes failed") {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"FAIL  headers", "FAIL  powered-by", "PASS  cors", "X-Powered-By: nodedive-go", "1 passed, 2 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestLabSecureBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--probe", "https://example.com"}, "--yes-non-local"},
		{[]string{"--probe", "ftp://example.com"}, "http:// or https://"},
		{[]string{"--store", "redsi"}, `did you mean "redis"`},
		{[]string{"--only", "brute"}, `did you mean "brute-force"`},
		{[]string{"--weak", "header"}, `did you mean "headers"`},
		{[]string{"--runtime", "deno"}, `unknown runtime "deno"`},
		{[]string{"--workers", "0"}, "between 1 and 64"},
		{[]string{"--limit", "0"}, "at least 1"},
		{[]string{"http://127.0.0.1:1"}, "use --probe"},
		{[]string{"--serve", "--probe"}, "pick one"},
		{[]string{"--insecure"}, "go with --probe URL"},
		{[]string{"--serve", "--json"}, "--json is the report of a probe run"},
		{[]string{"--probe", "http://127.0.0.1:1", "--node", "/usr/bin/node"}, "--probe URL attacks a server that is already running"},
	} {
		_, _, err := execNodedive(t, append([]string{"lab", "secure"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	// A non-local URL is fine when no burst probe is asked for; this one
	// is unreachable, which is reported as such.
	_, _, err := execNodedive(t, "lab", "secure", "--probe", "http://127.0.0.1:1", "--only", "headers")
	if err == nil || !strings.Contains(err.Error(), "nothing is listening") {
		t.Errorf("unreachable: %v", err)
	}
}
