package secure

import (
	"net/netip"
	"testing"
)

func TestClientIPTrustsOnlyLoopbackProxies(t *testing.T) {
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"127.0.0.1", nil, "127.0.0.1"},
		{"127.0.0.1", []string{"198.18.0.7"}, "198.18.0.7"},
		// Through two local proxies: the first non-loopback from the right.
		{"127.0.0.1", []string{"203.0.113.9, 198.18.0.7", "127.0.0.1"}, "198.18.0.7"},
		// A direct client cannot choose its key.
		{"203.0.113.5", []string{"198.18.0.7"}, "203.0.113.5"},
		{"::1", []string{"::ffff:198.18.0.8"}, "198.18.0.8"},
		{"::ffff:127.0.0.1", []string{"198.18.0.9:8080"}, "198.18.0.9"},
		{"127.0.0.1", []string{"not-an-ip"}, "127.0.0.1"},
	} {
		var xff [][]byte
		for _, v := range c.xff {
			xff = append(xff, []byte(v))
		}
		if got := clientIP(netip.MustParseAddr(c.remote), xff); got.String() != c.want {
			t.Errorf("%s %v: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if got := rateKey(netip.MustParseAddr("2001:db8:1:2:3::4")); got != "2001:db8:1::/56" {
		t.Errorf("IPv6 key %s, want the /56", got)
	}
	if got := rateKey(netip.MustParseAddr("198.18.0.7")); got != "198.18.0.7" {
		t.Errorf("IPv4 key %s", got)
	}
}

func TestLastKeyGivesTheSameKeysAsRateKey(t *testing.T) {
	var k lastKey
	for _, a := range []string{"198.18.0.7", "198.18.0.7", "2001:db8:1:2:3::4", "198.18.0.7", "2001:db8:1:ff::1"} {
		addr := netip.MustParseAddr(a)
		if got, want := k.of(addr), rateKey(addr); got != want {
			t.Errorf("%s: %s, want %s", a, got, want)
		}
	}
}
