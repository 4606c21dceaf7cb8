// Package probe attacks an HTTP server the way the security lesson (q15)
// says a Node app must withstand, and reports for each attack what was
// expected, what the server did, and whether the defence held.
//
// It is client-side only and works against any base URL: the lab's Go and
// Express apps, or the learner's own server. The probes that send bursts
// (brute force, the cross-worker rate limit) are marked Burst so a caller
// can refuse to aim them at a machine that is not the learner's.
package probe

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/nodedive/nodedive/internal/suggest"
)

// Rows of the lesson's "Key Security Practices" table that the probes check.
const (
	RowHeaders      = "Headers"
	RowValidation   = "Input Validation"
	RowAuth         = "Authentication"
	RowRateLimiting = "Rate Limiting"
	RowCORS         = "CORS"
	RowErrors       = "Error Handling"
	// RowTimeouts is not in the notes' table; the lesson adds it.
	RowTimeouts = "Timeouts (added by the lesson)"
)

// Probe is one attack.
type Probe struct {
	// Name is the probe's ID on the command line (e.g. "brute-force").
	Name string
	// Lesson is the row of the q15 practices table the probe checks.
	Lesson string
	// Attack says what the probe does; Expected what a hardened server does.
	Attack   string
	Expected string
	// Burst probes send many requests (up to Target.MaxBurst).
	Burst bool

	run func(ctx context.Context, s *session) outcome
}

// Result is what one probe saw.
type Result struct {
	Name     string `json:"name"`
	Lesson   string `json:"lesson"`
	Attack   string `json:"attack"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	// Pass: the defence held. A probe that could not apply to the server
	// (no /boom route, no demo account) is Skipped and does not pass.
	Pass    bool `json:"pass"`
	Skipped bool `json:"skipped,omitempty"`
	// Status and Headers are those of the response that decided the
	// verdict (zero and nil when there was none, e.g. a dropped socket).
	Status  int         `json:"status,omitempty"`
	Headers http.Header `json:"headers,omitempty"`
	// Requests is how many requests the probe sent.
	Requests int           `json:"requests"`
	Duration time.Duration `json:"duration"`
}

// outcome is what a probe's run function decides.
type outcome struct {
	pass, skipped bool
	observed      string
	resp          *response // the decisive response, if any
}

func passed(resp *response, format string, args ...any) outcome {
	return outcome{pass: true, observed: sprintf(format, args...), resp: resp}
}

func failed(resp *response, format string, args ...any) outcome {
	return outcome{observed: sprintf(format, args...), resp: resp}
}

func skipped(resp *response, format string, args ...any) outcome {
	return outcome{skipped: true, observed: sprintf(format, args...), resp: resp}
}

// All returns every probe, in the order Run uses: the burst probes last, so
// that on a server that does not tell clients apart (it ignores
// X-Forwarded-For) they spend the rate-limit budget only after the others.
func All() []Probe {
	return []Probe{
		headersProbe,
		poweredByProbe,
		corsProbe,
		missingFieldsProbe,
		malformedJSONProbe,
		oversizedBodyProbe,
		stackLeakProbe,
		tokenTamperProbe,
		tokenExpiryProbe,
		slowHeadersProbe,
		bruteForceProbe,
		workersRateLimitProbe,
	}
}

// Names lists the probe names in order.
func Names() []string {
	var names []string
	for _, p := range All() {
		names = append(names, p.Name)
	}
	return names
}

// Lookup returns the named probes, in the order given; no names means all.
// An unknown name is a *suggest.NotFoundError with the nearest names.
func Lookup(names ...string) ([]Probe, error) {
	if len(names) == 0 {
		return All(), nil
	}
	var out []Probe
	for _, n := range names {
		p, ok := find(n)
		if !ok {
			return nil, &suggest.NotFoundError{Kind: "probe", Name: n, Suggestions: suggest.Nearest(n, Names(), 3), Known: Names()}
		}
		out = append(out, p)
	}
	return out, nil
}

func find(name string) (Probe, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, p := range All() {
		if p.Name == name {
			return p, true
		}
	}
	return Probe{}, false
}

// HasBurst reports whether any of probes sends a burst.
func HasBurst(probes []Probe) bool {
	for _, p := range probes {
		if p.Burst {
			return true
		}
	}
	return false
}

// Run runs one probe against t.
func (p Probe) Run(ctx context.Context, t Target) Result {
	s := newSession(t)
	s.sticky = p.Burst
	defer s.close()
	start := time.Now()
	o := p.run(ctx, s)
	if ctx.Err() != nil && !o.pass {
		o = failed(o.resp, "interrupted: %v", ctx.Err())
	}
	r := Result{
		Name:     p.Name,
		Lesson:   p.Lesson,
		Attack:   p.Attack,
		Expected: p.Expected,
		Observed: o.observed,
		Pass:     o.pass && !o.skipped,
		Skipped:  o.skipped,
		Requests: s.requests,
		Duration: time.Since(start),
	}
	if o.resp != nil {
		r.Status = o.resp.status
		r.Headers = o.resp.header
	}
	return r
}

// Run runs probes one after the other against t, calling each (if not nil)
// with every result as it comes. It stops early when ctx ends.
func Run(ctx context.Context, t Target, probes []Probe, each func(Result)) []Result {
	var results []Result
	for _, p := range probes {
		if ctx.Err() != nil {
			break
		}
		r := p.Run(ctx, t)
		results = append(results, r)
		if each != nil {
			each(r)
		}
	}
	return results
}

// Tally counts results.
func Tally(results []Result) (pass, fail, skip int) {
	for _, r := range results {
		switch {
		case r.Skipped:
			skip++
		case r.Pass:
			pass++
		default:
			fail++
		}
	}
	return
}
