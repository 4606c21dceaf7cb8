package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// rateInfo is what a response says about the client's rate limit.
type rateInfo struct {
	limit, remaining int
	known            bool
	style            string // "draft-8", "draft-7", "draft-6", "legacy"
	// reset is how many seconds are left in the client's window, when
	// the headers say (resetKnown).
	reset      int
	resetKnown bool
}

var (
	draft7       = regexp.MustCompile(`limit=(\d+),\s*remaining=(\d+)(?:,\s*reset=(\d+))?`)
	draft8       = regexp.MustCompile(`;\s*r=(\d+)\s*(?:;\s*t=(\d+))?`)
	draft8Policy = regexp.MustCompile(`;\s*q=(\d+)`)
)

// readRate understands express-rate-limit's header styles: draft-8
// (RateLimit: "name"; r=..; t=.. with the limit in RateLimit-Policy's q),
// draft-7 (RateLimit: limit=.., remaining=.., reset=..), draft-6
// (RateLimit-Limit, -Remaining, -Reset) and legacy (X-RateLimit-*, whose
// reset is a Unix time).
func readRate(h http.Header) rateInfo {
	atoi := func(s string) int {
		n, _ := strconv.Atoi(s)
		return n
	}
	if m := draft7.FindStringSubmatch(h.Get("RateLimit")); m != nil {
		r := rateInfo{limit: atoi(m[1]), remaining: atoi(m[2]), known: true, style: "draft-7"}
		if m[3] != "" {
			r.reset, r.resetKnown = atoi(m[3]), true
		}
		return r
	}
	if m := draft8.FindStringSubmatch(h.Get("RateLimit")); m != nil {
		r := rateInfo{remaining: atoi(m[1]), style: "draft-8"}
		if q := draft8Policy.FindStringSubmatch(h.Get("RateLimit-Policy")); q != nil {
			r.limit, r.known = atoi(q[1]), true
		}
		if m[2] != "" {
			r.reset, r.resetKnown = atoi(m[2]), true
		}
		return r
	}
	for _, style := range []struct{ prefix, name string }{{"RateLimit-", "draft-6"}, {"X-RateLimit-", "legacy"}} {
		l, err1 := strconv.Atoi(h.Get(style.prefix + "Limit"))
		r, err2 := strconv.Atoi(h.Get(style.prefix + "Remaining"))
		if err1 != nil || err2 != nil {
			continue
		}
		info := rateInfo{limit: l, remaining: r, known: true, style: style.name}
		if reset, err := strconv.Atoi(h.Get(style.prefix + "Reset")); err == nil {
			if style.name == "legacy" {
				reset -= int(time.Now().Unix())
			}
			info.reset, info.resetKnown = max(reset, 0), true
		}
		return info
	}
	return rateInfo{}
}

// retryAfterProblem checks a 429's Retry-After (ra seconds) against what the
// server said before: it must be the seconds left in the client's window,
// which the first answer put at first.reset, and which the 429's own
// rate-limit headers (now) repeat. The server counted the first request at
// some moment between its sending and its answer, so between the two counts
// at least shortest and at most longest passed: the time from the first
// answer to sending the last request, and from sending the first request to
// the last answer. Whole seconds are rounded up on both sides, so a second
// of slack each way is allowed. It returns what is wrong, or "".
func retryAfterProblem(ra int, first rateInfo, shortest, longest time.Duration, now rateInfo) string {
	if now.resetKnown && (ra > now.reset+1 || ra < now.reset-1) {
		return fmt.Sprintf("Retry-After: %d, but the same answer's rate-limit headers say the window has %ds left", ra, now.reset)
	}
	if !first.resetKnown {
		return ""
	}
	most := first.reset - int(math.Floor(shortest.Seconds()))
	least := first.reset - int(math.Ceil(longest.Seconds())) - 1
	switch {
	case ra > most+1:
		return fmt.Sprintf("Retry-After: %d, %.0fs after the first attempt was told %ds were left: it should count the "+
			"seconds left in the client's window (at most %d), not the window's length", ra, shortest.Seconds(), first.reset, most)
	case ra < least-1:
		return fmt.Sprintf("Retry-After: %d, but at least %d seconds of the client's window are left", ra, least)
	}
	return ""
}

func rateHeaders(h http.Header) string {
	var parts []string
	for _, name := range []string{"RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining"} {
		if v := h.Get(name); v != "" {
			parts = append(parts, name+": "+v)
		}
	}
	return strings.Join(parts, "; ")
}

var bruteForceProbe = Probe{
	Name:   "brute-force",
	Lesson: RowRateLimiting,
	Attack: "POST /login with the demo e-mail and a new wrong password each time, over one connection, until 429",
	Expected: "429 Too Many Requests once the limit is spent, with RateLimit headers and Retry-After: the seconds " +
		"left in the client's window",
	Burst: true,
	run: func(ctx context.Context, s *session) outcome {
		var first rateInfo
		var firstSent, firstAnswered time.Time
		for n := 1; n <= s.t.MaxBurst; n++ {
			body := fmt.Sprintf(`{"email":%q,"password":"guess-%d"}`, s.t.Email, n)
			sent := time.Now()
			resp, err := s.postJSON(ctx, "/login", []byte(body))
			if err != nil {
				return failed(nil, "attempt %d failed: %v", n, err)
			}
			if n == 1 {
				first, firstSent, firstAnswered = readRate(resp.header), sent, time.Now()
			}
			if resp.status == http.StatusOK {
				return failed(resp, "attempt %d logged in with %q", n, fmt.Sprintf("guess-%d", n))
			}
			if resp.status != http.StatusTooManyRequests {
				continue
			}
			let := n - 1
			retry := resp.header.Get("Retry-After")
			secs, err := strconv.Atoi(retry)
			if err != nil || secs < 0 {
				return failed(resp, "429 after %d attempts, but no usable Retry-After (%q)", n, retry)
			}
			headers := rateHeaders(resp.header)
			if headers == "" {
				return failed(resp, "429 after %d attempts with Retry-After: %s, but no RateLimit headers", n, retry)
			}
			if first.known && let > first.limit {
				return failed(resp, "429 only after %d guesses, more than the advertised limit of %d", let, first.limit)
			}
			problem := retryAfterProblem(secs, first, sent.Sub(firstAnswered), time.Since(firstSent), readRate(resp.header))
			if problem != "" {
				return failed(resp, "429 after %d guesses; %s", let, problem)
			}
			return passed(resp, "429 after %d guesses; Retry-After: %s; %s", let, retry, headers)
		}
		return failed(nil, "no 429 after %d wrong passwords: nothing slows down a password guesser", s.t.MaxBurst)
	},
}

var workersRateLimitProbe = Probe{
	Name:   "rate-limit-workers",
	Lesson: RowRateLimiting,
	Attack: "GET / as one client over a new connection each time, so the cluster spreads the requests over " +
		"its workers, until the limit holds",
	Expected: "no more requests get through than the advertised limit, however many workers serve them " +
		"(a per-worker memory store lets workers × limit through)",
	Burst: true,
	run: func(ctx context.Context, s *session) outcome {
		// A fresh connection per request: the cluster balances
		// connections, not requests.
		tr := s.client.Transport.(*http.Transport).Clone()
		tr.DisableKeepAlives = true
		c := &http.Client{Transport: tr, Timeout: s.client.Timeout, CheckRedirect: noRedirects}
		defer tr.CloseIdleConnections()

		var (
			first     rateInfo
			ok, sent  int
			run429    int
			byWorker  = map[int]int{}
			last      *response
			last429   *response
			firstSeen bool
		)
		for sent < s.t.MaxBurst {
			resp, err := s.doWith(ctx, c, http.MethodGet, "/", nil, nil)
			if err != nil {
				return failed(last, "request %d failed: %v", sent+1, err)
			}
			sent++
			last = resp
			if !firstSeen {
				first, firstSeen = readRate(resp.header), true
			}
			switch resp.status {
			case http.StatusOK:
				ok++
				run429 = 0
				byWorker[workerPID(resp)]++
			case http.StatusTooManyRequests:
				run429++
				last429 = resp
			default:
				return failed(resp, "request %d answered %d: %s", sent, resp.status, brief(resp.body))
			}
			// Stop once every worker seems spent: a run of 429s longer
			// than a round of the workers that have answered so far.
			if run429 >= max(10, 3*len(byWorker)) {
				break
			}
		}
		spread := describeWorkers(byWorker)
		if last429 == nil {
			return failed(last, "no 429 in %d requests (%s): no rate limit", sent, spread)
		}
		if !first.known {
			return skipped(last429, "%d of %d requests got through before the 429s (%s), but the server advertises no limit to compare with", ok, sent, spread)
		}
		budget := first.remaining + 1 // the first request used one
		if ok > budget {
			return failed(last429, "%d of %d requests got through with a limit of %d (%s): each worker counts alone",
				ok, sent, first.limit, spread)
		}
		note := ""
		if len(byWorker) < 2 {
			note = "; only one worker answered, so this does not show the counters are shared"
		}
		return passed(last429, "%d of %d requests got through, limit %d (%s)%s", ok, sent, first.limit, spread, note)
	},
}

// workerPID reads which worker answered: the Go cluster's X-Worker-Pid
// header, else the "pid" of the lab apps' GET / body. Zero when unknown.
func workerPID(r *response) int {
	if pid, err := strconv.Atoi(r.header.Get("X-Worker-Pid")); err == nil {
		return pid
	}
	var body struct {
		PID int `json:"pid"`
	}
	if json.Unmarshal(r.body, &body) == nil {
		return body.PID
	}
	return 0
}

func describeWorkers(byWorker map[int]int) string {
	if len(byWorker) == 0 {
		return "no worker answered 200"
	}
	if _, unknown := byWorker[0]; unknown && len(byWorker) == 1 {
		return "workers unknown"
	}
	var parts []string
	for _, pid := range slices.Sorted(maps.Keys(byWorker)) {
		if pid == 0 {
			parts = append(parts, fmt.Sprintf("unknown: %d", byWorker[pid]))
			continue
		}
		parts = append(parts, fmt.Sprintf("pid %d: %d", pid, byWorker[pid]))
	}
	return "served by " + strings.Join(parts, ", ")
}
