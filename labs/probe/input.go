package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
)

var corsProbe = Probe{
	Name:     "cors",
	Lesson:   RowCORS,
	Attack:   "GET / and a preflight for POST /login with Origin: a foreign site",
	Expected: "no Access-Control-Allow-Origin for the foreign origin (the browser then keeps the response from its page); the allowed origin gets its own origin back",
	run: func(ctx context.Context, s *session) outcome {
		foreign := s.t.ForeignOrigin
		get, err := s.do(ctx, http.MethodGet, "/", nil, http.Header{"Origin": {foreign}})
		if err != nil {
			return failed(nil, "GET / failed: %v", err)
		}
		pre, err := s.do(ctx, http.MethodOptions, "/login", nil, http.Header{
			"Origin":                         {foreign},
			"Access-Control-Request-Method":  {"POST"},
			"Access-Control-Request-Headers": {"content-type"},
		})
		if err != nil {
			return failed(nil, "preflight failed: %v", err)
		}
		for _, c := range []struct {
			what string
			resp *response
		}{{"GET /", get}, {"the preflight", pre}} {
			acao := c.resp.header.Get("Access-Control-Allow-Origin")
			if acao == "*" || acao == foreign || acao == "null" {
				return failed(c.resp, "%s answered Access-Control-Allow-Origin: %s to %s: any page on that site can read the response", c.what, acao, foreign)
			}
		}
		trusted, err := s.do(ctx, http.MethodGet, "/", nil, http.Header{"Origin": {s.t.TrustedOrigin}})
		if err != nil {
			return failed(nil, "GET / from the trusted origin failed: %v", err)
		}
		note := fmt.Sprintf("; %s was allowed", s.t.TrustedOrigin)
		if trusted.header.Get("Access-Control-Allow-Origin") != s.t.TrustedOrigin {
			note = fmt.Sprintf("; %s was not allowed either", s.t.TrustedOrigin)
		}
		other := ""
		if acao := get.header.Get("Access-Control-Allow-Origin"); acao != "" {
			// cors({origin: 'https://trusted.com'}) with a string does this:
			// safe, since the browser compares, but it leaks the allow-list.
			other = fmt.Sprintf(" (it named %s instead, which the browser also refuses)", acao)
		}
		return passed(get, "no allow-origin for %s%s; the server still answered %d (the browser, not the server, blocks)%s",
			foreign, other, get.status, note)
	},
}

var missingFieldsProbe = Probe{
	Name:     "missing-fields",
	Lesson:   RowValidation,
	Attack:   `POST /login with {}, with only an email, and with {"email": 42, "password": []}`,
	Expected: "400 for each, before any password check",
	run: func(ctx context.Context, s *session) outcome {
		var last *response
		var got []string
		ok := true
		for _, body := range []string{`{}`, `{"email":"` + s.t.Email + `"}`, `{"email":42,"password":[]}`} {
			resp, err := s.postJSON(ctx, "/login", []byte(body))
			if err != nil {
				return failed(nil, "POST /login %s failed: %v", body, err)
			}
			last = resp
			got = append(got, fmt.Sprintf("%s → %d", body, resp.status))
			if resp.status != http.StatusBadRequest {
				ok = false
				last = resp
				break
			}
		}
		if !ok {
			return failed(last, "%s", strings.Join(got, ", "))
		}
		return passed(last, "%s", strings.Join(got, ", "))
	},
}

// stackTrace matches the marks of a stack trace or a server path in a body:
// Node's "at fn (/path/file.js:10:5)", Go's "goroutine 7 [running]" and
// "file.go:123", node_modules paths.
var stackTrace = regexp.MustCompile(`\bat .*\(?[^ ]+:\d+:\d+\)?|goroutine \d+ \[|\.go:\d+|\.js:\d+|node_modules`)

var malformedJSONProbe = Probe{
	Name:     "malformed-json",
	Lesson:   RowValidation,
	Attack:   `POST /login with a truncated JSON body: {"email": "...", "password":`,
	Expected: "400 with a short message, no parser stack trace",
	run: func(ctx context.Context, s *session) outcome {
		resp, err := s.postJSON(ctx, "/login", []byte(`{"email": "`+s.t.Email+`", "password":`))
		if err != nil {
			return failed(nil, "request failed: %v", err)
		}
		if resp.status != http.StatusBadRequest {
			return failed(resp, "answered %d: %s", resp.status, brief(resp.body))
		}
		if stackTrace.Match(resp.body) {
			return failed(resp, "400, but the body shows a stack trace: %s", brief(resp.body))
		}
		return passed(resp, "400: %s", brief(resp.body))
	},
}

var oversizedBodyProbe = Probe{
	Name:     "oversized-body",
	Lesson:   RowValidation,
	Attack:   "POST /login with a 12 KB JSON body, once with Content-Length and once chunked",
	Expected: "413 both times (the JSON body limit is 10 KB)",
	run: func(ctx context.Context, s *session) outcome {
		big := []byte(`{"email":"` + s.t.Email + `","password":"x","padding":"` + strings.Repeat("a", 12<<10) + `"}`)
		sized, err := s.postJSON(ctx, "/login", big)
		if err != nil {
			return failed(nil, "request with Content-Length failed: %v", err)
		}
		if sized.status != http.StatusRequestEntityTooLarge {
			return failed(sized, "%d KB with Content-Length: answered %d, not 413", len(big)>>10, sized.status)
		}
		// Without Content-Length the server cannot refuse up front; it has
		// to count while reading. A reader that is not a *bytes.Reader
		// makes net/http send the body chunked.
		chunked, err := s.do(ctx, http.MethodPost, "/login", io.MultiReader(strings.NewReader(string(big))),
			http.Header{"Content-Type": {"application/json"}})
		if err != nil {
			return failed(nil, "chunked request failed: %v", err)
		}
		if chunked.status != http.StatusRequestEntityTooLarge {
			return failed(chunked, "%d KB chunked: answered %d, not 413", len(big)>>10, chunked.status)
		}
		return passed(chunked, "413 with Content-Length and 413 chunked: %s", brief(chunked.body))
	},
}

var stackLeakProbe = Probe{
	Name:     "stack-leak",
	Lesson:   RowErrors,
	Attack:   "GET /boom, a route that fails inside its handler",
	Expected: `500 {"error":"Internal server error"}: no stack trace, no file paths (they stay in the server log)`,
	run: func(ctx context.Context, s *session) outcome {
		resp, err := s.do(ctx, http.MethodGet, "/boom", nil, nil)
		if err != nil {
			return failed(nil, "request failed: %v", err)
		}
		if resp.status == http.StatusNotFound {
			return skipped(resp, "no /boom route (404): this probe needs an endpoint that throws")
		}
		if stackTrace.Match(resp.body) {
			return failed(resp, "%d with a stack trace in the body: %s", resp.status, brief(resp.body))
		}
		if resp.status != http.StatusInternalServerError {
			return failed(resp, "answered %d, not 500: %s", resp.status, brief(resp.body))
		}
		return passed(resp, "500: %s", brief(resp.body))
	},
}
