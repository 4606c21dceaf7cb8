package probe

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// HelmetDefaults are the response headers helmet v8's defaults set and their
// values, as verified on Node 20 with helmet 8.3.0. The headers probe wants
// each one, with this value or a stricter one.
// Deliberately a copy of secure.HelmetHeaders, not a use of it: an oracle must not share the code under test.
var HelmetDefaults = []struct{ Name, Value string }{
	{"Content-Security-Policy", "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';" +
		"frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';" +
		"style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Origin-Agent-Cluster", "?1"},
	{"Referrer-Policy", "no-referrer"},
	{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-DNS-Prefetch-Control", "off"},
	{"X-Download-Options", "noopen"},
	{"X-Frame-Options", "SAMEORIGIN"},
	{"X-Permitted-Cross-Domain-Policies", "none"},
	{"X-XSS-Protection", "0"},
}

// strongEnough accepts a value that is not helmet's but protects at least as
// much. Headers without an entry need helmet's value exactly.
var strongEnough = map[string]func(string) bool{
	"Content-Security-Policy": func(v string) bool {
		// A policy that restricts by default and does not re-open
		// script injection through eval.
		return strings.Contains(v, "default-src") && !strings.Contains(v, "'unsafe-eval'") &&
			!regexp.MustCompile(`default-src\s+\*`).MatchString(v)
	},
	"Cross-Origin-Opener-Policy":   oneOf("same-origin", "same-origin-allow-popups"),
	"Cross-Origin-Resource-Policy": oneOf("same-origin", "same-site"),
	"Referrer-Policy":              oneOf("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"),
	"Strict-Transport-Security": func(v string) bool {
		m := regexp.MustCompile(`(?i)max-age=(\d+)`).FindStringSubmatch(v)
		if m == nil {
			return false
		}
		age, err := strconv.Atoi(m[1])
		return err == nil && age >= 15552000 // 180 days, helmet 7's value
	},
	"X-Frame-Options": oneOf("SAMEORIGIN", "DENY"),
}

func oneOf(values ...string) func(string) bool {
	return func(v string) bool {
		for _, want := range values {
			if strings.EqualFold(strings.TrimSpace(v), want) {
				return true
			}
		}
		return false
	}
}

// CheckHeaders compares h with helmet's defaults. It returns the missing
// headers, the ones present with a weak value ("Name: value"), and whether
// every header has exactly helmet's value.
func CheckHeaders(h http.Header) (missing, weak []string, exact bool) {
	exact = true
	for _, d := range HelmetDefaults {
		got := h.Values(d.Name)
		if len(got) == 0 {
			missing = append(missing, d.Name)
			exact = false
			continue
		}
		v := strings.Join(got, ", ")
		if v == d.Value {
			continue
		}
		exact = false
		if ok := strongEnough[d.Name]; ok != nil && ok(v) {
			continue
		}
		weak = append(weak, fmt.Sprintf("%s: %s", d.Name, v))
	}
	return missing, weak, exact
}

var headersProbe = Probe{
	Name:     "headers",
	Lesson:   RowHeaders,
	Attack:   "GET / and read the security headers",
	Expected: "helmet's 12 default headers, each with helmet's value or a stricter one",
	run: func(ctx context.Context, s *session) outcome {
		resp, err := s.do(ctx, http.MethodGet, "/", nil, nil)
		if err != nil {
			return failed(nil, "request failed: %v", err)
		}
		missing, weak, exact := CheckHeaders(resp.header)
		switch {
		case len(missing) == 0 && len(weak) == 0 && exact:
			return passed(resp, "all %d present, with exactly helmet's values", len(HelmetDefaults))
		case len(missing) == 0 && len(weak) == 0:
			return passed(resp, "all %d present; some stricter than helmet's", len(HelmetDefaults))
		}
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, fmt.Sprintf("%d missing: %s", len(missing), strings.Join(missing, ", ")))
		}
		if len(weak) > 0 {
			parts = append(parts, "weak: "+strings.Join(weak, "; "))
		}
		return failed(resp, "%s", strings.Join(parts, "; "))
	},
}

var poweredByProbe = Probe{
	Name:     "powered-by",
	Lesson:   RowHeaders,
	Attack:   "GET / and GET a missing page, looking for X-Powered-By",
	Expected: "no X-Powered-By header (it tells an attacker which framework to target)",
	run: func(ctx context.Context, s *session) outcome {
		var last *response
		for _, path := range []string{"/", "/no-such-page-" + strconv.Itoa(s.requests+1)} {
			resp, err := s.do(ctx, http.MethodGet, path, nil, nil)
			if err != nil {
				return failed(nil, "GET %s failed: %v", path, err)
			}
			last = resp
			if v := resp.header.Get("X-Powered-By"); v != "" {
				return failed(resp, "GET %s answered X-Powered-By: %s", path, v)
			}
		}
		return passed(last, "no X-Powered-By on a page or on a 404 (status %d)", last.status)
	},
}
