package secure

import (
	"net/http/httptest"
	"testing"
)

func TestClientIPTrustsOnlyLoopbackProxies(t *testing.T) {
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"127.0.0.1:5000", nil, "127.0.0.1"},
		{"127.0.0.1:5000", []string{"198.18.0.7"}, "198.18.0.7"},
		// Through two local proxies: the first non-loopback from the right.
		{"127.0.0.1:5000", []string{"203.0.113.9, 198.18.0.7", "127.0.0.1"}, "198.18.0.7"},
		// A direct client cannot choose its key.
		{"203.0.113.5:4000", []string{"198.18.0.7"}, "203.0.113.5"},
		{"[::1]:5000", []string{"::ffff:198.18.0.8"}, "198.18.0.8"},
		{"127.0.0.1:5000", []string{"not-an-ip"}, "127.0.0.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientIP(r); got != c.want {
			t.Errorf("%s %v: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8:1:2:3::4]:80"
	if got := rateKey(r); got != "2001:db8:1::/56" {
		t.Errorf("IPv6 key %s, want the /56", got)
	}
}
