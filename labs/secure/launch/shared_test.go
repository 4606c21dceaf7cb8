package launch_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/labs/secure"
	"github.com/nodedive/nodedive/labs/secure/launch"
)

// tally is what a burst of requests got back.
type tally struct {
	ok, limited, failed int
	okBy                map[string]int // successes by worker pid
	byWorker            map[string]int // answers (200 or 429) by worker pid
	lastReset           int            // the RateLimit header's reset of the last answer
}

// burst sends n requests as the clients keys (round robin), conns at a
// time, each on a fresh connection so the cluster spreads them over its
// workers. Transport errors are counted, not fatal: a test kills workers.
func burst(t *testing.T, url string, keys []string, n, conns int) map[string]*tally {
	return burstWith(t, url, keys, n, conns, nil)
}

// burstWith is burst calling sent(i) after handing out request i.
func burstWith(t *testing.T, url string, keys []string, n, conns int, sent func(i int)) map[string]*tally {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	var mu sync.Mutex
	out := map[string]*tally{}
	for _, k := range keys {
		out[k] = &tally{okBy: map[string]int{}, byWorker: map[string]int{}}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for i := range next {
				key := keys[i%len(keys)]
				req, _ := http.NewRequest(http.MethodGet, url+"/", nil)
				req.Header.Set("X-Forwarded-For", key)
				resp, err := client.Do(req)
				mu.Lock()
				tl := out[key]
				switch {
				case err != nil:
					tl.failed++
				case resp.StatusCode == http.StatusOK:
					tl.ok++
					tl.okBy[resp.Header.Get("X-Worker-Pid")]++
				case resp.StatusCode == http.StatusTooManyRequests:
					tl.limited++
				default:
					t.Errorf("%s: status %d", key, resp.StatusCode)
				}
				if err == nil {
					tl.byWorker[resp.Header.Get("X-Worker-Pid")]++
					if v := readReset(resp.Header.Get("RateLimit")); v >= 0 {
						tl.lastReset = v
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
		if sent != nil {
			sent(i)
		}
	}
	close(next)
	wg.Wait()
	return out
}

// readReset takes reset=N out of a draft-7 RateLimit header (-1 if none).
func readReset(h string) int {
	var limit, remaining, reset int
	if _, err := fmt.Sscanf(h, "limit=%d, remaining=%d, reset=%d", &limit, &remaining, &reset); err != nil {
		return -1
	}
	return reset
}

func sharedOptions(workers, limit int, window time.Duration) launch.Options {
	o := baseOptions(launch.RuntimeGo, secure.StoreShared)
	o.Workers, o.Limit, o.Window = workers, limit, window
	return o
}

// Four workers, sixteen clients at once, one key: exactly the limit gets
// through, served by every worker.
func TestSharedStoreIsExactAcrossWorkers(t *testing.T) {
	const limit = 40
	lab := start(t, sharedOptions(4, limit, time.Minute))
	got := burst(t, lab.URL, []string{"203.0.113.10"}, 4*limit, 16)["203.0.113.10"]
	if got.ok != limit || got.limited != 3*limit || got.failed != 0 {
		t.Errorf("%d allowed, %d refused, %d failed of %d requests, want exactly %d allowed (by worker: %v)",
			got.ok, got.limited, got.failed, 4*limit, limit, got.okBy)
	}
	if len(got.okBy) < 3 {
		t.Errorf("only %d workers let requests through (%v): the test did not spread the load", len(got.okBy), got.okBy)
	}
}

// Many clients at once each keep an exact count.
func TestSharedStoreKeepsManyClientsExact(t *testing.T) {
	const limit = 8
	lab := start(t, sharedOptions(3, limit, time.Minute))
	var keys []string
	for i := range 25 {
		keys = append(keys, fmt.Sprintf("198.51.100.%d", i+1))
	}
	for key, got := range burst(t, lab.URL, keys, 3*limit*len(keys), 16) {
		if got.ok != limit || got.failed != 0 {
			t.Errorf("%s: %d allowed, %d refused, %d failed, want exactly %d allowed", key, got.ok, got.limited, got.failed, limit)
		}
	}
}

// A worker replaced after a kill maps the same region: the client's count
// goes on where it was, and the replacement counts in it too.
func TestSharedStoreSurvivesRespawns(t *testing.T) {
	const limit = 60
	lab := start(t, sharedOptions(3, limit, time.Minute))
	const client = "203.0.113.20"
	before := burst(t, lab.URL, []string{client}, 25, 8)[client]
	if before.ok != 25 {
		t.Fatalf("before the kill: %d of 25 allowed", before.ok)
	}

	// Kill an idle worker and wait until its replacement answers (as
	// another client, so the count under test is not touched).
	victim := lab.Workers[0]
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	replacement := waitForReplacement(t, lab, victim)

	after := burst(t, lab.URL, []string{client}, 3*limit, 12)[client]
	if after.failed != 0 || before.ok+after.ok != limit {
		t.Errorf("after the respawn: %d more allowed (%d before), %d refused, %d failed; want %d in all",
			after.ok, before.ok, after.limited, after.failed, limit)
	}
	if after.byWorker[strconv.Itoa(replacement)] == 0 {
		t.Errorf("the replacement (pid %d) never answered this client: %v", replacement, after.byWorker)
	}

	// Killed in the middle of a burst: requests in flight on the victim
	// fail, and one it counted but never answered stays counted (as in
	// any store), so the allowed are at most the limit and at least the
	// limit minus the failures.
	const other = "203.0.113.21"
	mid := burstWith(t, lab.URL, []string{other}, 3*limit, 12, func(i int) {
		if i == limit/2 {
			_ = syscall.Kill(replacement, syscall.SIGKILL)
		}
	})[other]
	if mid.ok > limit || mid.ok < limit-mid.failed {
		t.Errorf("killed mid-burst: %d allowed, %d refused, %d failed; want between %d and %d allowed",
			mid.ok, mid.limited, mid.failed, limit-mid.failed, limit)
	}
	t.Logf("killed mid-burst: %d allowed, %d refused, %d failed", mid.ok, mid.limited, mid.failed)
}

// waitForReplacement waits until a worker that was not running at the
// start answers, and returns its pid.
func waitForReplacement(t *testing.T, lab *launch.Lab, victim int) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, pid := range lab.PIDs() {
			if slices.Contains(lab.Workers, pid) || pid == victim {
				continue
			}
			probe := burst(t, lab.URL, []string{"192.0.2.99"}, 6, 2)["192.0.2.99"]
			if probe.byWorker[strconv.Itoa(pid)] > 0 {
				return pid
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no replacement for worker %d answered", victim)
	return 0
}

// A window ends, and the next one allows the limit again; the reset the
// client was told was the time left in its window.
func TestSharedStoreWindowRollsOver(t *testing.T) {
	const limit = 5
	lab := start(t, sharedOptions(2, limit, 2*time.Second))
	const client = "203.0.113.30"
	first := burst(t, lab.URL, []string{client}, 4*limit, 4)[client]
	if first.ok != limit {
		t.Fatalf("first window: %d allowed, want %d", first.ok, limit)
	}
	if first.lastReset < 1 || first.lastReset > 2 {
		t.Errorf("reset %ds in a 2s window", first.lastReset)
	}
	time.Sleep(time.Duration(first.lastReset)*time.Second + 100*time.Millisecond)
	if second := burst(t, lab.URL, []string{client}, 4*limit, 4)[client]; second.ok != limit {
		t.Errorf("second window: %d allowed, want %d", second.ok, limit)
	}
}

// The shared store is the Go app's default, and passes every probe;
// Express, whose workers share no memory, is told so.
func TestSharedStoreIsTheGoDefault(t *testing.T) {
	opts := baseOptions(launch.RuntimeGo, "")
	lab := start(t, opts)
	if lab.Store != secure.StoreShared || lab.Config.Store != secure.StoreShared {
		t.Errorf("default store %q (config %q)", lab.Store, lab.Config.Store)
	}
	runAllProbes(t, lab)
	_, err := launch.Start(context.Background(), baseOptions(launch.RuntimeNode, secure.StoreShared))
	if err == nil || !strings.Contains(err.Error(), "share no memory") {
		t.Errorf("Express with the shared store: %v", err)
	}
}
