package secure_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/nodedive/nodedive/labs/secure"
	"github.com/nodedive/nodedive/labs/secure/ratelimit/shmtable"
)

// A full table refuses a new client with an ordinary 429: the rate-limit
// headers, and Retry-After for when a slot frees up. The clients already
// counted go on being counted.
func TestFullSharedTableRefusesNewClients(t *testing.T) {
	cfg := fastConfig()
	cfg.Store = secure.StoreShared
	cfg.SharedSlots = shmtable.MinSlots
	cfg.Limit = 5
	srv, _ := serve(t, cfg, io.Discard)
	get := func(ip string) (int, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	for i := range shmtable.MinSlots {
		if status, _ := get(fmt.Sprint("198.51.100.", i+1)); status != http.StatusOK {
			t.Fatalf("client %d of %d: %d", i+1, shmtable.MinSlots, status)
		}
	}
	status, h := get("203.0.113.99")
	retry, err := strconv.Atoi(h.Get("Retry-After"))
	if status != http.StatusTooManyRequests || err != nil || retry < 59 || retry > 60 {
		t.Errorf("a client on a full table: %d, Retry-After %q", status, h.Get("Retry-After"))
	}
	if got := h.Get("RateLimit"); got != fmt.Sprintf("limit=5, remaining=0, reset=%d", retry) {
		t.Errorf("RateLimit %q on the refusal", got)
	}
	if status, h := get("198.51.100.1"); status != http.StatusOK || h.Get("RateLimit") != "limit=5, remaining=3, reset=60" {
		t.Errorf("a counted client on a full table: %d %q", status, h.Get("RateLimit"))
	}
}

func TestEveryStoreHasItsCost(t *testing.T) {
	for _, s := range secure.Stores {
		if secure.StoreCost(s) == "" {
			t.Errorf("store %q has no cost to show", s)
		}
	}
	if got := (secure.Config{}).WithDefaults().Store; got != secure.StoreShared {
		t.Errorf("the Go app's default store is %q", got)
	}
}
